package dev.ampoule.relay.ds;

import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.StoreException;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * Where the Delivery Service's duties make their changes durable: appends to the {@link Store},
 * timed in the store latency metric. Event-loop confined.
 */
final class Journal {

    /** The retry hint of {@code UNAVAILABLE} while the store cannot write. */
    static final long RETRY_MILLIS = 1_000;

    private final Store store;
    private final RelayMetrics metrics;

    Journal(Store store, RelayMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /**
     * Appends a record; completes once it is durable. A store that cannot write answers
     * {@code UNAVAILABLE} with a retry hint: nothing of the record is visible (the store's failure
     * contract), so the client sends it again.
     */
    Future<Void> append(StoreRecord record) {
        long t0 = System.nanoTime();
        return store.append(record)
                .andThen(ar -> metrics.storeLatency("append", Duration.ofNanos(System.nanoTime() - t0)))
                .recover(e -> Future.failedFuture(e instanceof StoreException se && !se.conflict()
                        ? new RelayException(ErrorCode.UNAVAILABLE, "the relay cannot store now; retry", RETRY_MILLIS)
                        : e));
    }

    /** Whether the store expects its appends to succeed. */
    boolean available() {
        return store.available();
    }
}
