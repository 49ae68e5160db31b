package dev.ampoule.relay.store;

import static dev.ampoule.relay.support.RelayHarness.await;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * How long a compaction holds the event loop (not a test: run it with
 * {@code mvn -pl relay -am test -Dtest=CompactionLoopTimeBenchmark -Dsurefire.failIfNoSpecifiedTests=false}).
 * A file store with a big live state (300,000 records of ~300 bytes, as a directory full of
 * KeyPackages) and 50,000 retained 1 KiB messages is compacted 5 times; each time the part that
 * runs on the event loop — the store's {@code compact} call, which takes the snapshot — is timed.
 * Prints the median and each run.
 */
class CompactionLoopTimeBenchmark {

    static final int LIVE = 300_000;
    static final int MESSAGES = 50_000;

    @Test
    void eventLoopTimeOfACompaction() throws Exception {
        Vertx vertx = Vertx.vertx();
        Path dir = Files.createTempDirectory("compaction-bench");
        try {
            Context ctx = vertx.getOrCreateContext();
            FileStore store = new FileStore(vertx, dir, 64 << 20, false, 16 << 20);
            await(onContext(ctx, () -> store.open(r -> { })));
            Bytes group = Bytes.ofHex("be0c");
            byte[] body = new byte[1024];
            for (int i = 1; i <= MESSAGES; i += 1_000) {
                int from = i;
                await(onContext(ctx, () -> {
                    List<Future<Void>> writes = new ArrayList<>();
                    for (int s = from; s < from + 1_000; s++) {
                        writes.add(store.append(new StoreRecord.MessageAccepted(new GroupMessage(group, s, 0,
                                MessageKind.APPLICATION, s, Bytes.wrap(body)))));
                    }
                    return Future.all(writes).mapEmpty();
                }));
            }
            List<StoreRecord> live = new ArrayList<>(LIVE);
            for (int i = 0; i < LIVE; i++) {
                live.add(new StoreRecord.KeyPackageAdded(new DeviceId("user" + (i / 10), "d" + (i % 10)),
                        Bytes.wrap(new byte[32]), 1, Bytes.wrap(new byte[280]), false));
            }
            Supplier<List<StoreRecord>> snapshot = () -> new ArrayList<>(live);
            long[] millis = new long[5];
            for (int run = 0; run < millis.length; run++) {
                long[] onLoop = new long[1];
                await(onContext(ctx, () -> {
                    long t0 = System.nanoTime();
                    Future<Boolean> f = store.compact(snapshot);
                    onLoop[0] = System.nanoTime() - t0;
                    return f;
                }));
                millis[run] = onLoop[0] / 1_000_000;
            }
            long[] sorted = millis.clone();
            Arrays.sort(sorted);
            System.out.println("compaction on the event loop: median " + sorted[sorted.length / 2] + " ms, runs "
                    + Arrays.toString(millis) + " ms (" + LIVE + " live records, " + MESSAGES + " retained messages)");
            await(onContext(ctx, store::close));
        } finally {
            await(vertx.close());
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static <T> Future<T> onContext(Context ctx, Supplier<Future<T>> op) {
        Promise<T> done = Promise.promise();
        ctx.runOnContext(v -> op.get().onComplete(done));
        return done.future();
    }
}
