package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.log.FramedLog;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.OpenFiles;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileStoreTest {

    static final Bytes GROUP = Bytes.ofHex("0102");
    static final DeviceId ALICE = new DeviceId("alice", "phone");

    @TempDir
    Path dir;

    static GroupMessage message(Bytes group, long seq) {
        byte[] body = ("message " + seq + " ").repeat(8).getBytes(StandardCharsets.UTF_8);
        return new GroupMessage(group, seq, 0, MessageKind.APPLICATION, 1_000 + seq, Bytes.wrap(body));
    }

    private FileStore store(Vertx vertx, long cache) {
        return new FileStore(vertx, dir, 4096, true, cache);
    }

    private static Future<Void> appendAll(Store store, List<StoreRecord> records) {
        List<Future<Void>> all = new ArrayList<>();
        records.forEach(r -> all.add(store.append(r)));
        return Future.all(all).mapEmpty();
    }

    private static List<StoreRecord> sample() {
        List<StoreRecord> records = new ArrayList<>();
        records.add(new StoreRecord.KeyPackageAdded(ALICE, Bytes.ofHex("aa"), 1, Bytes.ofHex("0001"), false));
        records.add(new StoreRecord.GroupCreated(GROUP, ALICE, 0, Bytes.ofHex("61"), Bytes.ofHex("62"), 5));
        for (long s = 1; s <= 50; s++) {
            records.add(new StoreRecord.MessageAccepted(message(GROUP, s)));
        }
        records.add(new StoreRecord.CursorMoved(ALICE, GROUP, 7));
        records.add(new StoreRecord.KeyPackageTaken(ALICE, Bytes.ofHex("aa")));
        return records;
    }

    @Test
    void appendsAreReplayedInOrderAndReadableFromDisk(Vertx vertx, VertxTestContext ctx) {
        List<StoreRecord> records = sample();
        FileStore first = store(vertx, 0);
        List<StoreRecord> replayed = new ArrayList<>();
        first.open(r -> { })
                .compose(v -> appendAll(first, records))
                .compose(v -> first.close())
                .compose(v -> {
                    FileStore second = store(vertx, 0);
                    return second.open(replayed::add).compose(v2 -> second.read(GROUP, 10, 5)
                            .map(read -> {
                                assertEquals(records.size(), replayed.size());
                                for (int i = 0; i < records.size(); i++) {
                                    StoreRecord expected = records.get(i);
                                    if (expected instanceof StoreRecord.MessageAccepted m) {
                                        // replayed application messages carry no bytes
                                        assertEquals(m.message().seq(), RecordCodec.messageOf(replayed.get(i)).seq());
                                    } else {
                                        assertEquals(expected, replayed.get(i));
                                    }
                                }
                                assertEquals(List.of(message(GROUP, 10), message(GROUP, 11), message(GROUP, 12),
                                        message(GROUP, 13), message(GROUP, 14)), read);
                                assertTrue(segments().size() > 1, "4 KiB segments roll");
                                return second;
                            }))
                            .compose(Store::close);
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void dropAndExpireShrinkTheRetainedRange(Vertx vertx, VertxTestContext ctx) {
        FileStore store = store(vertx, 1 << 20);
        store.open(r -> { })
                .compose(v -> appendAll(store, sample()))
                .compose(v -> {
                    assertEquals(1, store.firstRetained(GROUP));
                    store.dropBefore(GROUP, 20);
                    assertEquals(20, store.firstRetained(GROUP));
                    assertEquals(10, store.expireBefore(1_030)); // timestamps 1,020..1,029
                    assertEquals(30, store.firstRetained(GROUP));
                    return store.read(GROUP, 1, 100);
                })
                .map(read -> {
                    assertEquals(21, read.size());
                    assertEquals(30, read.get(0).seq());
                    return store;
                })
                .compose(Store::close)
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void oneGroupsRetentionLeavesOtherGroupsAlone(Vertx vertx, VertxTestContext ctx) {
        Bytes other = Bytes.ofHex("0203");
        FileStore store = store(vertx, 1 << 20);
        List<StoreRecord> records = new ArrayList<>(sample());
        for (long s = 1; s <= 10; s++) {
            records.add(new StoreRecord.MessageAccepted(message(other, s)));
        }
        store.open(r -> { })
                .compose(v -> appendAll(store, records))
                .compose(v -> {
                    assertEquals(29, store.expireBefore(GROUP, 1_030)); // timestamps 1,001..1,029
                    assertEquals(30, store.firstRetained(GROUP));
                    assertEquals(1, store.firstRetained(other), "another team's messages stay");
                    assertEquals(0, store.expireBefore(Bytes.ofHex("0404"), 1_030), "an unknown group has nothing");
                    return store.read(other, 1, 100);
                })
                .map(read -> {
                    assertEquals(10, read.size());
                    return store;
                })
                .compose(Store::close)
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void tornTailIsCutAndAppendsContinue(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileStore first = store(vertx, 0);
        first.open(r -> { })
                .compose(v -> appendAll(first, sample()))
                .compose(v -> first.close())
                .compose(v -> vertx.executeBlocking(() -> {
                    // a crash mid-write: half a frame at the end of the last segment
                    Path last = segments().get(segments().size() - 1);
                    byte[] frame = FramedLog.frame(
                            RecordCodec.encode(new StoreRecord.MessageAccepted(message(GROUP, 51))));
                    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                        ch.write(ByteBuffer.wrap(frame, 0, frame.length / 2));
                    }
                    return null;
                }))
                .compose(v -> {
                    FileStore second = store(vertx, 0);
                    List<StoreRecord> replayed = new ArrayList<>();
                    return second.open(replayed::add)
                            .compose(x -> {
                                assertEquals(sample().size(), replayed.size());
                                return second.append(new StoreRecord.MessageAccepted(message(GROUP, 51)));
                            })
                            .compose(x -> second.close())
                            .compose(x -> {
                                FileStore third = store(vertx, 0);
                                List<StoreRecord> again = new ArrayList<>();
                                return third.open(again::add).compose(y -> third.read(GROUP, 51, 1)).map(read -> {
                                    assertEquals(sample().size() + 1, again.size());
                                    assertEquals(List.of(message(GROUP, 51)), read);
                                    return third;
                                }).compose(Store::close);
                            });
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void corruptTailRecordIsCut(Vertx vertx, VertxTestContext ctx) {
        FileStore first = store(vertx, 0);
        first.open(r -> { })
                .compose(v -> appendAll(first, sample()))
                .compose(v -> first.close())
                .compose(v -> vertx.executeBlocking(() -> {
                    Path last = segments().get(segments().size() - 1);
                    try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
                        ch.write(ByteBuffer.wrap(new byte[] {0x55}), ch.size() - 1); // flip the last byte
                    }
                    return null;
                }))
                .compose(v -> {
                    FileStore second = store(vertx, 0);
                    List<StoreRecord> replayed = new ArrayList<>();
                    return second.open(replayed::add).map(x -> {
                        assertEquals(sample().size() - 1, replayed.size());
                        return second;
                    }).compose(Store::close);
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void compactionKeepsLiveStateAndRetainedMessagesOnly(Vertx vertx, VertxTestContext ctx) {
        FileStore first = store(vertx, 0);
        List<StoreRecord> live = List.of(
                new StoreRecord.GroupState(GROUP, ALICE, 3, 40, 51, Bytes.ofHex("61"), Bytes.ofHex("62")),
                new StoreRecord.CursorMoved(ALICE, GROUP, 45));
        first.open(r -> { })
                .compose(v -> appendAll(first, sample()))
                .compose(v -> {
                    first.dropBefore(GROUP, 46);
                    long before = first.diskBytes();
                    // an append racing with the compaction is kept, after the checkpoint
                    Future<Boolean> compacted = first.compact(() -> live);
                    Future<Void> racing = first.append(new StoreRecord.MessageAccepted(message(GROUP, 51)));
                    return Future.all(compacted, racing).map(x -> {
                        assertTrue(compacted.result());
                        assertTrue(first.diskBytes() < before, first.diskBytes() + " < " + before);
                        return first;
                    });
                })
                .compose(s -> s.read(GROUP, 1, 100).map(read -> {
                    assertEquals(6, read.size()); // 46..51, read from the new segment
                    assertEquals(message(GROUP, 46), read.get(0));
                    return s;
                }))
                .compose(Store::close)
                .compose(v -> {
                    FileStore second = store(vertx, 0);
                    List<StoreRecord> replayed = new ArrayList<>();
                    return second.open(replayed::add).compose(x -> second.read(GROUP, 1, 100)).map(read -> {
                        assertEquals(live.get(0), replayed.get(0));
                        assertEquals(live.get(1), replayed.get(1));
                        assertEquals(2 + 6, replayed.size());
                        assertEquals(46, read.get(0).seq());
                        assertEquals(6, read.size());
                        assertEquals(2, segments().size(), "the checkpoint, and the segment after it the racing append went to");
                        return second;
                    }).compose(Store::close);
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void incompleteCheckpointIsDiscarded(Vertx vertx, VertxTestContext ctx) {
        FileStore first = store(vertx, 0);
        first.open(r -> { })
                .compose(v -> appendAll(first, sample()))
                .compose(v -> first.close())
                .compose(v -> vertx.executeBlocking(() -> {
                    // a crash during compaction: a new segment with BEGIN and part of the live state
                    List<Path> segs = segments();
                    String name = segs.get(segs.size() - 1).getFileName().toString();
                    long next = Long.parseLong(name.substring(0, name.length() - 4)) + 1;
                    try (FramedLog log = SegmentLog.create(dir, next)) {
                        log.append(new byte[] {(byte) RecordCodec.CHECKPOINT_BEGIN}, false);
                        log.append(RecordCodec.encode(new StoreRecord.CursorMoved(ALICE, GROUP, 50)), true);
                    }
                    return null;
                }))
                .compose(v -> {
                    FileStore second = store(vertx, 0);
                    List<StoreRecord> replayed = new ArrayList<>();
                    return second.open(replayed::add).map(x -> {
                        assertEquals(sample().size(), replayed.size());
                        return second;
                    }).compose(Store::close);
                })
                .onComplete(ctx.succeedingThenComplete());
    }

    /**
     * Corruption that is no torn tail — a bad frame before the last segment, or a whole frame
     * (its CRC right) that is no record — fails the open with a {@link StoreException}, with every
     * segment closed and nothing on disk changed (an operator can inspect or restore the files).
     */
    @Test
    void corruptionFailsTheOpenTypedWithEverySegmentClosedAndTheFilesUnchanged(Vertx vertx) throws Exception {
        OnContext on = new OnContext(vertx);
        FileStore first = store(vertx, 0);
        on.run(() -> first.open(r -> { }).compose(v -> appendAll(first, sample())).compose(v -> first.close()));
        List<Path> segs = segments();
        assertTrue(segs.size() >= 2, "segments: " + segs.size());
        byte[] original = Files.readAllBytes(segs.get(0));

        // a flipped byte in the middle of the first segment
        try (FileChannel ch = FileChannel.open(segs.get(0), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55}), 200);
        }
        assertOpenFailsAndChangesNothing(vertx, on);

        // a frame with a good CRC that is no record, at the end of the last segment
        Files.write(segs.get(0), original);
        try (FileChannel ch = FileChannel.open(segs.get(segs.size() - 1), StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(FramedLog.frame(new byte[] {(byte) 0xEE, 1, 2})));
        }
        assertOpenFailsAndChangesNothing(vertx, on);
    }

    /**
     * Only files named like the store's segments ({@code <20 digits>.log}) are segments: other
     * {@code .log} files in the directory are left alone, neither read nor answered by new files
     * (a file {@code -2.log} was read as segment -2 and made the store create {@code -0000000000000000002.log}).
     */
    @Test
    void filesNotNamedLikeSegmentsAreLeftAlone(Vertx vertx) throws Exception {
        OnContext on = new OnContext(vertx);
        FileStore first = store(vertx, 0);
        on.run(() -> first.open(r -> { }).compose(v -> appendAll(first, sample())).compose(v -> first.close()));
        for (String stray : List.of("-2.log", "+3.log", "1.log", "0000000000000000000x.log", "12345678901234567890.log")) {
            Files.write(dir.resolve(stray), new byte[] {1, 2, 3});
        }
        Map<Path, String> before = OpenFiles.snapshot(dir);
        List<StoreRecord> replayed = new ArrayList<>();
        FileStore second = store(vertx, 0);
        on.run(() -> second.open(replayed::add).compose(v -> second.close()));
        assertEquals(sample().size(), replayed.size());
        assertEquals(before, OpenFiles.snapshot(dir));
    }

    /**
     * Segment ids do not wrap around: a store whose newest segment has the last id refuses to open
     * (its next segment would have no name), and a store that runs out of ids while writing fails
     * the append rather than writing a segment recovery would not find (-9223372036854775808.log).
     */
    @Test
    void segmentIdsDoNotWrapAround(Vertx vertx) throws Exception {
        OnContext on = new OnContext(vertx);
        try (FramedLog log = SegmentLog.create(dir, Long.MAX_VALUE)) {
            log.append(RecordCodec.encode(new StoreRecord.MailboxAcked(ALICE, 1)), true);
        }
        assertOpenFailsAndChangesNothing(vertx, on);

        Files.delete(SegmentLog.path(dir, Long.MAX_VALUE));
        try (FramedLog log = SegmentLog.create(dir, Long.MAX_VALUE - 1)) {
            // full: the next append starts the last segment
            log.append(RecordCodec.encode(new StoreRecord.KeyPackageAdded(ALICE, Bytes.ofHex("aa"), 1,
                    Bytes.wrap(new byte[4096]), false)), true);
        }
        FileStore store = store(vertx, 0);
        on.run(() -> store.open(r -> { }));
        Throwable failure = on.failure(() -> appendAll(store, sample()));
        assertInstanceOf(StoreException.class, failure, () -> "failed with " + failure);
        on.run(store::close);
        // every file is one of the two last segments (whether the last one is left depends on how the
        // appends were batched: a failed batch is cut back, a later one may start it again)
        List<Path> left = segments();
        assertEquals(SegmentLog.path(dir, Long.MAX_VALUE - 1), left.get(0));
        assertTrue(List.of(SegmentLog.path(dir, Long.MAX_VALUE - 1), SegmentLog.path(dir, Long.MAX_VALUE))
                .containsAll(left), () -> "no segment after the last id: " + left);
    }

    /** Once close() completed, the store holds no file open (a restart in the same process reopens them). */
    @Test
    void closeCompletesOnceEverySegmentIsClosed(Vertx vertx) {
        OnContext on = new OnContext(vertx);
        for (int i = 0; i < 20; i++) {
            FileStore store = store(vertx, 0);
            on.run(() -> store.open(r -> { }).compose(v -> appendAll(store, sample())).compose(v -> store.close()));
            assertEquals(List.of(), OpenFiles.under(dir), "cycle " + i);
        }
    }

    private void assertOpenFailsAndChangesNothing(Vertx vertx, OnContext on) {
        Map<Path, String> before = OpenFiles.snapshot(dir);
        List<StoreRecord> replayed = new ArrayList<>();
        FileStore store = store(vertx, 0);
        Throwable failure = on.failure(() -> store.open(replayed::add));
        assertInstanceOf(StoreException.class, failure, () -> "failed with " + failure);
        assertEquals(List.of(), replayed);
        assertEquals(List.of(), OpenFiles.under(dir), "segments left open");
        assertEquals(before, OpenFiles.snapshot(dir));
        on.run(store::close);
    }

    private List<Path> segments() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(SegmentLog.SUFFIX)).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
