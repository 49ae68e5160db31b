package dev.ampoule.mls.interop;

import dev.ampoule.mls.crypto.CipherSuiteId;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Counts, per cipher suite, the interop scenarios that passed, were skipped (with the reason) or
 * failed, and prints the table when the test run ends (lines starting {@code [interop]}). Each
 * test names its suite and scenario first, with {@link #scenario}.
 */
final class InteropTally implements TestWatcher {

    private static final ThreadLocal<String[]> CURRENT = new ThreadLocal<>();
    private static final Map<Integer, int[]> COUNTS = new TreeMap<>();
    private static final Map<String, String> SKIPS = new TreeMap<>();
    private static volatile String tsMlsVersion = "?";

    /** Names the running test's suite and scenario; call first in every interop test. */
    static void scenario(int suite, String name) {
        CURRENT.set(new String[] {Integer.toString(suite), name});
    }

    static void tsMlsVersion(String version) {
        tsMlsVersion = version;
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, 0, null);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        record(context, 1, cause == null ? "aborted" : cause.getMessage());
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        record(context, 2, null);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        // Nothing is disabled in this suite.
    }

    private static void record(ExtensionContext context, int outcome, String reason) {
        String[] current = CURRENT.get();
        CURRENT.remove();
        if (current == null) {
            return;
        }
        int suite = Integer.parseInt(current[0]);
        synchronized (COUNTS) {
            if (COUNTS.isEmpty()) {
                context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(InteropTally.class, new Summary());
            }
            COUNTS.computeIfAbsent(suite, s -> new int[3])[outcome]++;
            if (reason != null) {
                SKIPS.put(String.format("suite 0x%04x %s", suite, current[1]), reason);
            }
        }
    }

    /** Prints the table when the run's root context closes. */
    private static final class Summary implements AutoCloseable {
        @Override
        public void close() {
            print();
        }
    }

    private static void print() {
        synchronized (COUNTS) {
            System.out.println("[interop] group-protocol with ts-mls " + tsMlsVersion
                    + ": scenarios per cipher suite");
            COUNTS.forEach((suite, c) -> System.out.printf(
                    "[interop] suite 0x%04x %-52s %3d passed %3d skipped %3d failed%n", suite,
                    CipherSuiteId.fromWire(suite).map(Enum::name).orElse("?"), c[0], c[1], c[2]));
            SKIPS.forEach((what, why) -> System.out.println("[interop] skipped " + what + ": " + why));
        }
    }
}
