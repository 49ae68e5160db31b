package dev.ampoule.relay.ds;

import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.util.Set;

/**
 * Where the Delivery Service's duties make their changes durable. Each future completes once the
 * change is durable; what was made durable is what the caller applies to its state afterwards.
 * <ul>
 *   <li>{@link StoreJournal}: one relay, appends to its {@link Store}; the numbers the caller
 *       assigned are kept.</li>
 *   <li>{@link ClusterJournal}: a cluster, the shared database; the database numbers each group's
 *       messages and mailboxes, and refuses a write made on a stale view of the group
 *       ({@code StoreException} with reason {@code STALE} or {@code EPOCH_TAKEN}: read it again).</li>
 * </ul>
 * Event-loop confined.
 */
interface Journal {

    /** The retry hint of {@code UNAVAILABLE} while the store cannot write. */
    long RETRY_MILLIS = 1_000;

    /** The store-backed journal of one relay. */
    static Journal of(Store store, RelayMetrics metrics) {
        return new StoreJournal(store, metrics);
    }

    /** A change of a device's or user's state (cursor, mailbox, KeyPackages, signature keys, erasure). */
    Future<Void> append(StoreRecord record);

    /** A group's new application message or proposal; completes with its sequence number as stored. */
    Future<Long> message(GroupState g, StoreRecord.MessageAccepted record);

    /** A new group and its first devices; completes with its version ({@code GROUP_EXISTS} when the id is taken). */
    Future<Long> created(StoreRecord.GroupCreated record, Set<DeviceId> devices);

    /**
     * An accepted Commit taking the group to {@code devicesAfter}; completes with the record as
     * stored (its sequence number and the joiners' mailbox slots).
     */
    Future<StoreRecord.CommitAccepted> commit(GroupState g, StoreRecord.CommitAccepted record, Set<DeviceId> devicesAfter);

    /**
     * Devices cut off the group after {@code until} (the last durable message as the caller sees
     * it); completes with the last message they receive as stored.
     */
    Future<Long> cutOff(GroupState g, Set<DeviceId> devices, long until, long now);
}
