package dev.ampoule.relay.support;

import static dev.ampoule.relay.support.RelayHarness.await;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/**
 * Runs asynchronous operations of a context-confined component (a store, a roster) on one Vert.x
 * context from a test thread, and waits for their outcome, so that tests read top to bottom.
 */
public final class OnContext {

    private final Context context;

    public OnContext(Vertx vertx) {
        this.context = vertx.getOrCreateContext();
    }

    /** Runs {@code op} on the context; its result, or an {@link AssertionError} if it failed or timed out. */
    public <T> T run(Supplier<Future<T>> op) {
        Promise<T> done = Promise.promise();
        context.runOnContext(v -> op.get().onComplete(done));
        return await(done.future());
    }

    /** Runs {@code op} on the context, expecting it to fail: the failure (null if it succeeded). */
    public <T> Throwable failure(Supplier<Future<T>> op) {
        return run(() -> op.get().map(v -> (Throwable) null).recover(Future::succeededFuture));
    }
}
