package dev.ampoule.relay.roster;

import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.audit.Organisations;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The care teams of the relay's organisations and their rosters: who is on which team with which
 * role. Reads are answered from memory; every change is written to the {@link RosterStore} first
 * (durable before anything else happens), then applied in memory, then audited through the
 * {@link AuditSink} and reported to the {@link RosterListener} (the Delivery Service, which makes
 * the team's MLS group follow), in that order, and only then does the change's future complete.
 * Changes run one at a time in call order, so their audit entries and listener calls keep that
 * order too.
 *
 * <p>Users belong to one organisation each, recorded durably the first time the relay learns it:
 * from the first team they are put on ({@link #putMember}, {@link #createTeam}) or from the
 * {@code org} claim of a token they present ({@link #claimOrg}). Once recorded it never changes: a
 * team of another organisation cannot take the user ({@link RosterException.Kind#CONFLICT}), a token
 * naming another organisation leaves it as it is (audited as {@code user_org_conflict}), and erasing
 * the user keeps it under a one-way hash of the id ({@link RosterRecord.ErasedUserOrg}), so that the
 * id never passes to another organisation, nor do the audit entries about it.
 *
 * <p>Event-loop confined: create it with {@link #open} and call it on one context. Team names
 * never reach the audit log or the log output; only ids do.
 *
 * <p>Authorisation is the caller's business (the admin API decides from the token's claims); the
 * roster keeps its own invariants (a user's teams are all of the user's organisation; an erasure
 * names the organisation whose user it erases) and its {@link RosterQuotas}, injected at
 * {@link #open}: teams per organisation, teams a user created for themselves, members per team —
 * a change beyond one is refused ({@link RosterException.Kind#QUOTA}) before anything is written.
 */
public final class Roster implements RosterView, Organisations {

    /** Team, user and organisation ids: {@code [A-Za-z0-9._-]{1,64}}. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    public static final int MAX_NAME_LENGTH = 200;
    public static final int MAX_RETENTION_DAYS = 3650;
    /** The actor of changes the relay makes itself. */
    public static final String RELAY_ACTOR = AuditEvent.RELAY_ACTOR;

    private static final Logger LOG = LoggerFactory.getLogger(Roster.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RosterStore store;
    private final Set<String> roles;
    private final RosterQuotas quotas;
    private final AuditSink audit;
    private final Clock clock;
    private RosterListener listener = RosterListener.NONE;

    private final Map<String, Team> teams = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> members = new HashMap<>();
    private final Map<String, Set<String>> teamsOfUser = new HashMap<>();
    private final Map<String, List<String>> teamsOfOrg = new HashMap<>();
    private final Map<String, String> orgOfUser = new LinkedHashMap<>();
    /** Erased users' organisations, by {@link #erasedUserKey}. */
    private final Map<String, String> orgOfErased = new LinkedHashMap<>();
    /** Teams users created for themselves ({@link RosterRecord.TeamCreator}): team → creator, creator → count. */
    private final Map<String, String> creatorOfTeam = new HashMap<>();
    private final Map<String, Integer> teamsCreatedBy = new HashMap<>();
    private Future<?> tail = Future.succeededFuture();

    private Roster(RosterStore store, Set<String> roles, RosterQuotas quotas, AuditSink audit, Clock clock) {
        this.store = store;
        this.roles = Set.copyOf(roles);
        this.quotas = quotas;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Loads the roster from {@code store}. {@code roles} are the roles a member may be given
     * (members holding a role since removed from the configuration keep it).
     */
    public static Future<Roster> open(RosterStore store, Set<String> roles, AuditSink audit, Clock clock) {
        return open(store, roles, RosterQuotas.DEFAULTS, audit, clock);
    }

    /** Loads the roster from {@code store}, with {@code quotas} on what organisations and users may take. */
    public static Future<Roster> open(RosterStore store, Set<String> roles, RosterQuotas quotas, AuditSink audit,
            Clock clock) {
        Roster roster = new Roster(store, roles, quotas, audit, clock);
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

    /**
     * The organisation {@code userId} belongs to, if the relay has recorded one (an erased user's
     * included: it stays bound to the id).
     */
    public Optional<String> orgOf(String userId) {
        String org = orgOfUser.get(userId);
        if (org == null && !orgOfErased.isEmpty()) {
            org = orgOfErased.get(erasedUserKey(userId));
        }
        return Optional.ofNullable(org);
    }

    @Override
    public Optional<String> orgOfUser(String userId) {
        return orgOf(userId);
    }

    @Override
    public Optional<String> orgOfTeam(String teamId) {
        return team(teamId).map(Team::orgId);
    }

    @Override
    public List<String> teamsOf(String userId) {
        return List.copyOf(teamsOfUser.getOrDefault(userId, Set.of()));
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
            firstCoordinator.ifPresent(u -> sameOrg(u, orgId));
            if (teamsOfOrg.getOrDefault(orgId, List.of()).size() >= quotas.maxTeamsPerOrg()) {
                throw RosterException.quota(RosterQuotas.TEAMS_PER_ORG, "the organisation has "
                        + quotas.maxTeamsPerOrg() + " teams, as many as the relay allows");
            }
            if (firstCoordinator.isPresent()
                    && teamsCreatedBy.getOrDefault(firstCoordinator.get(), 0) >= quotas.maxTeamsCreatedPerUser()) {
                throw RosterException.quota(RosterQuotas.TEAMS_CREATED_PER_USER, "the user has created "
                        + quotas.maxTeamsCreatedPerUser() + " teams, as many as the relay allows one user");
            }
            boolean recordOrg = firstCoordinator.filter(u -> !orgOfUser.containsKey(u)).isPresent();
            String id = newTeamId();
            RosterRecord.TeamCreated created = new RosterRecord.TeamCreated(id, orgId, name, retention,
                    clock.millis());
            List<RosterRecord> batch = new ArrayList<>(List.of(created));
            firstCoordinator.ifPresent(u -> {
                if (recordOrg) {
                    batch.add(new RosterRecord.UserOrg(u, orgId));
                }
                batch.add(new RosterRecord.MemberSet(id, u, TeamMember.COORDINATOR));
                batch.add(new RosterRecord.TeamCreator(id, u));
            });
            return persist(batch).compose(v -> {
                Team team = teams.get(id);
                List<Step> steps = new ArrayList<>();
                Map<String, String> details = new LinkedHashMap<>();
                details.put("org", orgId);
                retention.ifPresent(d -> details.put("retentionDays", Long.toString(d.toDays())));
                steps.add(new Step(AuditEvent.of(AuditType.TEAM_CREATED, actor, id, null, details), null));
                firstCoordinator.filter(u -> recordOrg).ifPresent(u -> steps.add(orgRecorded(actor, id, u, orgId)));
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
     * role they already hold changes nothing (false, nothing audited). A user with no recorded
     * organisation becomes one of the team's organisation (in the same durable write); a user of
     * another organisation is refused ({@link RosterException.Kind#CONFLICT}).
     */
    public Future<Boolean> putMember(String actor, String teamId, String userId, String role) {
        return serially(() -> {
            require(validId(userId), "invalid user id");
            require(role != null && roles.contains(role), "unknown role");
            Team team = changeable(teamId);
            sameOrg(userId, team.orgId());
            Optional<String> previous = role(teamId, userId);
            if (previous.isPresent() && previous.get().equals(role)) {
                return Future.succeededFuture(false);
            }
            if (previous.isEmpty() && members.get(teamId).size() >= quotas.maxMembersPerTeam()) {
                throw RosterException.quota(RosterQuotas.MEMBERS_PER_TEAM, "the team has "
                        + quotas.maxMembersPerTeam() + " members, as many as the relay allows");
            }
            boolean recordOrg = !orgOfUser.containsKey(userId);
            List<RosterRecord> batch = new ArrayList<>();
            if (recordOrg) {
                batch.add(new RosterRecord.UserOrg(userId, team.orgId()));
            }
            batch.add(new RosterRecord.MemberSet(teamId, userId, role));
            return persist(batch).compose(v -> {
                TeamMember m = new TeamMember(teamId, userId, role);
                Map<String, String> details = new LinkedHashMap<>();
                details.put("role", role);
                previous.ifPresent(p -> details.put("previousRole", p));
                boolean created = previous.isEmpty();
                List<Step> steps = new ArrayList<>();
                if (recordOrg) {
                    steps.add(orgRecorded(actor, teamId, userId, team.orgId()));
                }
                steps.add(new Step(AuditEvent.of(AuditType.MEMBER_ADDED, actor, teamId, userId, details),
                        () -> listener.memberAdded(team, m, created)));
                return consequences(steps, "member " + userId + " of team " + teamId + " set").map(created);
            });
        });
    }

    /** What presenting a token's {@code org} claim did ({@link #claimOrg}). */
    public enum OrgClaim {
        /** The user had no organisation: it is now the claimed one (durably, audited). */
        RECORDED,
        /** The claim names the user's organisation. */
        MATCHES,
        /** The user belongs to another organisation, which stands (the attempt is audited). */
        CONFLICTS
    }

    /**
     * A user presented a token whose {@code org} claim is {@code orgId} (logging in, calling the
     * admin API): records it as the user's organisation if none is recorded yet, durably, audited
     * as {@code user_org_recorded}; otherwise checks it against the recorded one. A claim naming
     * another organisation changes nothing and is audited as {@code user_org_conflict} (a failure
     * to audit it is logged; the answer is still {@link OrgClaim#CONFLICTS}). A claim matching the
     * recorded organisation is answered at once, without waiting for the changes under way (a
     * recorded organisation never changes).
     */
    public Future<OrgClaim> claimOrg(String userId, String orgId) {
        if (orgId != null && orgId.equals(orgOfUser.get(userId))) {
            return Future.succeededFuture(OrgClaim.MATCHES);
        }
        return serially(() -> {
            require(DeviceId.validUser(userId), "invalid user id");
            require(validOrg(orgId), "invalid organisation id");
            Optional<String> known = orgOf(userId);
            if (known.isPresent() && !known.get().equals(orgId)) {
                Map<String, String> details = Map.of("org", known.get(), "claimedOrg", orgId);
                return attempt(() -> audit.record(AuditEvent.of(AuditType.USER_ORG_CONFLICT, userId, null, userId,
                        details))).map(failure -> {
                            failure.ifPresent(e -> LOG.warn("a conflicting org claim of user {} was not audited",
                                    userId, e));
                            return OrgClaim.CONFLICTS;
                        });
            }
            if (orgOfUser.containsKey(userId)) {
                return Future.succeededFuture(OrgClaim.MATCHES);
            }
            return persist(List.of(new RosterRecord.UserOrg(userId, orgId)))
                    .compose(v -> consequences(List.of(new Step(AuditEvent.of(AuditType.USER_ORG_RECORDED, userId,
                            null, userId, Map.of("org", orgId, "from", "token")), null)),
                            "organisation of user " + userId + " recorded"))
                    .map(OrgClaim.RECORDED);
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
     * Erases a user of organisation {@code orgId} (GDPR art. 17): takes them off every roster,
     * archived teams included, and compacts the store so its history no longer names them (their
     * organisation stays bound to a one-way hash of the id). Then, for each team, audits
     * {@code MEMBER_REMOVED} and calls {@link RosterListener#memberRemoved}; finally audits
     * {@code USER_ERASED} and calls {@link RosterListener#userErased} (which erases devices,
     * KeyPackages and queued messages). The future's value: the ids of the teams they were on.
     * A user who is not one of {@code orgId}'s — another organisation's, or of no recorded
     * organisation — is {@link RosterException.Kind#NOT_FOUND}, the same refusal whichever it is;
     * a user of {@code orgId} on a team of another organisation (only in a store written before
     * organisations were recorded) is a {@link RosterException.Kind#CONFLICT}. Nothing changes on a
     * refusal.
     */
    public Future<List<String>> eraseUser(String actor, String orgId, String userId) {
        return serially(() -> {
            require(validId(userId), "invalid user id");
            if (!orgOf(userId).map(orgId::equals).orElse(false)) {
                throw new RosterException(RosterException.Kind.NOT_FOUND, "no such user in the organisation");
            }
            List<TeamMember> was = memberships(userId);
            if (was.stream().anyMatch(m -> !teams.get(m.teamId()).orgId().equals(orgId))) {
                throw new RosterException(RosterException.Kind.CONFLICT,
                        "the user is on a team of another organisation");
            }
            return persist(List.of(new RosterRecord.UserErased(userId)))
                    .compose(v -> compactLatest(ATTEMPTS)
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
                                Map.of("org", orgId, "teams", Integer.toString(was.size()))),
                                () -> listener.userErased(userId)));
                        return consequences(steps, "user " + userId + " erased");
                    })
                    .map(v -> was.stream().map(TeamMember::teamId).toList());
        });
    }

    /** Replaces the store's history by the current roster, reading others' changes first when they interfere. */
    private Future<Void> compactLatest(int left) {
        return store.rewrite(snapshot()).recover(e -> e instanceof RosterStore.ConcurrentChange && left > 1
                ? catchUp().compose(v -> compactLatest(left - 1)) : Future.failedFuture(e));
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

    /**
     * Runs a change after the ones under way, on the latest roster: what other relays recorded is
     * read first; if another relay writes between that read and this change's write, the change is
     * checked and tried again on the new roster (at most {@value #ATTEMPTS} times).
     */
    private <T> Future<T> serially(Supplier<Future<T>> change) {
        Future<T> result = tail.transform(ar -> attempt(change, ATTEMPTS));
        tail = result.transform(ar -> Future.succeededFuture());
        return result;
    }

    /**
     * Each attempt is a fair race with the other relays' writes (it reads what they wrote, then
     * writes): with two relays writing streams of changes at once, eight lost races in a row came
     * about once in a few hundred changes; thirty-two make it negligible and stay bounded.
     */
    private static final int ATTEMPTS = 32;

    private <T> Future<T> attempt(Supplier<Future<T>> change, int left) {
        return catchUp().compose(v -> {
            try {
                return change.get();
            } catch (RosterException e) {
                return Future.failedFuture(e);
            }
        }).recover(e -> {
            if (e instanceof RosterStore.ConcurrentChange && left > 1) {
                return attempt(change, left - 1);
            }
            if (e instanceof RosterStore.ConcurrentChange) {
                return Future.failedFuture(new RosterException(RosterException.Kind.STORE,
                        "the roster kept changing; try again", e));
            }
            return Future.failedFuture(e);
        });
    }

    /**
     * Reads what other relays recorded since this one last read (a cluster's shared roster; nothing
     * with the embedded store), after the changes under way. Completes once applied.
     */
    public Future<Void> refresh() {
        return serially(() -> Future.succeededFuture());
    }

    private Future<Void> catchUp() {
        return store.changes().compose(changes -> {
            try {
                for (RosterStore.Change c : changes) {
                    if (c.snapshot()) {
                        clear();
                    }
                    c.records().forEach(this::apply);
                }
            } catch (RosterException e) {
                return Future.failedFuture(e);
            }
            return Future.succeededFuture();
        });
    }

    private void clear() {
        teams.clear();
        members.clear();
        teamsOfUser.clear();
        teamsOfOrg.clear();
        orgOfUser.clear();
        orgOfErased.clear();
        creatorOfTeam.clear();
        teamsCreatedBy.clear();
    }

    /** Writes the batch durably, then applies it in memory. */
    private Future<Void> persist(List<RosterRecord> batch) {
        return store.append(batch)
                .recover(e -> {
                    if (e instanceof RosterStore.ConcurrentChange) {
                        return Future.failedFuture(e); // nothing written: checked and tried again
                    }
                    LOG.warn("roster store write failed", e);
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
            failures.forEach(e -> LOG.warn("{}, but auditing or applying it failed", what, e));
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

    /** Refuses putting {@code userId} on a team of {@code orgId} if the user belongs to another organisation. */
    private void sameOrg(String userId, String orgId) {
        if (orgOf(userId).filter(o -> !o.equals(orgId)).isPresent()) {
            throw new RosterException(RosterException.Kind.CONFLICT, "the user belongs to another organisation");
        }
    }

    private static Step orgRecorded(String actor, String teamId, String userId, String orgId) {
        return new Step(AuditEvent.of(AuditType.USER_ORG_RECORDED, actor, teamId, userId,
                Map.of("org", orgId, "from", "team")), null);
    }

    /**
     * The key under which an erased user's organisation is kept: the lower-case hex SHA-256 of
     * {@code "ampoule erased user\0" + userId} (UTF-8). A one-way hash keeps the id out of the
     * roster's history, but it is a pseudonym, not an anonymisation: whoever holds a candidate id
     * can check it (and the audit log keeps erased users' ids anyway).
     */
    public static String erasedUserKey(String userId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(("ampoule erased user\0" + userId)
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
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
                Team t = known(m.teamId());
                members.get(m.teamId()).put(m.userId(), m.role());
                // a store written before organisations were recorded: the first team decides
                orgOfUser.putIfAbsent(m.userId(), t.orgId());
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
                String org = orgOfUser.remove(e.userId());
                if (org != null) {
                    orgOfErased.put(erasedUserKey(e.userId()), org);
                }
                if (teamsCreatedBy.remove(e.userId()) != null) {
                    creatorOfTeam.values().removeIf(e.userId()::equals);
                }
            }
            case RosterRecord.TeamCreator c -> {
                known(c.teamId());
                if (creatorOfTeam.putIfAbsent(c.teamId(), c.userId()) != null) {
                    throw corrupt("a team's creator recorded twice");
                }
                teamsCreatedBy.merge(c.userId(), 1, Integer::sum);
            }
            case RosterRecord.UserOrg u -> {
                String was = orgOfUser.putIfAbsent(u.userId(), u.orgId());
                if (was != null && !was.equals(u.orgId())) {
                    throw corrupt("a user's organisation recorded twice");
                }
            }
            case RosterRecord.ErasedUserOrg e -> orgOfErased.put(e.userKey(), e.orgId());
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
        orgOfUser.forEach((user, org) -> out.add(new RosterRecord.UserOrg(user, org)));
        orgOfErased.forEach((key, org) -> out.add(new RosterRecord.ErasedUserOrg(key, org)));
        for (Team t : teams.values()) {
            out.add(new RosterRecord.TeamCreated(t.id(), t.orgId(), t.name(), t.retention(), t.createdMillis()));
            String creator = creatorOfTeam.get(t.id());
            if (creator != null) {
                out.add(new RosterRecord.TeamCreator(t.id(), creator));
            }
            if (t.archived()) {
                out.add(new RosterRecord.TeamArchived(t.id()));
            }
            members.get(t.id()).forEach((user, role) -> out.add(new RosterRecord.MemberSet(t.id(), user, role)));
        }
        return out;
    }
}
