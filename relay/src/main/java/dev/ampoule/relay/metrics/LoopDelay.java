package dev.ampoule.relay.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How late each of Vert.x's event loops runs a task due every {@link #PERIOD_MILLIS} ms — the
 * timer {@value RelayMetrics#LOOP_DELAY} — and how much CPU time its thread used — the counter
 * {@value RelayMetrics#LOOP_CPU} — both tagged with the loop's thread name. A loop that is late
 * while its CPU counter rises at one second per second is busy: the relay asks more of it than it
 * can do. A loop that is late while its CPU counter barely moves waited for a processor (the
 * machine is short of cores) or was stopped with its process (a collection pause). The relay's
 * sockets, frames and Delivery Service all run on these loops, so their delay is added to every
 * message it forwards; the process CPU gauge cannot show one loop at its limit on a machine with
 * more cores.
 *
 * <p>Each loop runs a task that schedules its next run {@link #PERIOD_MILLIS} ms after it ran (a
 * fixed delay: a loop that was late does not then run the catch-up ticks a fixed rate would, each
 * of which would be counted as late again). The CPU time is the loop thread's own, read by the
 * task on that thread; on a JVM that cannot measure thread CPU time the counter stays at zero.
 * Netty's scheduler is used directly because a Vert.x timer runs on one context's loop, and this
 * must sample every loop. One per registry: the relay's verticles ({@code gatewayInstances} of them
 * in a cluster node) share it through {@link #acquire} and {@link #release}, the last one out
 * stopping it; {@link #stop} removes its meters.
 */
public final class LoopDelay {

    /** How often each loop is sampled: a stall of this length or more shows at least once. */
    static final long PERIOD_MILLIS = 20;

    private final MeterRegistry registry;
    private final Iterable<EventExecutor> loops;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final List<Sampler> samplers = new ArrayList<>();
    private final List<Meter> meters = new ArrayList<>();
    private volatile boolean stopped;
    /** The verticles that acquired it (guarded by {@link #SHARED}). */
    private int users;

    private static final Map<MeterRegistry, LoopDelay> SHARED = new IdentityHashMap<>();

    public LoopDelay(MeterRegistry registry, Iterable<EventExecutor> loops) {
        this.registry = registry;
        this.loops = loops;
    }

    /** The registry's sampler of {@code loops}, started by the first caller; each caller {@link #release}s it once. */
    public static LoopDelay acquire(MeterRegistry registry, Iterable<EventExecutor> loops) {
        synchronized (SHARED) {
            LoopDelay d = SHARED.get(registry);
            if (d == null) {
                d = new LoopDelay(registry, loops);
                d.start();
                SHARED.put(registry, d);
            }
            d.users++;
            return d;
        }
    }

    /** One caller of {@link #acquire} is done with it: the last one stops it. */
    public void release() {
        synchronized (SHARED) {
            if (users == 0 || --users > 0) {
                return;
            }
            SHARED.remove(registry, this);
        }
        stop();
    }

    /** Starts sampling every loop. */
    public void start() {
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        for (EventExecutor loop : loops) {
            Sampler s = new Sampler(loop, cpu);
            samplers.add(s);
            loop.execute(s::first);
        }
    }

    /** Stops sampling and removes the meters. */
    public void stop() {
        stopped = true;
        for (Sampler s : samplers) {
            Future<?> next = s.next;
            if (next != null) {
                next.cancel(false);
            }
        }
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }

    /** Whether a tick is still due on some loop: none once {@link #stop} has taken effect. */
    boolean ticking() {
        for (Sampler s : samplers) {
            Future<?> next = s.next;
            if (next != null && !next.isDone()) {
                return true;
            }
        }
        return false;
    }

    /** One loop's sampling: all of it runs on that loop's thread, but for the counter's reads. */
    private final class Sampler {

        private final EventExecutor loop;
        private final boolean cpu;
        private Timer delay;
        private long due;
        private volatile long cpuNanos;
        private volatile Future<?> next;

        Sampler(EventExecutor loop, boolean cpu) {
            this.loop = loop;
            this.cpu = cpu;
        }

        /** On the loop: registers its meters under its thread's name, then starts the ticks. */
        void first() {
            if (stopped) {
                return;
            }
            String name = Thread.currentThread().getName();
            delay = Timer.builder(RelayMetrics.LOOP_DELAY).tag(RelayMetrics.TAG_LOOP, name)
                    .description("how much later than due an event loop ran a task due every "
                            + PERIOD_MILLIS + " ms")
                    // buckets from 1 ms to 10 s only: a few dozen series per loop instead of the default's
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
            FunctionCounter counter = FunctionCounter.builder(RelayMetrics.LOOP_CPU, this, s -> s.cpuNanos / 1e9)
                    .tag(RelayMetrics.TAG_LOOP, name).baseUnit("seconds")
                    .description("CPU time the event loop's thread used").register(registry);
            synchronized (meters) {
                if (stopped) {
                    registry.remove(delay);
                    registry.remove(counter);
                    return;
                }
                meters.add(delay);
                meters.add(counter);
            }
            sampleCpu();
            schedule();
        }

        private void schedule() {
            due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
            next = loop.schedule(this::tick, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void tick() {
            if (stopped) {
                return;
            }
            delay.record(Math.max(0, System.nanoTime() - due), TimeUnit.NANOSECONDS);
            sampleCpu();
            schedule();
        }

        private void sampleCpu() {
            if (cpu) {
                long t = threads.getCurrentThreadCpuTime();
                if (t >= 0) {
                    cpuNanos = t;
                }
            }
        }
    }
}
