package dev.ampoule.relay.ds;

import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.StoreException;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The journal of one relay: appends to its {@link Store}, timed in the store latency metric. The
 * relay is the only writer: the numbers its sequencers and mailboxes assigned are the ones stored.
 * Event-loop confined.
 */
final class StoreJournal implements Journal {

    private final Store store;
    private final RelayMetrics metrics;

    StoreJournal(Store store, RelayMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /**
     * Appends a record; completes once it is durable. A store that cannot write answers
     * {@code UNAVAILABLE} with a retry hint: nothing of the record is visible (the store's failure
     * contract), so the client sends it again.
     */
    @Override
    public Future<Void> append(StoreRecord record) {
        long t0 = System.nanoTime();
        return store.append(record)
                .andThen(ar -> metrics.storeLatency("append", Duration.ofNanos(System.nanoTime() - t0)))
                .recover(e -> Future.failedFuture(e instanceof StoreException se && !se.conflict()
                        ? new RelayException(ErrorCode.UNAVAILABLE, "the relay cannot store now; retry", RETRY_MILLIS)
                        : e));
    }

    @Override
    public Future<Long> message(GroupState g, StoreRecord.MessageAccepted record) {
        return append(record).map(v -> record.message().seq());
    }

    @Override
    public Future<Long> created(StoreRecord.GroupCreated record, Set<DeviceId> devices) {
        return append(record).map(0L);
    }

    @Override
    public Future<StoreRecord.CommitAccepted> commit(GroupState g, StoreRecord.CommitAccepted record,
            Set<DeviceId> devicesAfter) {
        return append(record).map(v -> record);
    }

    @Override
    public Future<Long> cutOff(GroupState g, Set<DeviceId> devices, long until, long now) {
        List<Future<Void>> writes = new ArrayList<>();
        for (DeviceId d : devices) {
            writes.add(append(new StoreRecord.Departed(g.id, d, until, 0, now)));
        }
        return Future.all(writes).map(until);
    }
}
