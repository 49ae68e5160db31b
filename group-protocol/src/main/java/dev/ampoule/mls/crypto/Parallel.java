package dev.ampoule.mls.crypto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * Independent public-key operations — the HPKE seals of a Welcome or an UpdatePath, KeyPackage
 * validations, node key derivations, leaf signature verifications — spread over the processors.
 *
 * <p>The work runs on the common {@link java.util.concurrent.ForkJoinPool} (as parallel streams do),
 * whose size the processor count bounds, with the calling thread taking part; below a threshold it
 * runs on the calling thread alone, where splitting would cost more than it saves. The outcome does
 * not depend on the schedule: results come back in index order, and when operations fail, the
 * failure of the lowest index is the one thrown (every operation still runs, so that a caller
 * never learns which failed first in time).
 */
public final class Parallel {

    private Parallel() {}

    /**
     * {@code task(0) … task(count − 1)}, in parallel from {@code threshold} tasks on.
     *
     * @return the results in index order
     * @throws RuntimeException the failure of the lowest failing index
     */
    public static <T> List<T> map(int count, int threshold, IntFunction<T> task) {
        Object[] out = new Object[count];
        RuntimeException[] failures = run(count, threshold, i -> out[i] = task.apply(i));
        throwFirst(failures);
        List<T> results = new ArrayList<>(count);
        for (Object o : out) {
            @SuppressWarnings("unchecked")
            T t = (T) o;
            results.add(t);
        }
        return results;
    }

    /**
     * Runs {@code task(0) … task(count − 1)}, in parallel from {@code threshold} tasks on.
     *
     * @throws RuntimeException the failure of the lowest failing index
     */
    public static void forEach(int count, int threshold, IntConsumer task) {
        throwFirst(run(count, threshold, task));
    }

    /**
     * Runs {@code task(0) … task(count − 1)}, in parallel from {@code threshold} tasks on, and
     * returns the failure of each index — null where the task succeeded — for a caller that
     * interleaves them with checks of its own.
     */
    public static RuntimeException[] attempt(int count, int threshold, IntConsumer task) {
        return run(count, threshold, task);
    }

    private static RuntimeException[] run(int count, int threshold, IntConsumer task) {
        RuntimeException[] failures = new RuntimeException[count];
        IntStream indices = IntStream.range(0, count);
        if (count >= threshold && count > 1) {
            indices = indices.parallel();
        }
        indices.forEach(i -> {
            try {
                task.accept(i);
            } catch (RuntimeException e) {
                failures[i] = e;
            }
        });
        return failures;
    }

    private static void throwFirst(RuntimeException[] failures) {
        Arrays.stream(failures).filter(f -> f != null).findFirst().ifPresent(f -> {
            throw f;
        });
    }
}
