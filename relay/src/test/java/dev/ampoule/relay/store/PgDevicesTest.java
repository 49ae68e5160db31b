package dev.ampoule.relay.store;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.PgFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The devices' state of a cluster in a real PostgreSQL, written by two nodes at once: a cursor
 * never moves backward, whatever order the nodes' writes land in; a KeyPackage claimed on two nodes
 * at once goes to one of them; a device's mailbox holds the Welcomes of Commits until acknowledged;
 * loading a device gives what the Delivery Service replays.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgDevicesTest {

    static final DeviceId ALICE = new DeviceId("alice", "phone");
    static final DeviceId BOB = new DeviceId("bob", "laptop");
    static final Bytes GROUP = Bytes.ofHex("0102");

    private PgFixture pg;
    private OnContext onA;
    private OnContext onB;
    private PgDevices a;
    private PgDevices b;

    @BeforeEach
    void setUp(Vertx vertx) {
        pg = new PgFixture(vertx);
        onA = new OnContext(vertx);
        onB = new OnContext(vertx);
        a = new PgDevices(pg.pool());
        b = new PgDevices(pg.pool());
    }

    @AfterEach
    void tearDown() {
        pg.close();
    }

    private static Bytes bytes(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCursorNeverMovesBackward() {
        List<Future<Long>> moves = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            long seq = i;
            // node A moves up in order, node B writes the same numbers from the top down
            moves.add(onA.run(() -> Future.succeededFuture(a.moveCursor(ALICE, GROUP, seq))));
            moves.add(onB.run(() -> Future.succeededFuture(b.moveCursor(ALICE, GROUP, 101 - seq))));
        }
        long last = 0;
        for (int i = 0; i < moves.size(); i += 2) {
            long now = await(moves.get(i));
            assertTrue(now >= last, "node A's view of the cursor never goes back");
            last = now;
        }
        moves.forEach(f -> await(f));
        assertEquals(List.of(new StoreRecord.CursorMoved(ALICE, GROUP, 100)), onA.run(() -> a.load(ALICE)).records());
        assertEquals(100L, onB.run(() -> b.moveCursor(ALICE, GROUP, 3)), "an old acknowledgement changes nothing");
    }

    @Test
    void aKeyPackageGoesToOneClaimer() {
        onA.run(() -> a.addKeyPackages(List.of(
                new StoreRecord.KeyPackageAdded(BOB, bytes("ref-1"), 1, bytes("kp-1"), false),
                new StoreRecord.KeyPackageAdded(BOB, bytes("ref-2"), 1, bytes("kp-2"), false),
                new StoreRecord.KeyPackageAdded(BOB, bytes("ref-lr"), 1, bytes("kp-lr"), true))));
        assertEquals(List.of(bytes("ref-1"), bytes("ref-2"), bytes("ref-lr")),
                onB.run(() -> b.keyPackagesOf("bob")).stream().map(StoreRecord.KeyPackageAdded::ref).toList());
        Future<Boolean> byA = onA.run(() -> Future.succeededFuture(a.take(BOB, bytes("ref-1"))));
        Future<Boolean> byB = onB.run(() -> Future.succeededFuture(b.take(BOB, bytes("ref-1"))));
        assertTrue(await(byA) ^ await(byB), "exactly one node took it");
        assertEquals(List.of(bytes("ref-2"), bytes("ref-lr")),
                onA.run(() -> a.keyPackagesOf("bob")).stream().map(StoreRecord.KeyPackageAdded::ref).toList());

        onA.run(() -> a.registerKey(BOB, bytes("sig-key")));
        onB.run(() -> b.registerKey(BOB, bytes("sig-key")));
        assertEquals(List.of(new StoreRecord.SignatureKeyRegistered(BOB, bytes("sig-key"))), onB.run(() -> b.keysOf("bob")));
        onB.run(() -> b.eraseUser("bob"));
        assertEquals(List.of(), onA.run(() -> a.keyPackagesOf("bob")));
        assertEquals(List.of(), onA.run(() -> a.keysOf("bob")));
    }

    @Test
    void welcomesWaitInTheMailboxUntilAcknowledged() {
        PgGroups groups = new PgGroups(pg.pool());
        onA.run(() -> groups.create(new StoreRecord.GroupCreated(GROUP, ALICE, 0, bytes("gi"), bytes("t"), 1),
                List.of(ALICE)));
        long version = 1;
        for (int i = 0; i < 2; i++) {
            String name = "commit-" + i;
            long v = version;
            PgGroups.Committed c = onA.run(() -> groups.appendCommit(GROUP, v, new PgGroups.Commit(
                    new GroupMessage(GROUP, 0, v - 1, MessageKind.COMMIT, 10, bytes(name)), bytes("d-" + name), v,
                    bytes("gi"), bytes("t"), bytes("welcome-" + name), List.of(BOB), Set.of(BOB),
                    List.of(BOB).subList(0, 0), Set.of("alice", "bob"))));
            assertEquals(List.of(new StoreRecord.Joined(BOB, i + 1)), c.joined());
            version = c.version();
        }
        PgDevices.Snapshot bob = onB.run(() -> b.load(BOB));
        assertEquals(Set.of(GROUP), bob.groups());
        assertTrue(bob.records().contains(new StoreRecord.MailboxEntry(BOB, 1, GROUP, 1, bytes("welcome-commit-0"), 10)));
        assertTrue(bob.records().contains(new StoreRecord.MailboxEntry(BOB, 2, GROUP, 2, bytes("welcome-commit-1"), 10)));
        onB.run(() -> b.ackMailbox(BOB, 1));
        PgDevices.Snapshot after = onA.run(() -> a.load(BOB));
        assertTrue(after.records().contains(new StoreRecord.MailboxAcked(BOB, 1)));
        assertEquals(1, after.records().stream().filter(r -> r instanceof StoreRecord.MailboxEntry).count());
    }
}
