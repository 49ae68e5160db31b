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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints larger than a segment. A checkpoint now stays in one segment whatever its size; a
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
}
