package dev.ampoule.relay.ds;

import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledgements, retention and compaction (RFC 9750 §5.4): a device's acknowledgement moves its
 * cursor durably; a message every recipient acknowledged is dropped, and so is one older than the
 * TTL (or its care team's retention period); a departure older than the TTL is passed; the store
 * is compacted to a checkpoint of the {@link StateProjection} when its log has doubled.
 * Event-loop confined.
 */
final class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private final StateProjection state;
    private final DeliveryAccess access;
    private final Mailboxes mailboxes;
    private final Store store;
    private final Journal journal;
    private final Listeners listeners;
    private final RosterEnforcement enforcement;
    private final RelayConfig config;
    private final Clock clock;
    /** Groups whose cursors moved since the last sweep. */
    private final Set<Bytes> dirty = new LinkedHashSet<>();
    private long compactedSize;

    Retention(StateProjection state, DeliveryAccess access, Mailboxes mailboxes, Store store, Journal journal,
            Listeners listeners, RosterEnforcement enforcement, RelayConfig config, Clock clock) {
        this.state = state;
        this.access = access;
        this.mailboxes = mailboxes;
        this.store = store;
        this.journal = journal;
        this.listeners = listeners;
        this.enforcement = enforcement;
        this.config = config;
        this.clock = clock;
    }

    /** After recovery: every group is swept once, and the store's size is the compaction baseline. */
    void recovered() {
        state.groups().forEach(g -> dirty.add(g.id));
        sweep();
        compactedSize = store.diskBytes();
    }

    /** The group's cursors or members changed: the next sweep looks at it. */
    void dirty(Bytes groupId) {
        dirty.add(groupId);
    }

    // ---- acknowledgements ----------------------------------------------------------------------

    /** A device processed a group's messages up to {@code seq}. */
    Future<Long> ackGroup(DeviceId device, Bytes groupId, long seq) {
        GroupState g;
        try {
            g = state.require(groupId);
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        if (!g.receives(device)) {
            return Future.failedFuture(new RelayException(ErrorCode.FORBIDDEN, "not a member of the group"));
        }
        long upTo = Math.min(seq, DeliveryAccess.end(g, device) - 1);
        if (!mailboxes.advance(device, groupId, upTo)) {
            return Future.succeededFuture(mailboxes.cursor(device, groupId));
        }
        dirty.add(groupId);
        int departures = g.access.get(device).departures.size();
        access.settle(g, device);
        GroupState.Access after = g.access.get(device);
        if (after == null || after.departures.size() != departures) {
            listeners.device(device, l -> l.accessChanged(groupId)); // left the group, or passed a re-add gap
        }
        // the cursor as settled: after a re-add gap it is the re-adding commit
        long cursor = after == null ? upTo : mailboxes.cursor(device, groupId);
        return journal.append(new StoreRecord.CursorMoved(device, groupId, cursor)).map(v -> {
            enforcement.delivered(g, device, cursor);
            return cursor;
        });
    }

    /** A device processed its mailbox up to {@code seq}. */
    Future<Long> ackMailbox(DeviceId device, long seq) {
        long upTo = Math.min(seq, mailboxes.nextMailboxSeq(device) - 1);
        if (!mailboxes.ack(device, upTo)) {
            return Future.succeededFuture(mailboxes.mailboxAcked(device));
        }
        return journal.append(new StoreRecord.MailboxAcked(device, upTo)).map(v -> upTo);
    }

    // ---- retention -----------------------------------------------------------------------------

    /** Drops messages every recipient acknowledged, for groups whose cursors moved. */
    void sweep() {
        for (Bytes id : List.copyOf(dirty)) {
            GroupState g = state.find(id).orElse(null);
            if (g == null) {
                continue;
            }
            long floor = g.sequencer.durableEnd() - 1;
            for (DeviceId d : g.access.keySet()) {
                floor = Math.min(floor, mailboxes.cursor(d, id));
            }
            store.dropBefore(id, floor + 1);
        }
        dirty.clear();
    }

    /** Drops what outlived the TTL (or its team's retention), passes expired departures, compacts when worth it. */
    void expireAndCompact() {
        long now = clock.millis();
        long cutoff = now - config.messageTtl.toMillis();
        store.expireBefore(cutoff);
        // a care team's own retention period, when it has one, applies to its group
        for (GroupState g : state.groups()) {
            enforcement.retention(g.id).ifPresent(r -> store.expireBefore(g.id, now - r.toMillis()));
        }
        mailboxes.expireBefore(cutoff);
        for (GroupState g : state.groups()) {
            for (DeviceId d : List.copyOf(g.access.keySet())) {
                expireDeparture(g, d, cutoff);
            }
        }
        if (store.diskBytes() > 2 * compactedSize + config.segmentBytes) {
            compact().onFailure(e -> LOG.warn("store compaction failed", e));
        }
    }

    /**
     * A departure older than the TTL: what it owed has expired, so the device moves past it (to
     * the re-adding commit, or out of the group once it is out of the tree).
     */
    private void expireDeparture(GroupState g, DeviceId d, long cutoff) {
        GroupState.Access a = g.access.get(d);
        GroupState.Departure first = a.departures.peekFirst();
        if (first == null || first.timestampMillis() >= cutoff || mailboxes.cursor(d, g.id) >= first.untilSeq()) {
            return;
        }
        mailboxes.set(d, g.id, first.untilSeq());
        access.settle(g, d);
        dirty.add(g.id);
        long cursor = mailboxes.cursor(d, g.id);
        journal.append(new StoreRecord.CursorMoved(d, g.id, cursor));
        listeners.device(d, l -> l.accessChanged(g.id));
    }

    /** Rewrites the store as a checkpoint of the current state; completes with whether it compacted. */
    Future<Boolean> compact() {
        return store.compact(state::snapshot).andThen(ar -> compactedSize = store.diskBytes());
    }
}
