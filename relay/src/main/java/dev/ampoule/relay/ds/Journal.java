package dev.ampoule.relay.ds;

import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * Where the Delivery Service's duties make their changes durable: appends to the {@link Store},
 * timed in the store latency metric. Event-loop confined.
 */
final class Journal {

    private final Store store;
    private final RelayMetrics metrics;

    Journal(Store store, RelayMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** Appends a record; completes once it is durable. */
    Future<Void> append(StoreRecord record) {
        long t0 = System.nanoTime();
        return store.append(record).andThen(ar -> metrics.storeLatency("append", Duration.ofNanos(System.nanoTime() - t0)));
    }
}
