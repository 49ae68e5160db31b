package dev.ampoule.relay.store;

import dev.ampoule.relay.log.FramedLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * How long giving back the segments a checkpoint replaced holds the appends' fsyncs (not a test:
 * run it with {@code mvn -pl relay -am test -Dtest=ReleaseStallBenchmark -Dsurefire.failIfNoSpecifiedTests=false},
 * with {@code -Dstall.dir=DIR} to measure on the file system of DIR). A writer appends 16 KiB
 * frames to a segment and fsyncs each, as the store's writer does; meanwhile two written and synced
 * 64 MiB segments are given back, either deleted whole or with {@link SegmentLog#release} (4 MiB
 * steps). Each of 5 rounds per way, alternating, reports the longest fsync of the writer from the
 * moment the release began until 2 s after it ended; printed with the rounds' median and the
 * writer's median fsync as the baseline, and how long each release took.
 */
class ReleaseStallBenchmark {

    static final int ROUNDS = 5;
    static final int SEGMENT_MIB = 64;
    /** The writer's fsyncs before the release begins: its baseline. */
    static final int BASELINE_FSYNCS = 1_000;

    @Test
    void fsyncStallWhileReplacedSegmentsAreGivenBack() throws Exception {
        Path root = Files.createTempDirectory(Path.of(System.getProperty("stall.dir", System.getProperty("java.io.tmpdir"))),
                "release-stall");
        List<Double> whole = new ArrayList<>();
        List<Double> stepped = new ArrayList<>();
        List<Double> baseline = new ArrayList<>();
        List<Double> wholeTook = new ArrayList<>();
        List<Double> steppedTook = new ArrayList<>();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                whole.add(round(root, false, baseline, wholeTook));
                stepped.add(round(root, true, baseline, steppedTook));
            }
        } finally {
            try (var files = Files.walk(root)) {
                for (Path p : files.sorted(Collections.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        System.out.printf("writer fsync, median of all rounds outside a release: %.2f ms%n", median(baseline));
        System.out.printf("longest writer fsync during a release, deleted whole: median %.1f ms, rounds %s%n",
                median(whole), whole);
        System.out.printf("longest writer fsync during a release, 4 MiB steps:  median %.1f ms, rounds %s%n",
                median(stepped), stepped);
        System.out.printf("the release itself took: whole median %.1f ms %s; in steps median %.1f ms %s%n",
                median(wholeTook), wholeTook, median(steppedTook), steppedTook);
    }

    /** One round: the longest fsync of the writer while two segments are given back. */
    private static double round(Path root, boolean inSteps, List<Double> baseline, List<Double> took) throws Exception {
        Path dir = Files.createTempDirectory(root, inSteps ? "stepped" : "whole");
        for (long id = 1; id <= 2; id++) {
            segment(dir, id);
        }
        List<double[]> fsyncs = Collections.synchronizedList(new ArrayList<>()); // {start ns, ms}
        AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
        CountDownLatch paced = new CountDownLatch(BASELINE_FSYNCS);
        Thread writer = Thread.ofPlatform().start(() -> {
            byte[] frame = new byte[16 * 1024];
            try (FramedLog log = SegmentLog.create(dir, 3)) {
                long end = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < Math.min(end, stopAt.get())) {
                    log.append(frame, false);
                    long t = System.nanoTime();
                    log.force();
                    fsyncs.add(new double[] {t, (System.nanoTime() - t) / 1e6});
                    paced.countDown();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        if (!paced.await(30, TimeUnit.SECONDS)) { // the writer's own pace first
            throw new IllegalStateException("the writer did not fsync " + BASELINE_FSYNCS + " times in 30 s");
        }
        long from = System.nanoTime();
        if (inSteps) {
            SegmentLog.release(dir, List.of(1L, 2L), FramedLog.Channels.DEFAULT, SegmentLog.RELEASE_STEP_BYTES);
        } else {
            Files.delete(SegmentLog.path(dir, 1));
            Files.delete(SegmentLog.path(dir, 2));
            FramedLog.syncDirectory(dir);
        }
        long released = System.nanoTime();
        took.add(Math.round((released - from) / 1e5) / 10.0);
        long to = released + 2_000_000_000L;
        stopAt.set(to);
        writer.join();
        double longest = 0;
        synchronized (fsyncs) {
            for (double[] f : fsyncs) {
                if (f[0] >= from && f[0] <= to) {
                    longest = Math.max(longest, f[1]);
                } else if (f[0] < from) {
                    baseline.add(f[1]);
                }
            }
        }
        return Math.round(longest * 10) / 10.0;
    }

    private static void segment(Path dir, long id) throws IOException {
        byte[] payload = new byte[1 << 20];
        new Random(id).nextBytes(payload);
        try (FramedLog log = SegmentLog.create(dir, id)) {
            for (int i = 0; i < SEGMENT_MIB - 1; i++) {
                log.append(payload, false);
            }
            log.force();
        }
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
