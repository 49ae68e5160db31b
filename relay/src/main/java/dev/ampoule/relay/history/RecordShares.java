package dev.ampoule.relay.history;

import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.roster.RosterListener;
import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Who a record shared with part of a care team is shared with (HISTORY.md "Records"): roles of the
 * team's roster and named users, set by its uploader when it is stored and changed later by a
 * coordinator. The record is never re-encrypted: the relay serves its ciphertext to the current
 * recipients' devices only, and a recipient's device hands its key to a new recipient inside the
 * group. Every change is written to its own {@link RightsStore} ({@code dataDir/records} with the
 * file store; PostgreSQL's {@code rights_log}, shared by every instance of every node, with
 * {@code store=postgresql}) before it applies, then audited ({@code record_recipients_changed}: ids
 * and roles only). Changes run one at a time, each after what other instances logged;
 * {@link #catchUp} reads that on demand. A user taken off a team's roster is no longer named by its records (this is a
 * {@link RosterListener}): put back, they read only what they are shared with again. Event-loop
 * confined.
 */
public final class RecordShares implements RosterListener {

    static final String DIR_NAME = "records";
    /** Roles and users one record may name. */
    public static final int MAX_NAMES = 1_000;

    /** A record's recipients: roles of its team's roster and named users. */
    public record Recipients(String team, Set<String> roles, Set<String> users) {

        public Recipients {
            roles = Set.copyOf(roles);
            users = Set.copyOf(users);
        }

        /** Whether {@code user}, with {@code role} on the team's roster (if any), is a recipient. */
        public boolean includes(String user, Optional<String> role) {
            return users.contains(user) || role.filter(roles::contains).isPresent();
        }
    }

    private final RightsStore log;
    private final AuditSink audit;
    private final Clock clock;
    private final Map<Bytes, Recipients> records = new HashMap<>();
    private final Serial serial;
    /** Catch-ups asked for on their own (before a fetch, on an event), shared by the callers of the moment. */
    private final dev.ampoule.relay.cluster.SharedRead reads;

    RecordShares(RightsStore log, AuditSink audit, Clock clock) {
        this.log = log;
        this.audit = audit;
        this.clock = clock;
        this.serial = new Serial(() -> log.changes().map(this::applyAll));
        this.reads = new dev.ampoule.relay.cluster.SharedRead(() -> serial.run(Future::succeededFuture));
    }

    /** The recipients kept under {@code dataDir/records}. */
    public static RecordShares in(Vertx vertx, Path dataDir, boolean fsync, AuditSink audit, Clock clock) {
        return new RecordShares(new RightsLog(vertx, dataDir.resolve(DIR_NAME), fsync), audit, clock);
    }

    /**
     * The recipients kept in PostgreSQL ({@code store=postgresql}), shared by every instance of every
     * node; {@code written} gets the position of each change this instance writes.
     */
    public static RecordShares inDatabase(io.vertx.sqlclient.Pool pool, java.util.function.LongConsumer written,
            AuditSink audit, Clock clock) {
        return new RecordShares(new PgRightsLog(pool, PgRightsLog.Log.RECORDS, written), audit, clock);
    }

    /** Applies what other instances and nodes logged, read after this call (nothing to read with the file store). */
    public Future<Void> catchUp() {
        return reads.get();
    }

    public Future<Void> open() {
        return log.load().map(list -> {
            list.forEach(this::apply);
            return null;
        });
    }

    public Future<Void> close() {
        return log.close();
    }

    public Optional<Recipients> recipients(Bytes recordId) {
        return Optional.ofNullable(records.get(recordId));
    }

    /**
     * The users the record is shared with now: those on its team's roster whose role is one of its
     * roles or who are named, and {@code uploader} (sorted).
     */
    public List<String> users(Bytes recordId, String uploader, RosterView roster) {
        Set<String> out = new TreeSet<>();
        out.add(uploader);
        recipients(recordId).ifPresent(r -> {
            for (TeamMember m : roster.members(r.team())) {
                if (r.includes(m.userId(), Optional.of(m.role()))) {
                    out.add(m.userId());
                }
            }
        });
        return List.copyOf(out);
    }

