package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.log.FramedLog;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written beside the appends, and checkpoints larger than a segment. A checkpoint now stays in one segment whatever its size; a
 * store written by an earlier version may hold one that runs over several segments (its begin
 * marker starting one, its end marker in a later one), which recovery reads whole — not as a
 * crash mid-checkpoint, which would drop the live state it begins with — while a checkpoint that
 * really was cut short by a crash, over one segment or several, is still discarded.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileStoreCheckpointTest {

    static final Bytes GROUP = Bytes.ofHex("0102");
    static final DeviceId ALICE = new DeviceId("alice", "phone");

    @TempDir
    Path dir;

    private OnContext context;


    private List<StoreRecord> open(FileStore store) {
        List<StoreRecord> replayed = new ArrayList<>();
        context.run(() -> store.open(replayed::add));
        return replayed;
    }

    private static GroupMessage proposal(long seq) {
        return new GroupMessage(GROUP, seq, 0, MessageKind.PROPOSAL, 1_000 + seq, Bytes.wrap(new byte[300]));
    }

    /** Writes a segment file of these payloads, as the store frames them. */
    private void segment(long id, List<byte[]> payloads) throws IOException {
        try (FramedLog log = SegmentLog.create(dir, id)) {
            for (byte[] p : payloads) {
                log.append(p, false);
            }
            log.force();
        }
    }

    private static byte[] marker(int type) {
        return new byte[] {(byte) type};
    }

    @Test
    void aLargeCheckpointStaysInOneSegmentAndSurvivesARestart(Vertx vertx) {
        context = new OnContext(vertx);
        FileStore store = new FileStore(vertx, dir, 2048, true, 1 << 20);
        open(store);
        context.run(() -> {
            List<Future<Void>> all = new ArrayList<>();
            for (long s = 1; s <= 40; s++) {
                all.add(store.append(new StoreRecord.MessageAccepted(proposal(s))));
            }
            return Future.all(all).mapEmpty();
        });
        StoreRecord live = new StoreRecord.GroupState(GROUP, ALICE, 0, 0, 41, Bytes.ofHex("71"), Bytes.ofHex("72"));
        assertTrue(context.run(() -> store.compact(() -> List.of(live))));
        context.run(store::close);

        FileStore reopened = new FileStore(vertx, dir, 2048, true, 0);
        List<StoreRecord> replayed = open(reopened);
        assertEquals(41, replayed.size(), "the live state and the 40 retained messages (12 KiB in 2 KiB segments)");
        assertEquals(live, replayed.get(0));
        assertEquals(proposal(40), context.run(() -> reopened.read(GROUP, 40, 1)).get(0));
        context.run(reopened::close);
    }

    @Test
    void aCheckpointOverSeveralSegmentsFromAnEarlierVersionIsReadWhole(Vertx vertx) throws IOException {
        context = new OnContext(vertx);
        StoreRecord live = new StoreRecord.GroupState(GROUP, ALICE, 2, 5, 8, Bytes.ofHex("71"), Bytes.ofHex("72"));
        segment(1, List.of(RecordCodec.encode(new StoreRecord.CursorMoved(ALICE, GROUP, 1)))); // before the checkpoint
        segment(2, List.of(marker(RecordCodec.CHECKPOINT_BEGIN), RecordCodec.encode(live),
                RecordCodec.encode(new StoreRecord.MessageAccepted(proposal(6)))));
        segment(3, List.of(RecordCodec.encode(new StoreRecord.MessageAccepted(proposal(7))),
                marker(RecordCodec.CHECKPOINT_END)));
        segment(4, List.of(RecordCodec.encode(new StoreRecord.CursorMoved(ALICE, GROUP, 7)))); // after it

        FileStore store = new FileStore(vertx, dir, 1 << 20, true, 0);
        List<StoreRecord> replayed = open(store);
        assertEquals(List.of(live, new StoreRecord.MessageAccepted(proposal(6)),
                new StoreRecord.MessageAccepted(proposal(7)), new StoreRecord.CursorMoved(ALICE, GROUP, 7)), replayed);
        assertFalse(Files.exists(SegmentLog.path(dir, 1)), "what the checkpoint replaced is deleted");
        assertTrue(Files.exists(SegmentLog.path(dir, 2)));
        assertEquals(List.of(proposal(6), proposal(7)), context.run(() -> store.read(GROUP, 1, 10)));
        context.run(store::close);
    }

    @Test
    void aCheckpointCutShortByACrashIsDiscardedEvenOverSeveralSegments(Vertx vertx) throws IOException {
        context = new OnContext(vertx);
        StoreRecord before = new StoreRecord.MessageAccepted(proposal(1));
        segment(1, List.of(RecordCodec.encode(before)));
        segment(2, List.of(marker(RecordCodec.CHECKPOINT_BEGIN), RecordCodec.encode(new StoreRecord.GroupState(GROUP,
                ALICE, 0, 0, 2, Bytes.ofHex("71"), Bytes.ofHex("72")))));
        segment(3, List.of(RecordCodec.encode(new StoreRecord.MessageAccepted(proposal(1)))));

        FileStore store = new FileStore(vertx, dir, 1 << 20, true, 0);
        assertEquals(List.of(before), open(store));
        assertFalse(Files.exists(SegmentLog.path(dir, 2)));
        assertFalse(Files.exists(SegmentLog.path(dir, 3)));
        context.run(store::close);
    }

    /** The real file system, where opening a file whose name matches waits until {@code go}, after counting {@code reached} down. */
    private static FramedLog.Channels heldAt(java.util.function.Predicate<String> name, CountDownLatch reached,
            CountDownLatch go) {
        return (file, options) -> {
            if (name.test(file.getFileName().toString())) {
                reached.countDown();
                try {
                    go.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
            }
            return FileChannel.open(file, options);
        };
    }

    private static List<StoreRecord> accepted(long from, long to) {
        return LongStream.rangeClosed(from, to).mapToObj(s -> (StoreRecord) new StoreRecord.MessageAccepted(proposal(s))).toList();
    }

    private Future<Void> appendAll(FileStore store, List<StoreRecord> records) {
        return Future.all(records.stream().map(store::append).toList()).mapEmpty();
    }

    @Test
    void appendsGoOnWhileACheckpointIsWrittenAndACrashMeanwhileLosesNone(Vertx vertx) throws Exception {
        context = new OnContext(vertx);
        // The appends so far fill segment 1, so the checkpoint is written as segment 2: the creation of
        // its file waits until the test lets it go on.
        String checkpointFile = String.format("%020d", 2);
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        FramedLog.Channels held = heldAt(name -> name.startsWith(checkpointFile), reached, release);
        FileStore store = new FileStore(vertx, dir, 1 << 20, true, 1 << 20, held);
        open(store);
        context.run(() -> appendAll(store, accepted(1, 20)));
        StoreRecord live = new StoreRecord.GroupState(GROUP, ALICE, 0, 0, 21, Bytes.ofHex("71"), Bytes.ofHex("72"));
        AtomicReference<Future<Boolean>> first = new AtomicReference<>();
        AtomicReference<Future<Boolean>> second = new AtomicReference<>();
        context.run(() -> {
            first.set(store.compact(() -> List.of(live)));
            return Future.succeededFuture();
        });
        assertTrue(reached.await(30, TimeUnit.SECONDS), "the checkpoint has started");

        context.run(() -> appendAll(store, accepted(21, 30)));
        context.run(() -> {
            second.set(store.compact(() -> List.of(live)));
            return Future.succeededFuture();
        });
        assertFalse(first.get().isComplete(), "the appends completed while the checkpoint was still being written");
        assertFalse(second.get().isComplete(), "a second compaction waits for the first");

        // A crash now leaves what is on disk: the segments before the checkpoint and the appends after it.
        Path crashed = Files.createTempDirectory(dir.getParent(), "crashed-");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, crashed.resolve(f.getFileName()));
            }
        }
        Path unfinished = crashed.resolve(checkpointFile + ".checkpoint"); // as if cut short mid-write
        Files.write(unfinished, new byte[] {0, 0, 0, 9, 1, 2});
        release.countDown();
        assertTrue(context.run(first::get));
        assertTrue(context.run(second::get));
        context.run(() -> appendAll(store, accepted(31, 31)));
        context.run(store::close);

        List<StoreRecord> expected = new ArrayList<>();
        expected.add(live);
        expected.addAll(accepted(1, 31));
        FileStore reopened = new FileStore(vertx, dir, 1 << 20, true, 0);
        assertEquals(expected, open(reopened), "the newest checkpoint, then what was appended after it");
        assertEquals(List.of(proposal(1), proposal(30), proposal(31)), Stream.of(1, 30, 31)
                .map(s -> context.run(() -> reopened.read(GROUP, s, 1)).get(0)).toList());
        context.run(reopened::close);

        FileStore afterCrash = new FileStore(vertx, crashed, 1 << 20, true, 0);
        assertEquals(accepted(1, 30), open(afterCrash), "nothing acknowledged is lost by a crash during a checkpoint");
        assertFalse(Files.exists(unfinished), "an unfinished checkpoint file is discarded");
        context.run(afterCrash::close);
    }

    @Test
    void aCrashWhileReplacedSegmentsAreGivenBackLosesNothing(Vertx vertx) throws Exception {
        context = new OnContext(vertx);
        // The checkpoint replaces segment 1, and giving its space back waits until the
        // test lets it go on — the moment a crash is looked at.
        CountDownLatch reached = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        FramedLog.Channels held = heldAt(name -> name.endsWith(SegmentLog.RELEASED_SUFFIX), reached, go);
        FileStore store = new FileStore(vertx, dir, 1 << 20, true, 1 << 20, held);
        open(store);
        context.run(() -> appendAll(store, accepted(1, 20)));
        StoreRecord live = new StoreRecord.GroupState(GROUP, ALICE, 0, 0, 21, Bytes.ofHex("71"), Bytes.ofHex("72"));
        AtomicReference<Future<Boolean>> compacted = new AtomicReference<>();
        context.run(() -> {
            compacted.set(store.compact(() -> List.of(live)));
            return Future.succeededFuture();
        });
        assertTrue(reached.await(30, TimeUnit.SECONDS), "the replaced segment is being given back");

        Path crashed = Files.createTempDirectory(dir.getParent(), "crashed-");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, crashed.resolve(f.getFileName()));
            }
        }
        Path released = SegmentLog.releasedPath(crashed, 1);
        assertTrue(Files.exists(released));
        assertFalse(Files.exists(SegmentLog.path(crashed, 1)), "renamed before it is cut down");
        try (FileChannel ch = FileChannel.open(released, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100); // as if cut in the middle of a frame
        }
        go.countDown();
        assertTrue(context.run(compacted::get));
        context.run(store::close);

        FileStore afterCrash = new FileStore(vertx, crashed, 1 << 20, true, 0);
        List<StoreRecord> expected = new ArrayList<>();
        expected.add(live);
        expected.addAll(accepted(1, 20));
        assertEquals(expected, open(afterCrash), "the checkpoint, whatever is left of the segment it replaced");
        assertFalse(Files.exists(released), "what is left of a replaced segment is removed");
        context.run(afterCrash::close);
        assertFalse(Files.exists(SegmentLog.path(dir, 1)));
        assertFalse(Files.exists(SegmentLog.releasedPath(dir, 1)));
    }
}
