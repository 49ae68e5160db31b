package dev.ampoule.relay.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Future;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The {@link Store} side of a cluster's relay: reading messages and retention, over the groups a
 * cluster shares in PostgreSQL ({@link PgGroups}). Nothing is replayed at start — a cluster's relay
 * reads groups and devices when it needs them — and nothing is appended through it: the Delivery
 * Service's cluster journal writes. Retention deletes in the database (every node may: deleting what
 * every recipient acknowledged, or what outlived the TTL, is the same whoever does it); there is no
 * log to compact.
 *
 * <p>Confined to the context that created it.
 */
public final class PgClusterStore implements Store {

    private static final Logger LOG = LoggerFactory.getLogger(PgClusterStore.class);

    private final PgGroups groups;
    /** The first retained sequence number of groups, as far as this relay knows (a lower one is safe). */
    private final Map<Bytes, Long> firstRetained = new HashMap<>();
    /** The queries of messages running now, by what they ask for. */
    private final Map<Read, Future<List<GroupMessage>>> reads = new HashMap<>();

    public PgClusterStore(PgGroups groups) {
        this.groups = groups;
    }

    public PgGroups groups() {
        return groups;
    }

    @Override
    public Future<Void> open(Consumer<StoreRecord> replay) {
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> append(StoreRecord record) {
        return Future.failedFuture(new StoreException("a cluster's relay writes through its journal", null));
    }

    /**
     * Messages of a group from {@code fromSeq}. The receivers of a group on this relay are woken
     * together and ask for the same messages in the same turn: one query answers all the reads of
     * the same messages asked while it runs (each receiver gets the same unmodifiable list), instead
     * of one query per receiver. A read that joins a running query sees what that query sees; a
     * receiver owed more (it knows the group's end) reads again once it has these.
     */
    @Override
    public Future<List<GroupMessage>> read(Bytes groupId, long fromSeq, int max) {
        Read key = new Read(groupId, fromSeq, max);
        Future<List<GroupMessage>> running = reads.get(key);
        if (running != null) {
            return running;
        }
        Future<List<GroupMessage>> read = groups.read(groupId, fromSeq, max).map(Collections::unmodifiableList);
        reads.put(key, read);
        read.onComplete(ar -> reads.remove(key));
        return read;
    }

    /** The messages a read asks for. */
    private record Read(Bytes groupId, long fromSeq, int max) {
    }

    @Override
    public long firstRetained(Bytes groupId) {
        return firstRetained.getOrDefault(groupId, 1L);
    }

    @Override
    public void dropBefore(Bytes groupId, long seq) {
        if (seq <= firstRetained(groupId)) {
            return;
        }
        firstRetained.put(groupId, seq);
        groups.dropBefore(groupId, seq).onFailure(e -> LOG.warn("dropping acknowledged messages failed: {}",
                e.getMessage()));
    }

    @Override
    public int expireBefore(long cutoffMillis) {
        groups.expireBefore(Optional.empty(), cutoffMillis).onFailure(e -> LOG.warn("expiring messages failed: {}",
                e.getMessage()));
        return 0;
    }

    @Override
    public int expireBefore(Bytes groupId, long cutoffMillis) {
        groups.expireBefore(Optional.of(groupId), cutoffMillis).onFailure(e -> LOG.warn(
                "expiring a team's messages failed: {}", e.getMessage()));
        return 0;
    }

    @Override
    public Future<Boolean> compact(Supplier<List<StoreRecord>> liveState) {
        return Future.succeededFuture(false);
    }

    @Override
    public long diskBytes() {
        return 0;
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }
}