    /**
     * Sets a record's recipients ({@code actor}: the uploader when it is stored, a coordinator
     * later); audited with the roles and users added and removed.
     */
    public Future<Recipients> set(String actor, Bytes recordId, Recipients to) {
        return change(actor, recordId, before -> to).map(changed -> to);
    }

    /**
     * Changes a record's recipients to what {@code change} makes of them now (null: no change),
     * after what other instances logged; completes with whether it changed them.
     */
    private Future<Boolean> change(String actor, Bytes recordId, java.util.function.UnaryOperator<Recipients> change) {
        return serially(() -> {
            Recipients before = records.get(recordId);
            Recipients to = change.apply(before);
            if (to == null) {
                return Future.succeededFuture(false);
            }
            RightsRecord.Recipients r = new RightsRecord.Recipients(to.team(), actor, recordId,
                    List.copyOf(new TreeSet<>(to.roles())), List.copyOf(new TreeSet<>(to.users())), clock.millis());
            Map<String, String> details = new LinkedHashMap<>();
            details.put("record", recordId.hex());
            details.put("roles", String.join(",", new TreeSet<>(to.roles())));
            details.put("users", String.join(",", new TreeSet<>(to.users())));
            if (before != null) {
                details.put("removedUsers", String.join(",", minus(before.users(), to.users())));
                details.put("removedRoles", String.join(",", minus(before.roles(), to.roles())));
            }
            AuditEvent event = AuditEvent.of(AuditType.RECORD_RECIPIENTS_CHANGED, actor, to.team(), null, details);
            return log.append(r).map(this::applyAll).compose(v -> audit.record(event)).map(v -> true);
        });
    }

    // ---- the roster ----------------------------------------------------------------------------

    @Override
    public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
        return Future.succeededFuture();
    }

    /** The user is no longer named by the team's records (each change audited, actor the relay). */
    @Override
    public Future<Void> memberRemoved(Team team, String userId) {
        return catchUp().compose(caughtUp -> {
            Future<Void> all = Future.succeededFuture();
            for (Map.Entry<Bytes, Recipients> e : List.copyOf(records.entrySet())) {
                if (e.getValue().team().equals(team.id()) && e.getValue().users().contains(userId)) {
                    all = all.compose(v -> withoutUser(e.getKey(), userId));
                }
            }
            return all;
        });
    }

    /** The record names the user no more (checked again on the latest recipients). */
    private Future<Void> withoutUser(Bytes recordId, String userId) {
        return change(AuditEvent.RELAY_ACTOR, recordId, r -> {
            if (r == null || !r.users().contains(userId)) {
                return null;
            }
            Set<String> users = new TreeSet<>(r.users());
            users.remove(userId);
            return new Recipients(r.team(), r.roles(), users);
        }).mapEmpty();
    }

    @Override
    public Future<Void> teamArchived(Team team) {
        return Future.succeededFuture();
    }

    /** An erased user left every roster first ({@link #memberRemoved}); the log is rewritten so that their id leaves it. */
    @Override
    public Future<Void> userErased(String userId) {
        return serially(() -> log.rewrite(pending -> {
            applyAll(pending); // what other nodes logged meanwhile is kept
            return records.entrySet().stream().map(e -> (RightsRecord) new RightsRecord.Recipients(
                    e.getValue().team(), AuditEvent.RELAY_ACTOR, e.getKey(), List.copyOf(new TreeSet<>(e.getValue().roles())),
                    List.copyOf(new TreeSet<>(e.getValue().users())), clock.millis())).toList();
        }));
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    private <T> Future<T> serially(Supplier<Future<T>> change) {
        return serial.run(change);
    }

    private Void applyAll(List<RightsStore.Change> changes) {
        for (RightsStore.Change c : changes) {
            switch (c) {
                case RightsStore.Reset r -> records.clear();
                case RightsStore.Logged l -> apply(l.record());
            }
        }
        return null;
    }

    private void apply(RightsRecord r) {
        if (r instanceof RightsRecord.Recipients x) {
            records.put(x.recordId(), new Recipients(x.team(), new LinkedHashSet<>(x.roles()),
                    new LinkedHashSet<>(x.users())));
        }
    }
}
