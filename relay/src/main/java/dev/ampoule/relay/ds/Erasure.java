package dev.ampoule.relay.ds;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Taking devices out of delivery: cutting them off a group at once (a roster removal, ahead of
 * the commit that removes their leaves) and erasing a user (GDPR art. 17). Event-loop confined.
 */
final class Erasure {

    private final StateProjection state;
    private final Journal journal;
    private final Listeners listeners;
    private final Retention retention;
    private final Clock clock;

    Erasure(StateProjection state, Journal journal, Listeners listeners, Retention retention, Clock clock) {
        this.state = state;
        this.journal = journal;
        this.listeners = listeners;
        this.retention = retention;
        this.clock = clock;
    }

    /**
     * Stops delivering a group to these devices at once: they receive nothing after the last
     * durable message and may no longer send. Completes once durable.
     */
    Future<Void> cutOff(Bytes groupId, Set<DeviceId> devices) {
        GroupState g = state.find(groupId).orElse(null);
        if (g == null) {
            return Future.failedFuture(new RelayException(ErrorCode.UNKNOWN_GROUP, "unknown group"));
        }
        long until = g.sequencer.durableEnd() - 1;
        long now = clock.millis();
        List<Future<Void>> writes = new ArrayList<>();
        for (DeviceId d : devices) {
            GroupState.Access a = g.access.get(d);
            if (a == null || a.cutOff()) {
                continue;
            }
            a.departures.addLast(new GroupState.Departure(until, now, 0));
            writes.add(journal.append(new StoreRecord.Departed(g.id, d, until, 0, now)));
            listeners.device(d, l -> l.accessChanged(g.id));
        }
        return Future.all(writes).mapEmpty();
    }

    /**
     * Erases a user: their devices still active in a group are cut off first (durably); then
     * their KeyPackages and their devices' mailboxes and cursors go, durably; then the store is
     * compacted so that the erased records leave the disk. Other devices' messages stay: a device
     * still in a tree (its removal pending) counts as having received what it was owed.
     */
    Future<Void> eraseUser(String userId) {
        List<Future<Void>> cuts = new ArrayList<>();
        for (GroupState g : state.groups()) {
            Set<DeviceId> active = new HashSet<>();
            for (DeviceId d : g.devices) {
                if (d.userId().equals(userId) && g.active(d)) {
                    active.add(d);
                }
            }
            if (!active.isEmpty()) {
                cuts.add(cutOff(g.id, active));
            }
        }
        return Future.all(cuts).compose(v -> journal.append(new StoreRecord.UserErased(userId))).compose(v -> {
            StateProjection.Forgotten forgotten = state.forgetUser(userId);
            forgotten.groups().forEach(retention::dirty);
            forgotten.left().forEach((d, groups) -> groups.forEach(gid -> listeners.device(d, l -> l.accessChanged(gid))));
            retention.sweep();
            return retention.compact().<Void>mapEmpty();
        });
    }
}
