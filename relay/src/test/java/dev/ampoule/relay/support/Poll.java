package dev.ampoule.relay.support;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waiting for a condition that nothing signals: checked every few milliseconds, up to a limit. */
public final class Poll {

    private static final long INTERVAL_MILLIS = 10;

    private Poll() {
    }

    /**
     * Returns once {@code condition} holds, with how long that took; an {@link AssertionError}
     * naming {@code what} if it still does not after {@code limit}.
     */
    public static Duration until(String what, Duration limit, BooleanSupplier condition) {
        long t0 = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - t0 > limit.toNanos()) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }
}
