package dev.ampoule.relay.loop;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * The event loop that owns the relay's state (Delivery Service, roster, sessions, tickets), and the
 * way to it from the loops that only serve sockets ({@code connectionLoops}): code already on the
 * owner runs at once, code on another loop is queued to the owner, in the order it was handed over
 * (an event loop runs its tasks first in, first out). Whatever a socket loop receives reaches the
 * relay's state only through here; writing to a socket from the owner needs no hop, Vert.x queues
 * the write to the socket's own loop.
 */
public final class OwnerContext {

    private final Context context;
    private final Thread thread;

    private OwnerContext(Context context, Thread thread) {
        this.context = context;
        this.thread = thread;
    }

    /** The event-loop context the caller runs on. */
    public static OwnerContext current() {
        Context context = Vertx.currentContext();
        if (context == null || !context.isEventLoopContext() || !Context.isOnEventLoopThread()) {
            throw new IllegalStateException("the owner of the relay's state must be an event loop");
        }
        return new OwnerContext(context, Thread.currentThread());
    }

    /** Whether the caller runs on the owner's loop (an event-loop context keeps its thread for life). */
    public boolean here() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the owner: now if the caller is on it, else queued behind what was handed over before. */
    public void run(Runnable task) {
        if (here()) {
            task.run();
        } else {
            context.runOnContext(v -> task.run());
        }
    }

    /** Runs {@code task} on the owner after what is queued there now, even if the caller is on it. */
    public void later(Runnable task) {
        context.runOnContext(v -> task.run());
    }

    /**
     * {@code call}'s future, the call made on the owner: for a continuation that may run on a
     * socket's loop (a write's completion) and goes on with the relay's state.
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

    /** {@code future}, its outcome handed to the owner: what is composed on the result runs there. */
    public <T> Future<T> back(Future<T> future) {
        Promise<T> done = Promise.promise();
        future.onComplete(ar -> run(() -> done.handle(ar)));
        return done.future();
    }

    /** {@code handler}, called on the owner whichever loop the event arrives on. */
    public <T> Handler<T> handler(Handler<T> handler) {
        return event -> {
            if (here()) {
                handler.handle(event);
            } else {
                context.runOnContext(v -> handler.handle(event));
            }
        };
    }
}
