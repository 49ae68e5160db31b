package dev.ampoule.loadtest;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Once a second from the start of the schedule: takes the second's latencies and counts, keeps
 * them as a point of the time series, adds them to the totals once the warm-up is over, and prints
 * a progress line. Also notes the counters at the start and the end of the measured window, from
 * which the measured rates come.
 */
final class Sampler implements Runnable {

    /**
     * One second of the run; {@code t} counts seconds from the start, warm-up included, and
     * {@code at} is the wall-clock time it was taken (ISO-8601, UTC), to line it up with a server's
     * log or GC log.
     */
    record Point(int t, String at, boolean measured, long sentPerSecond, long deliveredPerSecond, long errorsPerSecond,
            double p50Ms, double p90Ms, double p99Ms, double maxMs) {
    }

    private final String name;
    private final LoadContext run;
    private final long startNanos;
    private final int warmupSeconds;
    private final int endSeconds;
    private final LongSupplier pending;
    private final PrintStream out;
    private final List<Point> points = new ArrayList<>();
    private volatile boolean stopped;
    private long sentAtWarmupEnd = -1;
    private long deliveredAtWarmupEnd = -1;
    private long sentAtEnd = -1;
    private long deliveredAtEnd = -1;

    Sampler(String name, LoadContext run, long startNanos, LongSupplier pending, PrintStream out) {
        this.name = name;
        this.run = run;
        this.startNanos = startNanos;
        this.warmupSeconds = (int) run.workload.warmup().toSeconds();
        this.endSeconds = warmupSeconds + (int) run.workload.duration().toSeconds();
        this.pending = pending;
        this.out = out;
    }

    @Override
    public void run() {
        long sent = 0;
        long delivered = 0;
        long errors = 0;
        int t = 0;
        while (!stopped) {
            long tick = startNanos + (t + 1) * 1_000_000_000L;
            long now = System.nanoTime();
            if (now < tick) {
                LockSupport.parkNanos(Math.min(tick - now, 50_000_000L));
                continue;
            }
            t++;
            long s = run.stats.sent.sum();
            long d = run.stats.delivered.sum();
            long e = run.stats.errorCount();
            boolean measured = t > warmupSeconds;
            Histogram h = run.latency.interval(measured);
            Point p = new Point(t, Instant.now().toString(), measured && t <= endSeconds, s - sent, d - delivered, e - errors,
                    ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                    ms(h.getMaxValue()));
            run.latency.recycle(h);
            synchronized (this) {
                points.add(p);
                if (t == warmupSeconds) {
                    sentAtWarmupEnd = s;
                    deliveredAtWarmupEnd = d;
                }
                if (t == endSeconds) {
                    sentAtEnd = s;
                    deliveredAtEnd = d;
                }
            }
            out.printf(Locale.ROOT, "[%s] %4ds %s sent %6d/s delivered %7d/s  p50 %7.2f ms  p99 %7.2f ms  max %7.1f ms"
                    + "  errors %d  pending %d%n", name, t, t <= warmupSeconds ? "warm-up " : t <= endSeconds ? "measure " : "drain   ",
                    p.sentPerSecond(), p.deliveredPerSecond(), p.p50Ms(), p.p99Ms(), p.maxMs(), e, pending.getAsLong());
            sent = s;
            delivered = d;
            errors = e;
        }
    }

    static double ms(long micros) {
        return micros / 1000.0;
    }

    void stop() {
        stopped = true;
    }

    /** Waits (at most {@code timeoutMillis}) until the second {@code t} has been sampled. */
    void awaitSecond(int t, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (points.size() >= t) {
                    return;
                }
            }
            LockSupport.parkNanos(20_000_000L);
        }
    }

    int endSeconds() {
        return endSeconds;
    }

    synchronized List<Point> points() {
        return List.copyOf(points);
    }

    /** Messages sent per second in the measured window (NaN if the window was not reached). */
    synchronized double measuredSentRate() {
        return rate(sentAtWarmupEnd, sentAtEnd);
    }

    /** Deliveries per second in the measured window. */
    synchronized double measuredDeliveredRate() {
        return rate(deliveredAtWarmupEnd, deliveredAtEnd);
    }

    private double rate(long from, long to) {
        long f = warmupSeconds == 0 ? 0 : from;
        if (f < 0 || to < 0) {
            return Double.NaN;
        }
        return (double) (to - f) / (endSeconds - warmupSeconds);
    }
}
