package dev.ampoule.relay.support;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.StoreException;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A store that refuses appends on request, as a failing disk or database would, keeping the
 * {@link Store#append} contract: a refused append writes nothing. Everything else is the real
 * store's.
 */
public final class FailingStore implements Store {

    private final Store real;
    /** How many of the next appends are refused. */
    public final AtomicInteger failNext = new AtomicInteger();
    /** While set, every append is refused and the store says it is unavailable. */
    public volatile boolean down;
    public final AtomicInteger refused = new AtomicInteger();

    public FailingStore(Store real) {
        this.real = real;
    }

    @Override
    public Future<Void> open(Consumer<StoreRecord> replay) {
        return real.open(replay);
    }

    @Override
    public Future<Void> append(StoreRecord record) {
        if (down || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            refused.incrementAndGet();
            return Future.failedFuture(new StoreException("injected write failure", null));
        }
        return real.append(record);
    }

    @Override
    public boolean available() {
        return !down && real.available();
    }

    @Override
    public Future<List<GroupMessage>> read(Bytes groupId, long fromSeq, int max) {
        return real.read(groupId, fromSeq, max);
    }

    @Override
    public long firstRetained(Bytes groupId) {
        return real.firstRetained(groupId);
    }

    @Override
    public void dropBefore(Bytes groupId, long seq) {
        real.dropBefore(groupId, seq);
    }

    @Override
    public int expireBefore(long cutoffMillis) {
        return real.expireBefore(cutoffMillis);
    }

    @Override
    public int expireBefore(Bytes groupId, long cutoffMillis) {
        return real.expireBefore(groupId, cutoffMillis);
    }

    @Override
    public Future<Boolean> compact(Supplier<List<StoreRecord>> liveState) {
        return real.compact(liveState);
    }

    @Override
    public long diskBytes() {
        return real.diskBytes();
    }

    @Override
    public Future<Void> close() {
        return real.close();
    }
}
