package dev.ampoule.relay.history;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.roster.RosterListener;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Who may read a care team's history from before they joined: the coordinators' authorisations
 * ({@code none} — the default, no entry —, {@code since} a day, or {@code all} the team retains)
 * and the grants members' devices made within them (PROTOCOL.md "History"). The relay serves a
 * user's history records only for days some grant covers, clipped to the current authorisation
 * and the team's retention; revoking an authorisation ends its grants, and so does taking the
 * user off the roster (this is a {@link RosterListener}).
 *
 * <p>Every change is written to the {@link RightsStore} (durable) before it applies, then audited
 * ({@code history_authorised}, {@code history_revoked}, {@code history_granted}; ids and days
 * only). Changes run one at a time, in call order. With {@code store=file} the store is the data
 * directory's {@link RightsLog}; with {@code store=postgresql} it is {@link PgRightsLog}, shared by
 * every instance of every node: each change first applies what others logged since this instance
 * last read, and {@link #catchUp} reads it on demand (before a fetch is served, on a
 * {@code RightsChanged} event, and periodically). Applying is idempotent: a grant is known by its
 * granting device and group message seq. Event-loop confined.
 */
public final class HistoryRights implements RosterListener {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryRights.class);

    /** What a coordinator authorised. */
    public enum Access {
        /** History from a day on. */
        SINCE,
        /** Everything the team retains. */
        ALL
    }

    /** A user's authorisation on a team. */
    public record Authorisation(Access access, long sinceDay, String actor, long millis) {

        /** The first day it covers, given the first day the team retains. */
        public long fromDay(long retainedFrom) {
            return access == Access.ALL ? retainedFrom : Math.max(sinceDay, retainedFrom);
        }
    }

    /** A grant a member's device made: the keys of days {@code fromDay} to {@code toDay}, in group message {@code seq}. */
    public record Grant(long fromDay, long toDay, DeviceId granter, long seq, long millis) {
    }

    private final RightsStore log;
    private final AuditSink audit;
    private final Clock clock;
    private final Map<String, Map<String, Authorisation>> authorised = new HashMap<>();
    private final Map<String, Map<String, List<Grant>>> grants = new HashMap<>();
    private final Serial serial;
    /** Catch-ups asked for on their own (before a fetch, on an event), shared by the callers of the moment. */
    private final dev.ampoule.relay.cluster.SharedRead reads;

    HistoryRights(RightsStore log, AuditSink audit, Clock clock) {
        this.log = log;
        this.audit = audit;
        this.clock = clock;
        this.serial = new Serial(() -> log.changes().map(this::applyAll));
        this.reads = new dev.ampoule.relay.cluster.SharedRead(() -> serial.run(Future::succeededFuture));
    }

    /** The rights kept under {@code dataDir/rights} ({@code fsync} off only in throughput tests). */
    public static HistoryRights in(io.vertx.core.Vertx vertx, java.nio.file.Path dataDir, boolean fsync, AuditSink audit,
            Clock clock) {
        return new HistoryRights(new RightsLog(vertx, dataDir.resolve(RightsLog.DIR_NAME), fsync), audit, clock);
    }

    /**
     * The rights kept in PostgreSQL ({@code store=postgresql}), shared by every instance of every
     * node; {@code written} gets the position of each change this instance writes.
     */
    public static HistoryRights inDatabase(io.vertx.sqlclient.Pool pool, java.util.function.LongConsumer written,
            AuditSink audit, Clock clock) {
        return new HistoryRights(new PgRightsLog(pool, PgRightsLog.Log.RIGHTS, written), audit, clock);
    }

    /** Replays the log. */
    public Future<Void> open() {
        return log.load().map(records -> {
            records.forEach(this::apply);
            return null;
        });
    }

    /**
     * Applies what other instances and nodes logged, read after this call (joined with a read not yet
     * started); nothing to read with the file store.
     */
    public Future<Void> catchUp() {
        return reads.get();
    }

    public Future<Void> close() {
        return log.close();
    }

    // ---- reads ---------------------------------------------------------------------------------

    public Optional<Authorisation> authorisation(String team, String user) {
        return Optional.ofNullable(authorised.getOrDefault(team, Map.of()).get(user));
    }

    /** The grants made to a user on a team, oldest first. */
    public List<Grant> grants(String team, String user) {
        return List.copyOf(grants.getOrDefault(team, Map.of()).getOrDefault(user, List.of()));
    }

    /**
     * Whether the user may read the team's history of {@code day}: a grant covers it, within the
     * current authorisation and from {@code retainedFrom} (the first day the team retains).
     */
    public boolean granted(String team, String user, long day, long retainedFrom) {
        Optional<Authorisation> a = authorisation(team, user);
        if (a.isEmpty() || day < a.get().fromDay(retainedFrom)) {
            return false;
        }
        for (Grant g : grants(team, user)) {
            if (g.fromDay() <= day && day <= g.toDay()) {
                return true;
            }
        }
        return false;
    }

    /** The days the user's grants cover (from the earliest to the latest, clipped as {@link #granted}), if any. */
    public Optional<long[]> grantedRange(String team, String user, long retainedFrom) {
        Optional<Authorisation> a = authorisation(team, user);
        List<Grant> gs = grants(team, user);
        if (a.isEmpty() || gs.isEmpty()) {
            return Optional.empty();
        }
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (Grant g : gs) {
            from = Math.min(from, g.fromDay());
            to = Math.max(to, g.toDay());
        }
        from = Math.max(from, a.get().fromDay(retainedFrom));
        return from > to ? Optional.empty() : Optional.of(new long[] {from, to});
    }

    // ---- changes -------------------------------------------------------------------------------

    /** A coordinator ({@code actor}) authorises a user's history on a team (replacing an earlier authorisation). */
    public Future<Authorisation> authorise(String actor, String team, String user, Access access, long sinceDay) {
        return serially(() -> {
            RightsRecord.Authorised r = new RightsRecord.Authorised(team, user, access, sinceDay, actor, clock.millis());
            Map<String, String> details = new LinkedHashMap<>();
            details.put("access", access.name().toLowerCase(java.util.Locale.ROOT));
            if (access == Access.SINCE) {
                details.put("since", LocalDate.ofEpochDay(sinceDay).toString());
            }
            return change(r, AuditEvent.of(AuditType.HISTORY_AUTHORISED, actor, team, user, details))
                    .map(v -> new Authorisation(access, sinceDay, actor, r.millis()));
        });
    }

    /** Ends a user's authorisation and grants on a team; false (and nothing audited) if there were none. */
    public Future<Boolean> revoke(String actor, String team, String user, String reason) {
        return serially(() -> {
            if (authorisation(team, user).isEmpty() && grants(team, user).isEmpty()) {
                return Future.succeededFuture(false);
            }
            RightsRecord.Revoked r = new RightsRecord.Revoked(team, user, actor, clock.millis());
            return change(r, AuditEvent.of(AuditType.HISTORY_REVOKED, actor, team, user, Map.of("reason", reason)))
                    .map(v -> true);
        });
    }

    /** A member's device granted the user the keys of days {@code fromDay} to {@code toDay} (group message {@code seq}). */
    public Future<Void> granted(String team, String user, long fromDay, long toDay, DeviceId granter, long seq) {
        return serially(() -> {
            RightsRecord.Granted r = new RightsRecord.Granted(team, user, fromDay, toDay, granter, seq, clock.millis());
            return change(r, AuditEvent.of(AuditType.HISTORY_GRANTED, granter.userId(), team, user, Map.of(
                    "device", granter.deviceId(), "from", LocalDate.ofEpochDay(fromDay).toString(),
                    "to", LocalDate.ofEpochDay(toDay).toString(), "seq", Long.toString(seq))));
        });
    }

    /** Writes, applies (after what others logged before it), then audits one change. */
    private Future<Void> change(RightsRecord r, AuditEvent event) {
        return log.append(r).map(this::applyAll).compose(v -> audit.record(event).recover(e -> {
            LOG.warn("a history rights change was made but could not be audited", e);
            return Future.failedFuture(e);
        }));
    }

    /** Runs a change after the ones under way, on the latest rights (what others logged read first). */
    private <T> Future<T> serially(Supplier<Future<T>> change) {
        return serial.run(change);
    }

    private Void applyAll(List<RightsStore.Change> changes) {
        for (RightsStore.Change c : changes) {
            switch (c) {
                case RightsStore.Reset r -> {
                    authorised.clear();
                    grants.clear();
                }
                case RightsStore.Logged l -> apply(l.record());
            }
        }
        return null;
    }

    private void apply(RightsRecord r) {
        switch (r) {
            case RightsRecord.Authorised a -> authorised.computeIfAbsent(a.team(), t -> new HashMap<>())
                    .put(a.user(), new Authorisation(a.access(), a.sinceDay(), a.actor(), a.millis()));
            case RightsRecord.Revoked v -> {
                authorised.getOrDefault(v.team(), new HashMap<>()).remove(v.user());
                grants.getOrDefault(v.team(), new HashMap<>()).remove(v.user());
            }
            case RightsRecord.Granted g -> {
                List<Grant> list = grants.computeIfAbsent(g.team(), t -> new HashMap<>())
                        .computeIfAbsent(g.user(), u -> new ArrayList<>());
                // a grant is its granting device's group message: applied once however often it is read
                if (list.stream().noneMatch(x -> x.granter().equals(g.granter()) && x.seq() == g.seq())) {
                    list.add(new Grant(g.fromDay(), g.toDay(), g.granter(), g.seq(), g.millis()));
                }
            }
            case RightsRecord.Recipients x -> { } // a shared record's, kept by RecordShares
        }
    }

    // ---- the roster ----------------------------------------------------------------------------

    @Override
    public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
        return Future.succeededFuture();
    }

    /** A user off the roster loses their history rights on the team (put back, they start from none). */
    @Override
    public Future<Void> memberRemoved(Team team, String userId) {
        return revoke(AuditEvent.RELAY_ACTOR, team.id(), userId, "roster").mapEmpty();
    }

    @Override
    public Future<Void> teamArchived(Team team) {
        return Future.succeededFuture();
    }

    /**
     * An erased user: the roster took them off each team first ({@link #memberRemoved}), which
     * revoked their rights; the log is now rewritten with the live rights only, so that their id
     * leaves it (the audit log keeps ids, as for every erasure). What other nodes logged meanwhile
     * is applied first and kept.
     */
    @Override
    public Future<Void> userErased(String userId) {
        return serially(() -> log.rewrite(pending -> {
            applyAll(pending);
            return liveRecords();
        }));
    }

    /** The records that rebuild the current rights. */
    private List<RightsRecord> liveRecords() {
        List<RightsRecord> out = new ArrayList<>();
        authorised.forEach((team, users) -> users.forEach((user, a) -> out.add(
                new RightsRecord.Authorised(team, user, a.access(), a.sinceDay(), a.actor(), a.millis()))));
        grants.forEach((team, users) -> users.forEach((user, list) -> list.forEach(g -> out.add(
                new RightsRecord.Granted(team, user, g.fromDay(), g.toDay(), g.granter(), g.seq(), g.millis())))));
        return out;
    }
}
