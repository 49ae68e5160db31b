package dev.ampoule.relay.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.Poll;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoopDelayTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final long STALL_MILLIS = 300;

    private Vertx vertx;
    private SimpleMeterRegistry registry;
    private LoopDelay delay;

    @BeforeEach
    void start() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        registry = new SimpleMeterRegistry();
        delay = new LoopDelay(registry, ((VertxInternal) vertx).eventLoopGroup());
        delay.start();
        Poll.until("a delay timer and a CPU counter for each of the two loops", LIMIT,
                () -> registry.find(RelayMetrics.LOOP_DELAY).timers().size() == 2
                        && registry.find(RelayMetrics.LOOP_CPU).functionCounters().size() == 2);
    }

    @AfterEach
    void stop() throws Exception {
        delay.stop();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @Test
    void aBusyLoopIsLateAndItsThreadUsesTheCpu() throws Exception {
        Context context = vertx.getOrCreateContext();
        String loop = onLoop(context, () -> {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
            while (System.nanoTime() < end) {
                Thread.onSpinWait(); // a handler that computes for 300 ms
            }
        });
        Timer late = registry.find(RelayMetrics.LOOP_DELAY).tag(RelayMetrics.TAG_LOOP, loop).timer();
        Poll.until("the busy loop's delay recorded", LIMIT, () -> late.max(TimeUnit.MILLISECONDS) >= STALL_MILLIS - 50);
        if (ManagementFactory.getThreadMXBean().isCurrentThreadCpuTimeSupported()) {
            FunctionCounter cpu = registry.find(RelayMetrics.LOOP_CPU).tag(RelayMetrics.TAG_LOOP, loop).functionCounter();
            Poll.until("the busy loop's CPU time counted", LIMIT, () -> cpu.count() >= (STALL_MILLIS - 50) / 1000.0);
        }
    }

    @Test
    void aLoopStoppedWithoutWorkingIsLateWithoutCpuTime() throws Exception {
        Context context = vertx.getOrCreateContext();
        String loop = onLoop(context, () -> { });
        FunctionCounter cpu = registry.find(RelayMetrics.LOOP_CPU).tag(RelayMetrics.TAG_LOOP, loop).functionCounter();
        Timer late = registry.find(RelayMetrics.LOOP_DELAY).tag(RelayMetrics.TAG_LOOP, loop).timer();
        Poll.until("a first tick on the loop", LIMIT, () -> late.count() > 0);
        double before = cpu.count();
        onLoop(context, () -> {
            try {
                Thread.sleep(STALL_MILLIS); // the loop does not run, as when it waits for a core
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Poll.until("the stopped loop's delay recorded", LIMIT, () -> late.max(TimeUnit.MILLISECONDS) >= STALL_MILLIS - 50);
        double used = cpu.count() - before;
        assertTrue(used < (STALL_MILLIS / 2) / 1000.0, "CPU seconds while the loop slept: " + used);
    }

    @Test
    void stoppingRemovesTheMetersAndEndsTheTicks() throws Exception {
        Context context = vertx.getOrCreateContext();
        String loop = onLoop(context, () -> { });
        Timer late = registry.find(RelayMetrics.LOOP_DELAY).tag(RelayMetrics.TAG_LOOP, loop).timer();
        Poll.until("ticks on the loop", LIMIT, () -> late.count() >= 3);
        delay.stop();
        assertEquals(0, registry.find(RelayMetrics.LOOP_DELAY).timers().size());
        assertEquals(0, registry.find(RelayMetrics.LOOP_CPU).functionCounters().size());
        long count = late.count();
        // a tick already running may still record once and schedule one more, which then stops
        Poll.until("no tick due on any loop", LIMIT, () -> !delay.ticking());
        assertTrue(late.count() <= count + 1, "ticks after stop: " + (late.count() - count));
    }

    @Test
    void theRelaysVerticlesShareOneSamplerAndTheLastOutStopsIt() {
        SimpleMeterRegistry shared = new SimpleMeterRegistry();
        LoopDelay first = LoopDelay.acquire(shared, ((VertxInternal) vertx).eventLoopGroup());
        LoopDelay second = LoopDelay.acquire(shared, ((VertxInternal) vertx).eventLoopGroup());
        assertSame(first, second, "one sampler per registry");
        Poll.until("its meters for the two loops", LIMIT, () -> shared.find(RelayMetrics.LOOP_DELAY).timers().size() == 2);
        first.release();
        assertEquals(2, shared.find(RelayMetrics.LOOP_DELAY).timers().size(), "still sampled for the other verticle");
        second.release();
        assertEquals(0, shared.find(RelayMetrics.LOOP_DELAY).timers().size());
        assertEquals(0, shared.find(RelayMetrics.LOOP_CPU).functionCounters().size());
        LoopDelay again = LoopDelay.acquire(shared, ((VertxInternal) vertx).eventLoopGroup());
        assertNotSame(first, again, "a relay started afterwards gets a sampler of its own");
        again.release();
    }

    /** Runs {@code work} on the context's loop and returns that loop's thread name once it has run. */
    private static String onLoop(Context context, Runnable work) throws Exception {
        CompletableFuture<String> name = new CompletableFuture<>();
        context.runOnContext(v -> {
            work.run();
            name.complete(Thread.currentThread().getName());
        });
        return name.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
    }
}
