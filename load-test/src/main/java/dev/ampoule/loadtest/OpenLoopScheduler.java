package dev.ampoule.loadtest;

import java.util.concurrent.locks.LockSupport;

/**
 * Sends at a fixed rate whatever the relay does: message {@code k} is handed to its sender's event
 * loop as soon as {@code start + k / rate} has passed. A late relay makes messages queue — their
 * latency still counts from the intended time — never slows the schedule down (no coordinated
 * omission). One thread; it sleeps in short parks between due times.
 */
final class OpenLoopScheduler implements Runnable {

    private static final long MAX_PARK_NANOS = 200_000;

    private final Population population;
    private final LoadContext run;
    private final long total;
    private volatile boolean stopped;
    private volatile long dispatched;

    OpenLoopScheduler(Population population, LoadContext run) {
        this.population = population;
        this.run = run;
        this.total = run.workload.totalMessages();
    }

    @Override
    public void run() {
        long k = 0;
        while (k < total && !stopped) {
            long now = System.nanoTime();
            long due = run.intendedNanos(k);
            if (now < due) {
                LockSupport.parkNanos(Math.min(MAX_PARK_NANOS, due - now));
                continue;
            }
            while (k < total && run.intendedNanos(k) <= now) {
                population.sender(k).dispatch(k);
                k++;
            }
            dispatched = k;
        }
        dispatched = k;
    }

    /** Messages handed to their senders so far. */
    long dispatched() {
        return dispatched;
    }

    void stop() {
        stopped = true;
    }
}
