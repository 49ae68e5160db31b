package dev.ampoule.relay.roster;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.admin.MemoryAuditLog;
import dev.ampoule.relay.admin.RecordingListener;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.config.RelayConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The roster on its own: durability first, then audit, then the listener, in change order. */
@ExtendWith(VertxExtension.class)
class RosterTest {

    @TempDir
    Path dir;
    private Vertx vertx;
    private Context context;
    private final MemoryAuditLog audit = new MemoryAuditLog();
    private final RecordingListener listener = new RecordingListener();
    /** What happened, in order: "durable <records>", "audit <type>", "listener <call>". */
    private final List<String> timeline = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
    }

    /** Runs {@code op} on the roster's context and waits for its future. */
    private <T> T on(Supplier<Future<T>> op) {
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> op.get().onComplete(p));
        return await(p.future());
    }

    private <T> Throwable failureOf(Supplier<Future<T>> op) {
        Promise<Throwable> p = Promise.promise();
        context.runOnContext(v -> op.get().onComplete(ar -> p.complete(ar.failed() ? ar.cause() : null)));
        Throwable t = await(p.future());
        if (t == null) {
            throw new AssertionError("expected a failure");
        }
        return t;
    }

    /** A store that notes each append once it is durable. */
    private RosterStore recording(RosterStore inner) {
        return new RosterStore() {
            @Override
            public Future<List<RosterRecord>> load() {
                return inner.load();
            }

            @Override
            public Future<Void> append(List<RosterRecord> records) {
                return inner.append(records).onSuccess(v -> timeline.add("durable " + records.size()));
            }

            @Override
            public Future<Void> rewrite(List<RosterRecord> snapshot) {
                return inner.rewrite(snapshot).onSuccess(v -> timeline.add("rewritten"));
            }

            @Override
            public Future<Void> close() {
                return inner.close();
            }
        };
    }

    private Roster open() {
        return open(RosterQuotas.DEFAULTS);
    }

    private Roster open(RosterQuotas quotas) {
        FileRosterStore file = new FileRosterStore(vertx, dir, true);
        Roster roster = on(() -> Roster.open(recording(file), new LinkedHashSet<>(RelayConfig.DEFAULT_ROLES), quotas,
                event -> {
                    timeline.add("audit " + event.type());
                    return audit.record(event);
                }, Clock.systemUTC()));
        context.runOnContext(v -> roster.listener(listener));
        return roster;
    }

    /** The records in the roster file right now, read from disk. */
    private List<RosterRecord> onDisk() {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(FileRosterStore.FILE_NAME)));
            List<RosterRecord> out = new ArrayList<>();
            while (b.remaining() >= 8) {
                int len = b.getInt();
                b.getInt();
                byte[] payload = new byte[len];
                b.get(payload);
                out.addAll(RosterCodec.decodeBatch(payload));
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void changesAreDurableThenAuditedThenHeardInOrder() {
        Roster roster = open();
        List<String> seenOnDisk = new CopyOnWriteArrayList<>();
        listener.onCall = call -> {
            timeline.add("listener " + call.split(" ")[0]);
            seenOnDisk.add(call.split(" ")[0] + " " + onDisk().size());
        };
        Team team = on(() -> roster.createTeam("alice", "h1", "Ward", Optional.empty(), Optional.of("alice")));
        assertTrue(on(() -> roster.putMember("alice", team.id(), "bob", "pharmacist")));
        assertFalse(on(() -> roster.putMember("alice", team.id(), "bob", "pharmacist")));
        on(() -> roster.removeMember("alice", team.id(), "bob"));
        on(() -> roster.archive("alice", team.id()));

        // a user's first team records their organisation, and that they created it, in the same write
        assertEquals(List.of(
                "durable 4", "audit TEAM_CREATED", "audit USER_ORG_RECORDED", "audit MEMBER_ADDED", "listener added",
                "durable 2", "audit USER_ORG_RECORDED", "audit MEMBER_ADDED", "listener added",
                "durable 1", "audit MEMBER_REMOVED", "listener removed",
                "durable 1", "audit TEAM_ARCHIVED", "listener archived"), timeline);
        // when the listener heard of each change, the change was already in the file
        assertEquals(List.of("added 4", "added 6", "removed 7", "archived 8"), seenOnDisk);
        assertEquals(List.of("added " + team.id() + " alice coordinator new", "added " + team.id()
                + " bob pharmacist new", "removed " + team.id() + " bob", "archived " + team.id()), listener.calls);
        on(roster::close);
    }

    @Test
    void concurrentChangesKeepTheirOrder() {
        Roster roster = open();
        Team team = on(() -> roster.createTeam("root", "h1", "Ward", Optional.empty(), Optional.empty()));
        listener.calls.clear();
        List<String> users = List.of("u1", "u2", "u3", "u4", "u5", "u6");
        on(() -> Future.all(users.stream().map(u -> roster.putMember("root", team.id(), u, "patient")).toList())
                .mapEmpty());
        assertEquals(users.stream().map(u -> "added " + team.id() + " " + u + " patient new").toList(), listener.calls);
        assertEquals(users, on(() -> Future.succeededFuture(roster.members(team.id()).stream()
                .map(TeamMember::userId).toList())));
        on(roster::close);
    }

    @Test
    void refusedChangesLeaveNoTrace() {
        Roster roster = open();
        Team team = on(() -> roster.createTeam("alice", "h1", "Ward", Optional.empty(), Optional.of("alice")));
        assertEquals(Roster.OrgClaim.RECORDED, on(() -> roster.claimOrg("zed", "h2")));
        List<RosterRecord> before = onDisk();
        int audited = audit.entries().size();
        List<Supplier<Future<?>>> bad = List.of(
                () -> roster.putMember("alice", team.id(), "bob", "surgeon"),
                () -> roster.putMember("alice", team.id(), "bad id", "patient"),
                () -> roster.putMember("alice", "t-none", "bob", "patient"),
                () -> roster.removeMember("alice", team.id(), "nobody"),
                () -> roster.createTeam("alice", "h1", " \t ", Optional.empty(), Optional.of("alice")),
                () -> roster.createTeam("alice", "h1", "x".repeat(201), Optional.empty(), Optional.empty()),
                () -> roster.createTeam("alice", "h1", "ok", Optional.of(Duration.ofDays(3651)), Optional.empty()),
                () -> roster.setRetention("alice", team.id(), Optional.of(Duration.ZERO)),
                () -> roster.eraseUser("alice", "h1", "not valid!"),
                () -> roster.claimOrg("bob", "\u0000"),
                () -> roster.claimOrg("", "h1"),
                // tenancy: another organisation's user, or a user of no known organisation
                () -> roster.putMember("alice", team.id(), "zed", "patient"),
                () -> roster.createTeam("zed", "h1", "Mine", Optional.empty(), Optional.of("zed")),
                () -> roster.eraseUser("root", "h2", "alice"),
                () -> roster.eraseUser("root", "h1", "nobody"));
        for (Supplier<Future<?>> op : bad) {
            RosterException e = assertInstanceOf(RosterException.class, failureOf(op::get));
            assertTrue(e.kind() == RosterException.Kind.INVALID || e.kind() == RosterException.Kind.NOT_FOUND
                    || e.kind() == RosterException.Kind.CONFLICT, e::toString);
        }
        assertEquals(before, onDisk());
        assertEquals(audited, audit.entries().size());
        assertEquals(1, listener.calls.size());
        on(roster::close);
    }

    @Test
    void eraseTakesTheUserOffEveryRosterAndOutOfTheHistory() {
        Roster roster = open();
        Team a = on(() -> roster.createTeam("root", "h1", "A", Optional.empty(), Optional.empty()));
        Team b = on(() -> roster.createTeam("root", "h1", "B", Optional.empty(), Optional.empty()));
        on(() -> roster.putMember("root", a.id(), "pharmacist-lin", "pharmacist"));
        on(() -> roster.putMember("root", b.id(), "pharmacist-lin", "coordinator"));
        on(() -> roster.putMember("root", b.id(), "maria", "patient"));
        on(() -> roster.archive("root", b.id()));
        listener.calls.clear();
        timeline.clear();

        assertEquals(List.of(a.id(), b.id()), on(() -> roster.eraseUser("root", "h1", "pharmacist-lin")));
        assertEquals(List.of("durable 1", "rewritten",
                "audit MEMBER_REMOVED", "audit MEMBER_REMOVED", "audit USER_ERASED"), timeline);
        assertEquals(List.of("removed " + a.id() + " pharmacist-lin", "removed " + b.id() + " pharmacist-lin",
                "erased pharmacist-lin"), listener.calls);
        AuditEvent erased = audit.events(e -> e.type() == AuditType.USER_ERASED).get(0);
        assertEquals(Optional.of("pharmacist-lin"), erased.user());
        assertEquals("2", erased.details().get("teams"));
        assertEquals("h1", erased.details().get("org"));
        assertTrue(on(() -> Future.succeededFuture(roster.memberships("pharmacist-lin"))).isEmpty());
        String file = new String(onDiskBytes(), StandardCharsets.ISO_8859_1);
        assertFalse(file.contains("pharmacist-lin"));
        assertTrue(file.contains("maria"));
        // the id stays h1's, under its hash
        assertTrue(onDisk().contains(new RosterRecord.ErasedUserOrg(Roster.erasedUserKey("pharmacist-lin"), "h1")));
        assertEquals(Optional.of("h1"), on(() -> Future.succeededFuture(roster.orgOf("pharmacist-lin"))));
        on(roster::close);

        Roster reopened = open();
        assertEquals(List.of(new TeamMember(b.id(), "maria", "patient")),
                on(() -> Future.succeededFuture(reopened.members(b.id()))));
        assertTrue(on(() -> Future.succeededFuture(reopened.team(b.id()).orElseThrow().archived())));
        assertEquals(Optional.of("h1"), on(() -> Future.succeededFuture(reopened.orgOf("pharmacist-lin"))));
        assertEquals(Optional.of("h1"), on(() -> Future.succeededFuture(reopened.orgOf("maria"))));
        // the erased id cannot become another organisation's; its own may take it back
        Team elsewhere = on(() -> reopened.createTeam("root2", "h2", "C", Optional.empty(), Optional.empty()));
        assertEquals(RosterException.Kind.CONFLICT, assertInstanceOf(RosterException.class,
                failureOf(() -> reopened.putMember("root2", elsewhere.id(), "pharmacist-lin", "patient"))).kind());
        assertEquals(Roster.OrgClaim.CONFLICTS, on(() -> reopened.claimOrg("pharmacist-lin", "h2")));
        assertEquals(Roster.OrgClaim.RECORDED, on(() -> reopened.claimOrg("pharmacist-lin", "h1")));
        assertEquals(List.of(), on(() -> reopened.eraseUser("root", "h1", "pharmacist-lin")));
        on(reopened::close);
    }

    @Test
    void quotasRefuseBeforeAnythingIsWrittenAndACreatorsCountGoesWithTheirErasure() {
        Roster roster = open(new RosterQuotas(3, 1, 2));
        Team mine = on(() -> roster.createTeam("lin", "h1", "Mine", Optional.empty(), Optional.of("lin")));
        on(() -> roster.putMember("lin", mine.id(), "maria", "patient"));
        List<RosterRecord> before = onDisk();
        int audited = audit.entries().size();
        RosterException again = assertInstanceOf(RosterException.class,
                failureOf(() -> roster.createTeam("lin", "h1", "Second", Optional.empty(), Optional.of("lin"))));
        assertEquals(RosterException.Kind.QUOTA, again.kind());
        assertEquals(Optional.of(RosterQuotas.TEAMS_CREATED_PER_USER), again.limit());
        RosterException full = assertInstanceOf(RosterException.class,
                failureOf(() -> roster.putMember("lin", mine.id(), "omar", "patient")));
        assertEquals(Optional.of(RosterQuotas.MEMBERS_PER_TEAM), full.limit());
        assertEquals(before, onDisk());
        assertEquals(audited, audit.entries().size());
        // an org admin's teams count against the organisation only
        on(() -> roster.createTeam("root", "h1", "A", Optional.empty(), Optional.empty()));
        on(() -> roster.createTeam("root", "h1", "B", Optional.empty(), Optional.empty()));
        assertEquals(Optional.of(RosterQuotas.TEAMS_PER_ORG), assertInstanceOf(RosterException.class,
                failureOf(() -> roster.createTeam("root", "h1", "C", Optional.empty(), Optional.empty()))).limit());
        // the count survives a reopening, and goes when the creator is erased
        on(roster::close);
        Roster reopened = open(new RosterQuotas(4, 1, 2));
        assertEquals(RosterException.Kind.QUOTA, assertInstanceOf(RosterException.class,
                failureOf(() -> reopened.createTeam("lin", "h1", "Again", Optional.empty(), Optional.of("lin")))).kind());
        on(() -> reopened.eraseUser("root", "h1", "lin"));
        assertFalse(new String(onDiskBytes(), StandardCharsets.ISO_8859_1).contains("lin"), "no record names lin");
        on(reopened::close);
    }

    private byte[] onDiskBytes() {
        try {
            return Files.readAllBytes(dir.resolve(FileRosterStore.FILE_NAME));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aUsersOrganisationIsRecordedOnceAndKept() {
        Roster roster = open();
        Team h1 = on(() -> roster.createTeam("root", "h1", "A", Optional.empty(), Optional.empty()));
        Team h2 = on(() -> roster.createTeam("root2", "h2", "B", Optional.empty(), Optional.empty()));
        // from a token's claim
        assertEquals(Roster.OrgClaim.RECORDED, on(() -> roster.claimOrg("zoe", "h1")));
        assertEquals(Roster.OrgClaim.MATCHES, on(() -> roster.claimOrg("zoe", "h1")));
        int records = onDisk().size();
        assertEquals(Roster.OrgClaim.CONFLICTS, on(() -> roster.claimOrg("zoe", "h2")));
        assertEquals(records, onDisk().size(), "a conflicting claim writes nothing to the roster");
        AuditEvent conflict = audit.events(e -> e.type() == AuditType.USER_ORG_CONFLICT).get(0);
        assertEquals(Optional.of("zoe"), conflict.user());
        assertEquals(java.util.Map.of("org", "h1", "claimedOrg", "h2"), conflict.details());
        AuditEvent recorded = audit.events(e -> e.type() == AuditType.USER_ORG_RECORDED).get(0);
        assertEquals(java.util.Map.of("org", "h1", "from", "token"), recorded.details());
        assertEquals(Optional.empty(), recorded.team());
        // from the first team
        on(() -> roster.putMember("root", h1.id(), "ned", "patient"));
        AuditEvent fromTeam = audit.events(e -> e.type() == AuditType.USER_ORG_RECORDED).get(1);
        assertEquals(Optional.of("ned"), fromTeam.user());
        assertEquals(Optional.of(h1.id()), fromTeam.team());
        assertEquals(java.util.Map.of("org", "h1", "from", "team"), fromTeam.details());
        on(() -> roster.removeMember("root", h1.id(), "ned"));
        // on no team any more, ned is still h1's: h2 cannot take him, nor zoe
        for (String user : List.of("ned", "zoe")) {
            assertEquals(RosterException.Kind.CONFLICT, assertInstanceOf(RosterException.class,
                    failureOf(() -> roster.putMember("root2", h2.id(), user, "patient"))).kind());
        }
        assertEquals(Roster.OrgClaim.CONFLICTS, on(() -> roster.claimOrg("ned", "h2")));
        // user ids a token may carry but a roster may not still get their organisation
        assertEquals(Roster.OrgClaim.RECORDED, on(() -> roster.claimOrg("dr.osei@example.org", "h2")));
        on(roster::close);

        Roster reopened = open();
        for (String[] u : new String[][] {{"zoe", "h1"}, {"ned", "h1"}, {"dr.osei@example.org", "h2"}}) {
            assertEquals(Optional.of(u[1]), on(() -> Future.succeededFuture(reopened.orgOf(u[0]))), u[0]);
        }
        assertEquals(Optional.empty(), on(() -> Future.succeededFuture(reopened.orgOf("nobody"))));
        assertEquals(Optional.of("h2"), on(() -> Future.succeededFuture(reopened.orgOfTeam(h2.id()))));
        on(reopened::close);
    }

    @Test
    void aStoreWithoutOrganisationsGivesUsersTheirFirstTeamsOrganisation() {
        FileRosterStore legacy = new FileRosterStore(vertx, dir, true);
        on(legacy::load);
        on(() -> legacy.append(List.of(
                new RosterRecord.TeamCreated("t-a", "h1", "A", Optional.empty(), 1),
                new RosterRecord.TeamCreated("t-b", "h2", "B", Optional.empty(), 2),
                new RosterRecord.MemberSet("t-a", "alice", "coordinator"),
                new RosterRecord.MemberSet("t-b", "alice", "patient"),
                new RosterRecord.MemberSet("t-b", "bob", "patient"),
                new RosterRecord.MemberRemoved("t-b", "bob"))));
        on(legacy::close);
        Roster roster = open();
        assertEquals(Optional.of("h1"), on(() -> Future.succeededFuture(roster.orgOf("alice"))));
        assertEquals(Optional.of("h2"), on(() -> Future.succeededFuture(roster.orgOf("bob"))));
        // alice, h1's, on a team of h2 from before: h1 cannot erase her without touching h2's team
        assertEquals(RosterException.Kind.CONFLICT, assertInstanceOf(RosterException.class,
                failureOf(() -> roster.eraseUser("root", "h1", "alice"))).kind());
        assertEquals(RosterException.Kind.NOT_FOUND, assertInstanceOf(RosterException.class,
                failureOf(() -> roster.eraseUser("root2", "h2", "alice"))).kind());
        // erasing bob compacts the store: the organisations are written out
        on(() -> roster.eraseUser("root2", "h2", "bob"));
        assertTrue(onDisk().contains(new RosterRecord.UserOrg("alice", "h1")));
        on(roster::close);
    }

    @Test
    void aFailedAuditOrListenerLeavesTheChangeStanding() {
        Roster roster = open();
        Team team = on(() -> roster.createTeam("root", "h1", "Ward", Optional.empty(), Optional.empty()));
        audit.failing = true;
        listener.failPrefix = "added";
        RosterException e = assertInstanceOf(RosterException.class,
                failureOf(() -> roster.putMember("root", team.id(), "bob", "patient")));
        assertEquals(RosterException.Kind.INCOMPLETE, e.kind());
        // both were attempted: the listener even though the audit failed
        assertEquals(List.of("added " + team.id() + " bob patient new"), listener.calls);
        assertEquals(Optional.of("patient"), on(() -> Future.succeededFuture(roster.role(team.id(), "bob"))));
        audit.failing = false;
        on(roster::close);
    }
}
