package dev.ampoule.relay.loop;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Handing work to the owner's loop: at once on it, in order from another loop, results back on it. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopTest {

    private Vertx vertx;
    private Context ownerLoop;
    private Context otherLoop;
    private Loop owner;
    private Thread ownerThread;

    @BeforeEach
    void loops() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
        VertxInternal internal = (VertxInternal) vertx;
        List<io.netty.channel.EventLoop> loops = new ArrayList<>();
        internal.eventLoopGroup().forEach(e -> loops.add((io.netty.channel.EventLoop) e));
        ownerLoop = internal.contextBuilder().withEventLoop(loops.get(0)).build();
        otherLoop = internal.contextBuilder().withEventLoop(loops.get(1)).build();
        owner = on(ownerLoop, Loop::current);
        ownerThread = onThread(ownerLoop);
    }

    @AfterEach
    void close() {
        await(vertx.close());
    }

    private static Thread onThread(Context context) {
        return on(context, Thread::currentThread);
    }

    private static <T> T on(Context context, java.util.function.Supplier<T> what) {
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> {
            try {
                p.complete(what.get());
            } catch (RuntimeException e) {
                p.fail(e);
            }
        });
        return await(p.future());
    }

    @Test
    void onlyAnEventLoopOwns() {
        assertThrows(IllegalStateException.class, Loop::current, "a test thread is no event loop");
        Object onWorker = await(vertx.executeBlocking(() -> {
            try {
                return Loop.current();
            } catch (IllegalStateException e) {
                return e;
            }
        }));
        assertInstanceOf(IllegalStateException.class, onWorker, "a worker thread is no event loop");
    }

    @Test
    void onTheOwnerItRunsAtOnce() {
        List<String> order = on(ownerLoop, () -> {
            List<String> seen = new ArrayList<>();
            owner.run(() -> seen.add("handed over"));
            owner.handler((String s) -> seen.add(s)).handle("event");
            seen.add("after");
            return seen;
        });
        assertEquals(List.of("handed over", "event", "after"), order);
    }

    @Test
    void fromAnotherLoopItIsQueuedInOrderAndRunsOnTheOwner() {
        List<Integer> seen = new ArrayList<>(); // touched on the owner only
        List<Thread> threads = new ArrayList<>();
        Promise<Void> done = Promise.promise();
        otherLoop.runOnContext(v -> {
            assertNotSame(ownerThread, Thread.currentThread());
            var handler = owner.<Integer>handler(i -> {
                seen.add(i);
                threads.add(Thread.currentThread());
            });
            for (int i = 0; i < 1_000; i++) {
                handler.handle(i);
                if (i % 100 == 0) {
                    int marker = -i;
                    owner.run(() -> seen.add(marker));
                }
            }
            owner.run(() -> done.complete());
        });
        await(done.future());
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            expected.add(i);
            if (i % 100 == 0) {
                expected.add(-i);
            }
        }
        assertEquals(expected, seen, "in the order handed over");
        assertTrue(threads.stream().allMatch(t -> t == ownerThread), "every event ran on the owner");
    }

    @Test
    void callAndBackCompleteOnTheOwner() {
        Promise<Thread> continuedOn = Promise.promise();
        Promise<Thread> calledOn = Promise.promise();
        otherLoop.runOnContext(v -> owner.call(() -> {
            calledOn.complete(Thread.currentThread());
            return Future.succeededFuture("x");
        }));
        assertSame(ownerThread, await(calledOn.future()));
        // a future completed on another loop, its continuation on the owner
        Promise<String> elsewhere = Promise.promise();
        ownerLoop.runOnContext(v -> owner.back(elsewhere.future())
                .onComplete(ar -> continuedOn.complete(Thread.currentThread())));
        otherLoop.runOnContext(v -> elsewhere.complete("done"));
        assertSame(ownerThread, await(continuedOn.future()));
        // a call that throws fails its future instead of escaping
        Promise<Throwable> failed = Promise.promise();
        otherLoop.runOnContext(v -> owner.call(() -> {
            throw new IllegalArgumentException("refused");
        }).onFailure(failed::complete));
        assertEquals("refused", await(failed.future()).getMessage());
    }
}
