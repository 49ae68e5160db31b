package dev.ampoule.mls.vectors;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Counts, per vector file and cipher suite, how many cases passed, were skipped or failed, and
 * prints the table when the test class ends. A test names its case with {@link #current(String,
 * int)} as its first statement; the watcher files the outcome under that name.
 *
 * <p>Use with {@code @ExtendWith(VectorTally.class)}.
 */
public final class VectorTally implements TestWatcher, AfterAllCallback {

    /** Suite value for files that are not per suite (tree-math, deserialization). */
    public static final int NO_SUITE = 0;

    private static final ThreadLocal<String[]> CURRENT = new ThreadLocal<>();
    private static final Map<String, int[]> COUNTS = new ConcurrentHashMap<>();

    /** Declares the file and suite of the running case. */
    public static void current(String file, int suite) {
        CURRENT.set(new String[] {file, suite == NO_SUITE ? "-" : Integer.toString(suite)});
    }

    private static void count(int column) {
        String[] c = CURRENT.get();
        if (c == null) {
            return;
        }
        CURRENT.remove();
        COUNTS.computeIfAbsent(c[0] + "\u0000" + c[1], k -> new int[3])[column]++;
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        count(0);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        count(1);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        count(2);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        CURRENT.remove();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Map<String, int[]> sorted = new TreeMap<>(COUNTS);
        StringBuilder out = new StringBuilder();
        sorted.forEach((key, n) -> {
            String[] parts = key.split("\u0000");
            out.append(String.format("[vectors] %-36s suite %-2s passed %4d  skipped %3d  failed %3d%n",
                    parts[0], parts[1], n[0], n[1], n[2]));
            COUNTS.remove(key);
        });
        System.out.print(out);
    }
}
