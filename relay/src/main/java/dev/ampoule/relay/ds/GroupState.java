package dev.ampoule.relay.ds;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.store.GroupMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One group as the Delivery Service holds it: its {@link GroupSequencer}, the latest GroupInfo and
 * tree, the devices, the removed devices still being served, and the validation view (built
 * lazily after a restart). Fields are event-loop confined; {@link #view} is used only inside the
 * group's sequenced operations.
 */
final class GroupState {

    /**
     * A removal of a device not yet served to its end: the device receives through {@code untilSeq}
     * (the commit that removed it, or the last durable message when the relay cut it off ahead of
     * that commit). {@code rejoinSeq} is the commit that added it again (0: not re-added); the
     * messages in between are not for it.
     */
    record Departure(long untilSeq, long timestampMillis, long rejoinSeq) {

        boolean open() {
            return rejoinSeq == 0;
        }
    }

    /**
     * A device's share of the group's messages: everything after {@code since} (the commit that
     * added it, 0 for the creation; raised as served gaps are passed), except the gaps between each
     * departure and its re-add, and nothing after an open departure.
     */
    static final class Access {
        long since;
        final ArrayDeque<Departure> departures = new ArrayDeque<>();

        Access(long since) {
            this.since = since;
        }

        /** Cut off or removed, and not re-added: it may not send and receives nothing new. */
        boolean cutOff() {
            Departure last = departures.peekLast();
            return last != null && last.open();
        }
    }

    final Bytes id;
    final DeviceId creator;
    /** Sequence numbers, replay cache and the chain of handshake operations. */
    final GroupSequencer sequencer = new GroupSequencer();
    long epoch;
    /** The sequence number of the commit that made {@link #groupInfo} current (0: the creation). */
    long stateSeq;
    Bytes groupInfo;
    Bytes ratchetTree;
    /** The devices with a leaf in the current epoch's tree. */
    Set<DeviceId> devices = Set.of();
    /** Every device that receives the group's messages: the members, and removed devices still owed some. */
    final Map<DeviceId, Access> access = new HashMap<>();
    /** Proposals of the current epoch, in order (to rebuild the view's proposal cache). */
    final List<GroupMessage> pendingProposals = new ArrayList<>();
    /** The validation view; null until first needed after a restart. */
    GroupView view;
    /** Set by roster enforcement while a removal is pending: application messages are refused. */
    boolean fenced;

    GroupState(Bytes id, DeviceId creator) {
        this.id = id;
        this.creator = creator;
    }

    boolean receives(DeviceId device) {
        return access.containsKey(device);
    }

    /** A member that may send: in the tree and not cut off. */
    boolean active(DeviceId device) {
        if (!devices.contains(device)) {
            return false;
        }
        Access a = access.get(device);
        return a == null || !a.cutOff();
    }

    /** Whether an active device of the same user is a member. */
    boolean hasUser(String userId) {
        for (DeviceId d : devices) {
            if (d.userId().equals(userId) && active(d)) {
                return true;
            }
        }
        return false;
    }
}
