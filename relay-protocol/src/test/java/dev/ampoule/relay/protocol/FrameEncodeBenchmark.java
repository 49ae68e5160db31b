package dev.ampoule.relay.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What encoding a Deliver frame of a 1 KiB message costs with the writer sized for it up front
 * ({@link FrameCodec#sizeHint}) against the fixed 64 bytes it used to start from, in the same run
 * (not a test: run it with
 * {@code mvn -pl relay-protocol -am test -Dtest=FrameEncodeBenchmark -Dsurefire.failIfNoSpecifiedTests=false}).
 * Seven rounds, alternating; each encodes 1,000,000 frames one way after 200,000 to warm up.
 * Prints the nanoseconds per frame of each round and the medians.
 */
class FrameEncodeBenchmark {

    static final int FRAMES = 1_000_000;

    @Test
    void deliverFrameOfOneKibibyte() {
        Envelope env = new Envelope(0, new Frame.Deliver(Bytes.wrap(new byte[32]), 123_456, Bytes.wrap(new byte[1_024])));
        int hint = FrameCodec.sizeHint(env.frame());
        List<Double> fixed = new ArrayList<>();
        List<Double> hinted = new ArrayList<>();
        long sink = 0;
        for (int round = 0; round < 7; round++) {
            sink += run(env, 64, FRAMES / 5);
            long t = System.nanoTime();
            sink += run(env, 64, FRAMES);
            fixed.add((System.nanoTime() - t) / (double) FRAMES);
            sink += run(env, hint, FRAMES / 5);
            t = System.nanoTime();
            sink += run(env, hint, FRAMES);
            hinted.add((System.nanoTime() - t) / (double) FRAMES);
        }
        System.out.printf("Deliver frame, 1 KiB message: from 64 bytes %s ns, median %.1f; sized up front %s ns, median %.1f (%d)%n",
                rounded(fixed), median(fixed), rounded(hinted), median(hinted), sink % 2);
    }

    private static long run(Envelope env, int initialCapacity, int n) {
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += FrameCodec.encode(env, initialCapacity).length;
        }
        return sum;
    }

    private static List<Long> rounded(List<Double> v) {
        return v.stream().map(Math::round).toList();
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
