package dev.ampoule.relay.roster;

import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * The care teams of the relay's organisations and their rosters: who is on which team with which
 * role. Reads are answered from memory; every change is written to the {@link RosterStore} first
 * (durable before anything else happens), then applied in memory, then audited through the
 * {@link AuditSink} and reported to the {@link RosterListener} (the Delivery Service, which makes
 * the team's MLS group follow), in that order, and only then does the change's future complete.
 * Changes run one at a time in call order, so their audit entries and listener calls keep that
 * order too.
 *
 * <p>Event-loop confined: create it with {@link #open} and call it on one context. Team names
 * never reach the audit log or the log output; only ids do.
 *
 * <p>Authorisation is the caller's business (the admin API decides from the token's claims).
 */
public final class Roster implements RosterView {

    /** Team, user and organisation ids: {@code [A-Za-z0-9._-]{1,64}}. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    public static final int MAX_NAME_LENGTH = 200;
    public static final int MAX_RETENTION_DAYS = 3650;
    /** The actor of changes the relay makes itself. */
    public static final String RELAY_ACTOR = "relay";

    private static final Logger LOG = Logger.getLogger(Roster.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RosterStore store;
    private final Set<String> roles;
    private final AuditSink audit;
    private final Clock clock;
    private RosterListener listener = RosterListener.NONE;

    private final Map<String, Team> teams = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> members = new HashMap<>();
    private final Map<String, Set<String>> teamsOfUser = new HashMap<>();
    private final Map<String, List<String>> teamsOfOrg = new HashMap<>();
    private Future<?> tail = Future.succeededFuture();

    private Roster(RosterStore store, Set<String> roles, AuditSink audit, Clock clock) {
        this.store = store;
        this.roles = Set.copyOf(roles);
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Loads the roster from {@code store}. {@code roles} are the roles a member may be given
     * (members holding a role since removed from the configuration keep it).
     */
    public static Future<Roster> open(RosterStore store, Set<String> roles, AuditSink audit, Clock clock) {
        Roster roster = new Roster(store, roles, audit, clock);
        return store.load().compose(records -> {
            try {
                records.forEach(roster::apply);
            } catch (RosterException e) {
                return Future.failedFuture(e);
            }
            return Future.succeededFuture(roster);
        });
    }

    /** Who hears about changes from now on (the Delivery Service); {@link RosterListener#NONE} by default. */
    public void listener(RosterListener l) {
        this.listener = l;
    }

    // ---- reads -------------------------------------------------------------------------------

    @Override
    public Optional<Team> team(String teamId) {
        return Optional.ofNullable(teams.get(teamId));
    }

    @Override
    public Optional<String> role(String teamId, String userId) {
        Map<String, String> m = members.get(teamId);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(userId));
    }

    /** The roles a member may be given. */
    public Set<String> roles() {
        return roles;
    }

    /** The teams of organisation {@code orgId}, oldest first (archived ones included). */
    public List<Team> teamsOfOrg(String orgId) {
        return teamsOfOrg.getOrDefault(orgId, List.of()).stream().map(teams::get).toList();
    }

    /** A team's roster, in the order members were first added. */
    public List<TeamMember> members(String teamId) {
        Map<String, String> m = members.getOrDefault(teamId, Map.of());
        List<TeamMember> out = new ArrayList<>(m.size());
        m.forEach((user, role) -> out.add(new TeamMember(teamId, user, role)));
        return out;
    }

    /** Where {@code userId} is on a roster, oldest team first. */
    public List<TeamMember> memberships(String userId) {
        List<TeamMember> out = new ArrayList<>();
        for (String teamId : teamsOfUser.getOrDefault(userId, Set.of())) {
            out.add(new TeamMember(teamId, userId, members.get(teamId).get(userId)));
        }
        return out;
    }

    // ---- input rules -------------------------------------------------------------------------

    public static boolean validId(String s) {
        return s != null && ID.matcher(s).matches();
    }

    /** 1 to {@value #MAX_NAME_LENGTH} characters (code points), no control characters, not only blanks. */
    public static boolean validName(String s) {
        if (s == null || s.isEmpty() || s.codePointCount(0, s.length()) > MAX_NAME_LENGTH) {
            return false;
        }
        boolean visible = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029) {
                return false;
            }
            if (!Character.isWhitespace(cp) && !Character.isSpaceChar(cp)) {
                visible = true;
            }
            i += Character.charCount(cp);
        }
        return visible;
    }

    /** An organisation id as it comes from a token's {@code org} claim. */
    public static boolean validOrg(String s) {
        return s != null && !s.isEmpty() && s.length() <= 256 && s.chars().noneMatch(Character::isISOControl);
    }

    // ---- changes -----------------------------------------------------------------------------

    /**
     * Creates a team of organisation {@code orgId}; {@code firstCoordinator}, when present, is put
     * on its roster as coordinator in the same durable write.
     */
    public Future<Team> createTeam(String actor, String orgId, String name, Optional<Duration> retention,
            Optional<String> firstCoordinator) {
        return serially(() -> {
            require(validOrg(orgId), "invalid organisation id");
            require(validName(name), "invalid team name");
            require(firstCoordinator.map(Roster::validId).orElse(true), "invalid user id");
            retention.ifPresent(Roster::checkRetention);
            String id = newTeamId();
            RosterRecord.TeamCreated created = new RosterRecord.TeamCreated(id, orgId, name, retention,
                    clock.millis());
            List<RosterRecord> batch = new ArrayList<>(List.of(created));
            firstCoordinator.ifPresent(u -> batch.add(new RosterRecord.MemberSet(id, u, TeamMember.COORDINATOR)));
            return persist(batch).compose(v -> {
                Team team = teams.get(id);
                List<Step> steps = new ArrayList<>();
                Map<String, String> details = new LinkedHashMap<>();
                details.put("org", orgId);
                retention.ifPresent(d -> details.put("retentionDays", Long.toString(d.toDays())));
                steps.add(new Step(AuditEvent.of(AuditType.TEAM_CREATED, actor, id, null, details), null));
                firstCoordinator.ifPresent(u -> {
                    TeamMember m = new TeamMember(id, u, TeamMember.COORDINATOR);
                    steps.add(new Step(AuditEvent.of(AuditType.MEMBER_ADDED, actor, id, u,
                            Map.of("role", TeamMember.COORDINATOR)), () -> listener.memberAdded(team, m, true)));
                });
                return consequences(steps, "team " + id + " created").map(team);
            });
        });
    }

    /** Archives a team: its roster is frozen and nobody may send to its group any more. */
    public Future<Team> archive(String actor, String teamId) {
        return serially(() -> {
            Team team = changeable(teamId);
            return persist(List.of(new RosterRecord.TeamArchived(teamId))).compose(v -> {
                Team archived = teams.get(teamId);
                return consequences(List.of(new Step(AuditEvent.of(AuditType.TEAM_ARCHIVED, actor, teamId, null,
                        Map.of()), () -> listener.teamArchived(archived))), "team " + team.id() + " archived")
                        .map(archived);
            });
        });
    }

    /** Sets how long the team's messages are kept ({@code Optional.empty()}: the relay's default). */
    public Future<Team> setRetention(String actor, String teamId, Optional<Duration> retention) {
        return serially(() -> {
            retention.ifPresent(Roster::checkRetention);
            changeable(teamId);
            return persist(List.of(new RosterRecord.RetentionSet(teamId, retention))).compose(v -> {
                String days = retention.map(d -> Long.toString(d.toDays())).orElse("default");
                return consequences(List.of(new Step(AuditEvent.of(AuditType.TEAM_RETENTION_SET, actor, teamId, null,
                        Map.of("retentionDays", days)), null)), "retention of team " + teamId + " set")
                        .map(teams.get(teamId));
            });
        });
    }

    /**
     * Puts {@code userId} on the team's roster with {@code role}, or changes their role. The
     * future's value: true if the user was not on the roster before. Putting a member with the
     * role they already hold changes nothing (false, nothing audited).
     */
    public Future<Boolean> putMember(String actor, String teamId, String userId, String role) {
        return serially(() -> {
            require(validId(userId), "invalid user id");
            require(role != null && roles.contains(role), "unknown role");
            Team team = changeable(teamId);
            Optional<String> previous = role(teamId, userId);
            if (previous.isPresent() && previous.get().equals(role)) {
                return Future.succeededFuture(false);
            }
            return persist(List.of(new RosterRecord.MemberSet(teamId, userId, role))).compose(v -> {
                TeamMember m = new TeamMember(teamId, userId, role);
                Map<String, String> details = new LinkedHashMap<>();
                details.put("role", role);
                previous.ifPresent(p -> details.put("previousRole", p));
                boolean created = previous.isEmpty();
                return consequences(List.of(new Step(AuditEvent.of(AuditType.MEMBER_ADDED, actor, teamId, userId,
                        details), () -> listener.memberAdded(team, m, created))),
                        "member " + userId + " of team " + teamId + " set").map(created);
            });
        });
    }

    /** Takes {@code userId} off the team's roster. */
    public Future<Void> removeMember(String actor, String teamId, String userId) {
        return serially(() -> {
            Team team = changeable(teamId);
            String role = role(teamId, userId).orElseThrow(() -> new RosterException(RosterException.Kind.NOT_FOUND,
                    "no such member"));
            return persist(List.of(new RosterRecord.MemberRemoved(teamId, userId))).compose(v ->
                    consequences(List.of(new Step(AuditEvent.of(AuditType.MEMBER_REMOVED, actor, teamId, userId,
                            Map.of("role", role)), () -> listener.memberRemoved(team, userId))),
                            "member " + userId + " of team " + teamId + " removed"));
        });
    }

    /**
     * Erases a user (GDPR art. 17): takes them off every roster, archived teams included, and
     * compacts the store so its history no longer names them. Then, for each team, audits
     * {@code MEMBER_REMOVED} and calls {@link RosterListener#memberRemoved}; finally audits
     * {@code USER_ERASED} and calls {@link RosterListener#userErased} (which erases devices,
     * KeyPackages and queued messages). The future's value: the ids of the teams they were on.
     */
    public Future<List<String>> eraseUser(String actor, String userId) {
        return serially(() -> {
            require(validId(userId), "invalid user id");
            List<TeamMember> was = memberships(userId);
            return persist(List.of(new RosterRecord.UserErased(userId)))
                    .compose(v -> store.rewrite(snapshot())
                            .recover(e -> Future.failedFuture(new RosterException(RosterException.Kind.INCOMPLETE,
                                    "user erased from the roster, but the roster store was not compacted", e))))
                    .compose(v -> {
                        List<Step> steps = new ArrayList<>();
                        for (TeamMember m : was) {
                            Team team = teams.get(m.teamId());
                            steps.add(new Step(AuditEvent.of(AuditType.MEMBER_REMOVED, actor, m.teamId(), userId,
                                    Map.of("role", m.role(), "reason", "erasure")),
                                    () -> listener.memberRemoved(team, userId)));
                        }
                        steps.add(new Step(AuditEvent.of(AuditType.USER_ERASED, actor, null, userId,
                                Map.of("teams", Integer.toString(was.size()))), () -> listener.userErased(userId)));
                        return consequences(steps, "user " + userId + " erased");
                    })
                    .map(v -> was.stream().map(TeamMember::teamId).toList());
        });
    }

    /** Waits for the changes under way, then closes the store. */
    public Future<Void> close() {
        Future<Void> done = tail.transform(ar -> store.close());
        tail = done;
        return done;
    }

    // ---- internals ---------------------------------------------------------------------------

    /** An audit entry and the listener call that follows it (or null). */
    private record Step(AuditEvent event, Supplier<Future<Void>> call) {
    }

    private <T> Future<T> serially(Supplier<Future<T>> change) {
        Future<T> result = tail.transform(ar -> {
            try {
                return change.get();
            } catch (RosterException e) {
                return Future.failedFuture(e);
            }
        });
        tail = result.transform(ar -> Future.succeededFuture());
        return result;
    }

    /** Writes the batch durably, then applies it in memory. */
    private Future<Void> persist(List<RosterRecord> batch) {
        return store.append(batch)
                .recover(e -> {
                    LOG.log(Level.WARNING, "roster store write failed", e);
                    return Future.failedFuture(new RosterException(RosterException.Kind.STORE,
                            "the roster could not be saved", e));
                })
                .map(v -> {
                    batch.forEach(this::apply);
                    return null;
                });
    }

    /**
     * Runs each step in order (audit, then the listener call), every step even after a failure;
     * fails with {@link RosterException.Kind#INCOMPLETE} if any part failed.
     */
    private Future<Void> consequences(List<Step> steps, String what) {
        Future<List<Throwable>> chain = Future.succeededFuture(new ArrayList<>());
        for (Step step : steps) {
            chain = chain.compose(failures -> attempt(() -> audit.record(step.event()))
                    .compose(f -> {
                        f.ifPresent(failures::add);
                        return step.call() == null ? Future.succeededFuture(Optional.<Throwable>empty())
                                : attempt(step.call());
                    })
                    .map(f -> {
                        f.ifPresent(failures::add);
                        return failures;
                    }));
        }
        return chain.compose(failures -> {
            if (failures.isEmpty()) {
                return Future.succeededFuture();
            }
            failures.forEach(e -> LOG.log(Level.WARNING, what + ", but auditing or applying it failed", e));
            RosterException e = new RosterException(RosterException.Kind.INCOMPLETE,
                    what + ", but auditing it or applying it to the team's group failed", failures.get(0));
            return Future.failedFuture(e);
        });
    }

    private static Future<Optional<Throwable>> attempt(Supplier<Future<Void>> call) {
        Future<Void> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            return Future.succeededFuture(Optional.of(e));
        }
        return f.transform(ar -> Future.succeededFuture(ar.failed() ? Optional.of(ar.cause()) : Optional.empty()));
    }

    private Team changeable(String teamId) {
        Team team = teams.get(teamId);
        if (team == null) {
            throw new RosterException(RosterException.Kind.NOT_FOUND, "no such team");
        }
        if (team.archived()) {
            throw new RosterException(RosterException.Kind.CONFLICT, "the team is archived");
        }
        return team;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new RosterException(RosterException.Kind.INVALID, message);
        }
    }

    private static void checkRetention(Duration d) {
        if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(MAX_RETENTION_DAYS)) > 0) {
            throw new RosterException(RosterException.Kind.INVALID,
                    "retention must be within 1.." + MAX_RETENTION_DAYS + " days");
        }
    }

    private String newTeamId() {
        byte[] b = new byte[16];
        String id;
        do {
            RANDOM.nextBytes(b);
            id = "t-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        } while (teams.containsKey(id));
        return id;
    }

    /** Applies a durable record to the in-memory roster; a record that does not fit is corruption. */
    private void apply(RosterRecord record) {
        switch (record) {
            case RosterRecord.TeamCreated t -> {
                if (teams.containsKey(t.teamId())) {
                    throw corrupt("team created twice");
                }
                teams.put(t.teamId(), new Team(t.teamId(), t.orgId(), t.name(), false, t.retention(),
                        t.createdMillis()));
                members.put(t.teamId(), new LinkedHashMap<>());
                teamsOfOrg.computeIfAbsent(t.orgId(), o -> new ArrayList<>()).add(t.teamId());
            }
            case RosterRecord.TeamArchived a -> {
                Team t = known(a.teamId());
                teams.put(t.id(), new Team(t.id(), t.orgId(), t.name(), true, t.retention(), t.createdMillis()));
            }
            case RosterRecord.RetentionSet r -> {
                Team t = known(r.teamId());
                teams.put(t.id(), new Team(t.id(), t.orgId(), t.name(), t.archived(), r.retention(),
                        t.createdMillis()));
            }
            case RosterRecord.MemberSet m -> {
                known(m.teamId());
                members.get(m.teamId()).put(m.userId(), m.role());
                teamsOfUser.computeIfAbsent(m.userId(), u -> new LinkedHashSet<>()).add(m.teamId());
            }
            case RosterRecord.MemberRemoved m -> {
                known(m.teamId());
                members.get(m.teamId()).remove(m.userId());
                Set<String> of = teamsOfUser.get(m.userId());
                if (of != null) {
                    of.remove(m.teamId());
                    if (of.isEmpty()) {
                        teamsOfUser.remove(m.userId());
                    }
                }
            }
            case RosterRecord.UserErased e -> {
                Collection<String> of = teamsOfUser.remove(e.userId());
                if (of != null) {
                    of.forEach(teamId -> members.get(teamId).remove(e.userId()));
                }
            }
        }
    }

    private Team known(String teamId) {
        Team t = teams.get(teamId);
        if (t == null) {
            throw corrupt("a record names an unknown team");
        }
        return t;
    }

    private static RosterException corrupt(String what) {
        return new RosterException(RosterException.Kind.STORE, "roster store is inconsistent: " + what);
    }

    /** The current roster as records (what a compacted store holds). */
    private List<RosterRecord> snapshot() {
        List<RosterRecord> out = new ArrayList<>();
        for (Team t : teams.values()) {
            out.add(new RosterRecord.TeamCreated(t.id(), t.orgId(), t.name(), t.retention(), t.createdMillis()));
            if (t.archived()) {
                out.add(new RosterRecord.TeamArchived(t.id()));
            }
            members.get(t.id()).forEach((user, role) -> out.add(new RosterRecord.MemberSet(t.id(), user, role)));
        }
        return out;
    }
}
