package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The relay's durable state, behind an asynchronous API so that an embedded file store and a
 * database (PostgreSQL, for a cluster) fit the same Delivery Service. The state is a sequence of
 * {@link StoreRecord}s; group messages can be read back by group and sequence number.
 *
 * <p>All methods are called from the relay's event loop; futures complete on it. Implementations
 * never block the caller.
 */
public interface Store {

    /**
     * Recovers: replays every durable record, in append order, into {@code replay} (called on the
     * caller's context; replayed application messages carry empty bytes — read them with
     * {@link #read}), then accepts appends.
     */
    Future<Void> open(Consumer<StoreRecord> replay);

    /**
     * Appends a record; the future completes once it is durable (fsync'd).
     *
     * <p>The failure contract: a failed append leaves nothing visible — the record is not read
     * back, not indexed, and not replayed after a restart. Appends become durable in the order
     * they were submitted, without holes: when an append fails, every append submitted before
     * its failure was reported and not yet durable fails too. (The Delivery Service relies on
     * this to give a failed message's sequence number to the next one.) A store that failed may
     * accept appends again later ({@link #available()}).
     */
    Future<Void> append(StoreRecord record);

    /**
     * Whether appends are expected to succeed: false after a failed write until the store has
     * found it can write again (it tries by itself). For readiness probes.
     */
    default boolean available() {
        return true;
    }

    /**
     * After a failure: checks whether the store can write again (without appending a record) and,
     * if it can, makes {@link #available()} true. The Delivery Service calls it periodically while
     * the store is unavailable, so the store recovers with no traffic.
     */
    default Future<Void> probe() {
        return Future.succeededFuture();
    }

    /**
     * Up to {@code max} retained messages of a group with sequence numbers {@code >= fromSeq}, in
     * order, starting at the first retained one at or after {@code fromSeq}.
     */
    Future<List<GroupMessage>> read(Bytes groupId, long fromSeq, int max);

    /** The first retained sequence number of a group (its next one if none is retained). */
    long firstRetained(Bytes groupId);

    /** Drops a group's messages before {@code seq} (every recipient acknowledged them). */
    void dropBefore(Bytes groupId, long seq);

    /** Drops messages accepted before {@code cutoffMillis} (the TTL); returns how many. */
    int expireBefore(long cutoffMillis);

    /** Drops one group's messages accepted before {@code cutoffMillis} (a care team's retention); returns how many. */
    int expireBefore(Bytes groupId, long cutoffMillis);

    /**
     * Rewrites the store to hold only the live state: the records {@code liveState} gives (every
     * non-message record the current state needs; called on the caller's context at a moment when
     * no append is in flight) plus the retained messages. Appends made meanwhile follow it in the log:
     * they wait for it (PostgreSQL) or are written beside it (the file store). One compaction runs at a
     * time: one requested meanwhile runs after it (the file store) or completes with false (PostgreSQL).
     * Completes with whether it compacted (false when there was nothing worth reclaiming).
     */
    Future<Boolean> compact(Supplier<List<StoreRecord>> liveState);

    /** Bytes on disk (0 if unknown), for metrics and compaction decisions. */
    long diskBytes();

    /** Flushes and closes. */
    Future<Void> close();
}
