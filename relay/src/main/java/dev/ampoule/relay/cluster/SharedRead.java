package dev.ampoule.relay.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * A read of what other relay instances wrote, shared by the callers who need it at once: each caller
 * gets a read that starts after it asked — the one running if none is, else the single one queued
 * behind it — so that many requests cost at most two reads in flight, and none is answered by a
 * read that began before it arrived. Confined to one context.
 */
public final class SharedRead {

    private final Supplier<Future<Void>> read;
    private Future<Void> running;
    private Promise<Void> queued;

    public SharedRead(Supplier<Future<Void>> read) {
        this.read = read;
    }

    /** A read that starts after this call. */
    public Future<Void> get() {
        if (running == null) {
            return launch();
        }
        if (queued == null) {
            queued = Promise.promise();
        }
        return queued.future();
    }

    private Future<Void> launch() {
        Future<Void> f;
        try {
            f = read.get();
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        running = f;
        f.onComplete(ar -> {
            running = null;
            Promise<Void> next = queued;
            queued = null;
            if (next != null) {
                launch().onComplete(next);
            }
        });
        return f;
    }
}
