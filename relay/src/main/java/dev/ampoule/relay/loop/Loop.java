package dev.ampoule.relay.loop;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * An event loop and the way to it from other loops: code already on it runs at once, code on
 * another loop is queued to it, in the order it was handed over (an event loop runs its tasks first
 * in, first out). The relay's state (Delivery Service, roster, sessions, tickets) is confined to one
 * loop, its owner; the loops that only serve sockets ({@code connectionLoops}) hand what they
 * receive to the owner through here, and the owner hands a socket's upgrade or refusal back to the
 * socket's loop the same way. Writing to a socket from the owner needs no hand-over: Vert.x queues
 * the write to the socket's own loop.
 */
public final class Loop {

    private final Context context;
    private final Thread thread;

    private Loop(Context context, Thread thread) {
        this.context = context;
        this.thread = thread;
    }

    /** The event-loop context the caller runs on. */
    public static Loop current() {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext() || !Context.isOnEventLoopThread()) {
            throw new IllegalStateException("not on an event loop");
        }
        return new Loop(context, Thread.currentThread());
    }

    /** Whether the caller runs on this loop (an event-loop context keeps its thread for life). */
    public boolean here() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on this loop: now if the caller is on it, else queued behind what was handed over before. */
    public void run(Runnable task) {
        if (here()) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    /** Runs {@code task} on this loop after what is queued there now, even if the caller is on it. */
    public void later(Runnable task) {
        context.runOnContext(v -> task.run());
    }

    /**
     * {@code call}'s future, the call made on this loop: for a continuation that may run on another
     * loop (a write's completion on a socket's loop) and goes on with this loop's state.
     */
    public <T> Future<T> call(Supplier<Future<T>> call) {
        if (here()) {
            return call.get();
        }
        Promise<T> done = Promise.promise();
        context.runOnContext(v -> {
            try {
                call.get().onComplete(done);
            } catch (RuntimeException e) {
                done.fail(e);
            }
        });
        return done.future();
    }

    /** {@code future}, its outcome handed to this loop: what is composed on the result runs there. */
    public <T> Future<T> back(Future<T> future) {
        Promise<T> done = Promise.promise();
        future.onComplete(ar -> run(() -> done.handle(ar)));
        return done.future();
    }

    /** {@code handler}, called on this loop whichever loop the event arrives on. */
    public <T> Handler<T> handler(Handler<T> handler) {
        return event -> run(() -> handler.handle(event));
    }
}
