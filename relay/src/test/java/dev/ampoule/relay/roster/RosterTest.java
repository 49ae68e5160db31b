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
        FileRosterStore file = new FileRosterStore(vertx, dir, true);
        Roster roster = on(() -> Roster.open(recording(file), new LinkedHashSet<>(RelayConfig.DEFAULT_ROLES),
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

        assertEquals(List.of(
                "durable 2", "audit TEAM_CREATED", "audit MEMBER_ADDED", "listener added",
                "durable 1", "audit MEMBER_ADDED", "listener added",
                "durable 1", "audit MEMBER_REMOVED", "listener removed",
                "durable 1", "audit TEAM_ARCHIVED", "listener archived"), timeline);
        // when the listener heard of each change, the change was already in the file
        assertEquals(List.of("added 2", "added 3", "removed 4", "archived 5"), seenOnDisk);
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
                () -> roster.eraseUser("alice", "not valid!"));
        for (Supplier<Future<?>> op : bad) {
            RosterException e = assertInstanceOf(RosterException.class, failureOf(op::get));
            assertTrue(e.kind() == RosterException.Kind.INVALID || e.kind() == RosterException.Kind.NOT_FOUND,
                    e::toString);
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

        assertEquals(List.of(a.id(), b.id()), on(() -> roster.eraseUser("root", "pharmacist-lin")));
        assertEquals(List.of("durable 1", "rewritten",
                "audit MEMBER_REMOVED", "audit MEMBER_REMOVED", "audit USER_ERASED"), timeline);
        assertEquals(List.of("removed " + a.id() + " pharmacist-lin", "removed " + b.id() + " pharmacist-lin",
                "erased pharmacist-lin"), listener.calls);
        AuditEvent erased = audit.events(e -> e.type() == AuditType.USER_ERASED).get(0);
        assertEquals(Optional.of("pharmacist-lin"), erased.user());
        assertEquals("2", erased.details().get("teams"));
        assertTrue(on(() -> Future.succeededFuture(roster.memberships("pharmacist-lin"))).isEmpty());
        String file = new String(onDiskBytes(), StandardCharsets.ISO_8859_1);
        assertFalse(file.contains("pharmacist-lin"));
        assertTrue(file.contains("maria"));
        on(roster::close);

        Roster reopened = open();
        assertEquals(List.of(new TeamMember(b.id(), "maria", "patient")),
                on(() -> Future.succeededFuture(reopened.members(b.id()))));
        assertTrue(on(() -> Future.succeededFuture(reopened.team(b.id()).orElseThrow().archived())));
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
