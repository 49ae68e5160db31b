package dev.ampoule.relay.store;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.PgFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The groups of a cluster in a real PostgreSQL, written by two nodes at once (two {@link PgGroups}
 * on their own contexts and pools): the database numbers each group's messages without gap or
 * duplicate and keeps each node's order; of two Commits of one epoch exactly one is accepted; a
 * write made on a stale view of the group (a proposal, a cut-off, a fence came in between) is
 * refused until the node reads the group again; a fence stops application messages from every
 * node until a Commit removes the fenced user's leaves; replays are refused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgGroupsTest {

    static final Bytes GROUP = Bytes.ofHex("0a0b0c");
    static final DeviceId ALICE = new DeviceId("alice", "phone");
    static final DeviceId BOB = new DeviceId("bob", "laptop");
    static final DeviceId CARL = new DeviceId("carl", "tablet");

    private PgFixture pg;
    private OnContext onA;
    private OnContext onB;
    private PgGroups a;
    private PgGroups b;

    @BeforeEach
    void setUp(Vertx vertx) {
        pg = new PgFixture(vertx);
        onA = new OnContext(vertx);
        onB = new OnContext(vertx);
        a = new PgGroups(pg.pool());
        b = new PgGroups(pg.pool());
        assertEquals(1L, onA.run(() -> a.create(new StoreRecord.GroupCreated(GROUP, ALICE, 0, bytes("gi0"),
                bytes("tree0"), 1000), List.of(ALICE, BOB))));
    }

    @AfterEach
    void tearDown() {
        pg.close();
    }

    static Bytes bytes(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static Bytes digest(Bytes b) {
        try {
            return Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(b.unsafeArray()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private Future<Long> app(OnContext on, PgGroups node, long version, String text) {
        Bytes payload = bytes(text);
        Bytes d = digest(payload);
        return on.run(() -> Future.succeededFuture(node.appendApplication(GROUP, version, 0, 2000, d, payload)));
    }

    private static StoreException.Reason refusal(Future<?> f) {
        Throwable t = await(f.map(v -> (Throwable) null).recover(Future::succeededFuture));
        return assertInstanceOf(StoreException.class, t, "refused").reason();
    }

    @Test
    void twoNodesAppendingAtOnceGetEveryNumberOnceAndKeepTheirOrder() throws Exception {
        List<Future<Long>> fromA = new ArrayList<>();
        List<Future<Long>> fromB = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            fromA.add(app(onA, a, 1, "a" + i));
            fromB.add(app(onB, b, 1, "b" + i));
        }
        List<Long> seqA = fromA.stream().map(f -> await(f)).toList();
        List<Long> seqB = fromB.stream().map(f -> await(f)).toList();
        Set<Long> all = new HashSet<>(seqA);
        all.addAll(seqB);
        assertEquals(300, all.size(), "no number twice");
        assertEquals(1L, all.stream().mapToLong(Long::longValue).min().orElseThrow());
        assertEquals(300L, all.stream().mapToLong(Long::longValue).max().orElseThrow(), "no gap");
        assertEquals(seqA.stream().sorted().toList(), seqA, "node A's messages in its order");
        assertEquals(seqB.stream().sorted().toList(), seqB, "node B's messages in its order");
        List<GroupMessage> stored = onB.run(() -> b.read(GROUP, 1, 1000));
        assertEquals(300, stored.size());
        assertEquals(bytes("a0"), stored.stream().filter(m -> m.seq() == seqA.get(0)).findFirst().orElseThrow().message());

        assertEquals(StoreException.Reason.REPLAY, refusal(app(onB, b, 1, "a7")), "the same message again");
    }

    /**
     * Two nodes whose batches hold the same groups in opposite orders: each batch locks its groups'
     * rows one after the other, so unordered they could wait for each other, PostgreSQL would break
     * the deadlock after a second by failing one whole batch, and its senders would be told
     * {@code UNAVAILABLE}. Every append succeeds, and each group numbers its messages without gap.
     */
    @Test
    void twoNodesAppendingToTheSameGroupsInOppositeOrdersDoNotDeadlock() {
        int groups = 200;
        int rounds = 5;
        List<Bytes> ids = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            Bytes id = Bytes.ofHex(String.format("0d%04x", g));
            assertEquals(1L, onA.run(() -> a.create(new StoreRecord.GroupCreated(id, ALICE, 0, bytes("gi0"),
                    bytes("tree0"), 1000), List.of(ALICE, BOB))));
            ids.add(id);
        }
        List<Bytes> reversed = ids.reversed();
        List<Set<Long>> seqs = new ArrayList<>();
        ids.forEach(id -> seqs.add(new HashSet<>()));
        for (int round = 0; round < rounds; round++) {
            String r = Integer.toString(round);
            Future<List<Long>> fromA = onA.run(() -> Future.succeededFuture(appendToEach(a, ids, "a" + r)));
            Future<List<Long>> fromB = onB.run(() -> Future.succeededFuture(appendToEach(b, reversed, "b" + r)));
            List<Long> byA = await(fromA);
            List<Long> byB = await(fromB);
            for (int g = 0; g < groups; g++) {
                assertTrue(seqs.get(g).add(byA.get(g)), "seq given twice");
                assertTrue(seqs.get(g).add(byB.get(groups - 1 - g)), "seq given twice");
            }
        }
        for (Set<Long> s : seqs) {
            long first = s.stream().mapToLong(Long::longValue).min().orElseThrow();
            assertEquals(2 * rounds, s.size());
            assertEquals(first + 2 * rounds - 1, s.stream().mapToLong(Long::longValue).max().orElseThrow(), "a gap");
        }
    }

    /** One message to each group, queued at once (one batch after the first); their numbers, in order. */
    private static Future<List<Long>> appendToEach(PgGroups node, List<Bytes> groups, String text) {
        List<Future<Long>> appended = new ArrayList<>();
        for (Bytes g : groups) {
            Bytes payload = bytes(text + g);
            appended.add(node.appendApplication(g, 1, 0, 2000, digest(payload), payload));
        }
        return Future.all(appended).map(all -> appended.stream().map(Future::result).toList());
    }

    @Test
    void ofTwoCommitsOfOneEpochExactlyOneIsAccepted() throws Exception {
        PgGroups.Commit byA = commit("commit-a", List.of(CARL), Set.of(CARL), List.of(), Set.of("alice", "bob", "carl"));
        PgGroups.Commit byB = commit("commit-b", List.of(), Set.of(), List.of(BOB), Set.of("alice"));
        Future<PgGroups.Committed> fa = onA.run(() -> Future.succeededFuture(a.appendCommit(GROUP, 1, byA)));
        Future<PgGroups.Committed> fb = onB.run(() -> Future.succeededFuture(b.appendCommit(GROUP, 1, byB)));
        Throwable ea = await(fa.map(v -> (Throwable) null).recover(Future::succeededFuture));
        Throwable eb = await(fb.map(v -> (Throwable) null).recover(Future::succeededFuture));
        assertTrue((ea == null) != (eb == null), "exactly one accepted: " + ea + " / " + eb);
        StoreException lost = assertInstanceOf(StoreException.class, ea == null ? eb : ea);
        assertEquals(StoreException.Reason.EPOCH_TAKEN, lost.reason());

        PgGroups.Snapshot s = onA.run(() -> a.load(GROUP)).orElseThrow();
        StoreRecord.GroupState state = (StoreRecord.GroupState) s.records().get(0);
        assertEquals(1, state.epoch());
        assertEquals(2, state.nextSeq());
        assertEquals(1, state.stateSeq());
        assertEquals(ea == null ? bytes("gi-commit-a") : bytes("gi-commit-b"), state.groupInfo());
        assertEquals(2, s.version());
        // an application message of the old view is refused; on the new one it is accepted
        assertEquals(StoreException.Reason.STALE, refusal(app(onB, b, 1, "late")));
        assertEquals(2L, await(app(onB, b, 2, "on time")));
    }

    @Test
    void aCommitWelcomesAddedDevicesAndRecordsRemovedOnes() throws Exception {
        PgGroups.Committed c = onA.run(() -> a.appendCommit(GROUP, 1, commit("add", List.of(CARL), Set.of(CARL),
                List.of(BOB), Set.of("alice", "carl"))));
        assertEquals(1, c.seq());
        assertEquals(List.of(new StoreRecord.Joined(CARL, 1)), c.joined(), "the first slot of carl's mailbox");
        PgGroups.Snapshot s = onB.run(() -> b.load(GROUP)).orElseThrow();
        assertTrue(s.records().contains(new StoreRecord.MemberSince(GROUP, CARL, 1)));
        assertTrue(s.records().contains(new StoreRecord.Departed(GROUP, BOB, 1, 0, 3000)));
        assertTrue(s.records().contains(new StoreRecord.CursorMoved(CARL, GROUP, 1)), "carl starts after the commit");

        long seq = await(app(onB, b, s.version(), "hello"));
        PgGroups.Appended p = onA.run(() -> a.appendProposal(GROUP, s.version(), 1, 4000, bytes("d-prop"),
                bytes("proposal")));
        assertEquals(seq + 1, p.seq());
        assertEquals(s.version() + 1, p.version(), "a proposal changes the group");
        PgGroups.Snapshot after = onB.run(() -> b.load(GROUP)).orElseThrow();
        assertTrue(after.records().stream().anyMatch(r -> r instanceof StoreRecord.MessageAccepted m
                && m.message().kind() == MessageKind.PROPOSAL && m.message().seq() == p.seq()), "the epoch's proposal");
    }

    @Test
    void aFenceStopsApplicationMessagesOnEveryNodeUntilACommitRemovesTheUser() throws Exception {
        PgGroups.Appended cut = onA.run(() -> a.cutOff(GROUP, List.of(BOB), List.of("bob"), 5000));
        assertEquals(0, cut.seq(), "bob receives nothing: the group has no message yet");
        // node B, which read the group before the fence, cannot append on its old view
        assertEquals(StoreException.Reason.STALE, refusal(app(onB, b, 1, "from alice")));
        PgGroups.Snapshot s = onB.run(() -> b.load(GROUP)).orElseThrow();
        assertEquals(Set.of("bob"), s.fencedUsers(), "the node reads the fence, and refuses by itself");
        assertTrue(s.records().contains(new StoreRecord.Departed(GROUP, BOB, 0, 0, 5000)));

        // the Commit that removes bob's leaves lifts the fence
        PgGroups.Committed c = onB.run(() -> b.appendCommit(GROUP, s.version(), commit("remove", List.of(), Set.of(),
                List.of(BOB), Set.of("alice"))));
        PgGroups.Snapshot after = onA.run(() -> a.load(GROUP)).orElseThrow();
        assertEquals(Set.of(), after.fencedUsers());
        assertTrue(after.records().contains(new StoreRecord.Departed(GROUP, BOB, 0, 0, 5000)),
                "bob keeps his earlier end");
        assertEquals(c.seq() + 1, await(app(onA, a, after.version(), "from alice")));
        assertEquals(Optional.empty(), onA.run(() -> a.load(Bytes.ofHex("ff"))));
        assertEquals(StoreException.Reason.EXISTS, refusal(onB.run(() -> Future.succeededFuture(b.create(
                new StoreRecord.GroupCreated(GROUP, BOB, 0, bytes("x"), bytes("y"), 1), List.of(BOB))))));
    }

    private static PgGroups.Commit commit(String name, List<DeviceId> added, Set<DeviceId> welcomed,
            List<DeviceId> removed, Set<String> usersAfter) {
        Bytes payload = bytes(name);
        return new PgGroups.Commit(new GroupMessage(GROUP, 0, 0, MessageKind.COMMIT, 3000, payload), digest(payload),
                1, bytes("gi-" + name), bytes("tree-" + name), bytes("welcome-" + name), added, welcomed, removed,
                usersAfter);
    }
}
