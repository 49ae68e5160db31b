package dev.ampoule.relay.ds;

import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.Store;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a device may read, and from where (RFC 9750 §5.4): the groups it receives, the range of
 * each it is owed (after its cursor, within its membership — {@link DeliveryAccess}), the messages
 * themselves from the store, its mailbox of Welcomes, Resume checks and the latest GroupInfo.
 * Changes nothing. Event-loop confined.
 */
final class DeliveryQueries {

    private final StateProjection state;
    private final DeliveryAccess access;
    private final Mailboxes mailboxes;
    private final Store store;
    private final RelayMetrics metrics;

    DeliveryQueries(StateProjection state, DeliveryAccess access, Mailboxes mailboxes, Store store,
            RelayMetrics metrics) {
        this.state = state;
        this.access = access;
        this.mailboxes = mailboxes;
        this.store = store;
        this.metrics = metrics;
    }

    Set<Bytes> receivingGroups(DeviceId device) {
        return access.receivingGroups(device);
    }

    long deliveryStart(DeviceId device, Bytes groupId) {
        return Math.max(mailboxes.cursor(device, groupId) + 1, store.firstRetained(groupId));
    }

    long deliveryEnd(DeviceId device, Bytes groupId) {
        return DeliveryAccess.end(state.find(groupId).orElse(null), device);
    }

    long clampFrom(DeviceId device, Bytes groupId, long from) {
        return DeliveryAccess.clampFrom(state.find(groupId).orElse(null), device, from);
    }

    long cursor(DeviceId device, Bytes groupId) {
        return mailboxes.cursor(device, groupId);
    }

    Future<List<GroupMessage>> read(DeviceId device, Bytes groupId, long from, int max) {
        long fromSeq = clampFrom(device, groupId, from);
        long end = deliveryEnd(device, groupId);
        if (fromSeq >= end) {
            return Future.succeededFuture(List.of());
        }
        int n = (int) Math.min(max, end - fromSeq);
        long t0 = System.nanoTime();
        return store.read(groupId, fromSeq, n).map(list -> {
            metrics.storeLatency("read", Duration.ofNanos(System.nanoTime() - t0));
            return below(list, end);
        });
    }

    /** The messages before {@code end} (the list itself when all are: the usual case). */
    private static List<GroupMessage> below(List<GroupMessage> list, long end) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).seq() >= end) {
                return list.stream().filter(m -> m.seq() < end).toList();
            }
        }
        return list;
    }

    Future<List<GroupMessage>> stored(Bytes groupId, long fromSeq, int max) {
        return store.read(groupId, fromSeq, max);
    }

    long mailboxStart(DeviceId device) {
        return Math.max(mailboxes.mailboxAcked(device) + 1, mailboxes.firstRetained(device));
    }

    List<Mailboxes.Entry> mailbox(DeviceId device, long fromSeq, int max) {
        return mailboxes.entries(device, fromSeq, max);
    }

    void checkResume(DeviceId device, Optional<Bytes> groupId, long fromSeq) {
        if (groupId.isEmpty()) {
            if (fromSeq < mailboxes.firstRetained(device)) {
                throw new RelayException(ErrorCode.NOT_RETAINED, "mailbox entry " + fromSeq + " is no longer kept");
            }
            return;
        }
        GroupState g = state.require(groupId.get());
        if (!g.receives(device)) {
            throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
        }
        // what the device may read from there starts after the commit that added it: a message dropped
        // before that was never the device's to receive, so its absence loses the device nothing
        long from = DeliveryAccess.clampFrom(g, device, fromSeq);
        if (from < store.firstRetained(g.id) && from < g.sequencer.next()) {
            throw new RelayException(ErrorCode.NOT_RETAINED, "message " + from + " is no longer kept");
        }
    }

    Frame.GroupInfoResult fetchGroupInfo(DeviceId device, Bytes groupId) {
        GroupState g = state.require(groupId);
        if (!g.active(device) && !g.hasUser(device.userId())) {
            throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
        }
        return new Frame.GroupInfoResult(g.stateSeq, g.groupInfo, g.ratchetTree);
    }
}
