package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.log.FaultyDisk;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.support.OnContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store's group-commit window ({@code fsyncGap}): appends that arrive within the window
 * after an fsync began share the next fsync and are written with one write, each completing only
 * once it is durable; an append after a quiet spell is synced at once.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileStoreGroupCommitTest {

    static final Bytes GROUP = Bytes.ofHex("0102");
    /** Long against the 20 ms between the appends below, even on a loaded machine. */
    static final Duration GAP = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    /** Counts the fsyncs and writes of the stores each test opens. */
    private final FaultyDisk disk = new FaultyDisk();

    /** A store on {@link #disk} in the test's directory, opened; what it replays goes to {@code replay}. */
    private FileStore opened(OnContext context, Vertx vertx, long segmentBytes, Duration gap,
            Consumer<StoreRecord> replay) {
        FileStore store = new FileStore(vertx, dir, segmentBytes, true, gap, 1 << 20, disk);
        context.run(() -> store.open(replay));
        return store;
    }

    private static StoreRecord accepted(long seq) {
        return new StoreRecord.MessageAccepted(FileStoreTest.message(GROUP, seq));
    }

    @Test
    void appendsWithinTheWindowShareOneFsyncAndCompleteOnlyOnceDurable(Vertx vertx) {
        OnContext context = new OnContext(vertx);
        FileStore store = opened(context, vertx, 1 << 20, GAP, r -> { });

        long start = System.nanoTime();
        context.run(() -> store.append(accepted(1)));
        long first = System.nanoTime() - start;
        assertTrue(first < GAP.toNanos() * 2 / 3, "the first append waits for no window: " + first / 1_000_000 + " ms");
        long before = disk.syncs();
        long writesBefore = disk.writes();
        assertTrue(before >= 1, "the first append was synced");

        // three appends, each handed to the writer in a turn of its own, 20 ms apart: all within the
        // window that the first append's fsync opened
        List<Long> syncsAtCompletion = new CopyOnWriteArrayList<>();
        context.run(() -> {
            List<Future<Void>> appends = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long seq = 2 + i;
                Promise<Void> done = Promise.promise();
                Runnable append = () -> store.append(accepted(seq)).onSuccess(v -> syncsAtCompletion.add(disk.syncs()))
                        .onComplete(done);
                if (i == 0) {
                    append.run();
                } else {
                    vertx.setTimer(20L * i, t -> append.run());
                }
                appends.add(done.future());
            }
            return Future.all(appends).mapEmpty();
        });
        assertEquals(1, disk.syncs() - before, "the three appends shared one fsync");
        assertEquals(1, disk.writes() - writesBefore, "and one write");
        assertEquals(List.of(before + 1, before + 1, before + 1), syncsAtCompletion,
                "each append completed after the fsync that made it durable");

        List<StoreRecord> replayed = new ArrayList<>();
        context.run(store::close);
        FileStore reopened = opened(context, vertx, 1 << 20, GAP, replayed::add);
        assertEquals(List.of(1L, 2L, 3L, 4L), replayed.stream().map(r -> RecordCodec.messageOf(r).seq()).toList(),
                "every append is on disk, in order");
        context.run(reopened::close);
    }

    @Test
    void aLargeBatchIsWrittenInWritesOfAtMostAMegabyte(Vertx vertx) {
        OnContext context = new OnContext(vertx);
        FileStore store = opened(context, vertx, 64 << 20, GAP, r -> { });
        context.run(() -> store.append(accepted(1)));
        long syncs = disk.syncs();
        long writes = disk.writes();
        // three records of 400 KiB in one turn, within the window: one batch, one fsync
        context.run(() -> Future.all(List.of(store.append(large(2)), store.append(large(3)), store.append(large(4))))
                .mapEmpty());
        assertEquals(1, disk.syncs() - syncs, "one fsync for the batch");
        assertEquals(2, disk.writes() - writes, "two records in the first write (800 KiB), the third in a second");
        context.run(store::close);
        List<StoreRecord> replayed = new ArrayList<>();
        FileStore reopened = opened(context, vertx, 64 << 20, GAP, replayed::add);
        assertEquals(List.of(1L, 2L, 3L, 4L), replayed.stream().map(r -> RecordCodec.messageOf(r).seq()).toList());
        assertEquals(List.of(large(3).message()), context.run(() -> reopened.read(GROUP, 3, 1)), "read back whole");
        context.run(reopened::close);
    }

    private static StoreRecord.MessageAccepted large(long seq) {
        byte[] body = new byte[400 << 10];
        java.util.Arrays.fill(body, (byte) seq);
        return new StoreRecord.MessageAccepted(new GroupMessage(GROUP, seq, 0, MessageKind.APPLICATION, 1_000 + seq,
                Bytes.wrap(body)));
    }

    @Test
    void withoutAWindowEachBatchIsSyncedAtOnce(Vertx vertx) {
        OnContext context = new OnContext(vertx);
        FileStore store = opened(context, vertx, 1 << 20, Duration.ZERO, r -> { });
        long before = disk.syncs();
        for (long seq = 1; seq <= 3; seq++) {
            long s = seq;
            context.run(() -> store.append(accepted(s)));
        }
        assertEquals(3, disk.syncs() - before, "one fsync per append handed over on its own");
        context.run(store::close);
    }
}
