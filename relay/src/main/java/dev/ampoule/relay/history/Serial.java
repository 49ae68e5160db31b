package dev.ampoule.relay.history;

import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * The order of a shared log's owner ({@link HistoryRights}, {@link RecordShares}): changes run one at
 * a time, in call order, each after reading what other writers logged ({@code catchUp}), so that
 * its checks see the latest state. Event-loop confined.
 */
final class Serial {

    private final Supplier<Future<Void>> catchUp;
    private Future<Void> tail = Future.succeededFuture();

    Serial(Supplier<Future<Void>> catchUp) {
        this.catchUp = catchUp;
    }

    /** Runs {@code change} after the ones under way and a catch-up. */
    <T> Future<T> run(Supplier<Future<T>> change) {
        Future<T> result = tail.transform(ar -> catchUp.get().compose(v -> change.get()));
        tail = result.transform(ar -> Future.succeededFuture());
        return result;
    }
}
