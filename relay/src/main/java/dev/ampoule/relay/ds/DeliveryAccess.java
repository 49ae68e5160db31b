package dev.ampoule.relay.ds;

import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Who receives which messages of each group: a device receives what follows the commit that
 * added it, up to the commit that removed it (or the moment the relay cut it off), and — when it
 * is added again before it has read that far — what follows the re-adding commit, skipping the
 * gap. Keeps each group's {@link GroupState.Access} in step with the device's cursor in
 * {@link Mailboxes}, and the groups each device receives. The same methods serve live operations
 * and the replay of store records, so both reach the same state. Event-loop confined.
 */
final class DeliveryAccess {

    private final Mailboxes mailboxes;
    private final Map<DeviceId, Set<Bytes>> receiving = new HashMap<>();

    DeliveryAccess(Mailboxes mailboxes) {
        this.mailboxes = mailboxes;
    }

    /** The device receives the group (a member, or removed but still owed messages). */
    void receive(DeviceId device, Bytes groupId) {
        receiving.computeIfAbsent(device, d -> new LinkedHashSet<>()).add(groupId);
    }

    /** The groups the device receives. */
    Set<Bytes> receivingGroups(DeviceId device) {
        Set<Bytes> s = receiving.get(device);
        return s == null ? Set.of() : Set.copyOf(s);
    }

    /** Forgets every group the device receives (erasure); returns them. */
    Set<Bytes> forget(DeviceId device) {
        Set<Bytes> was = receiving.remove(device);
        return was == null ? Set.of() : was;
    }

    /**
     * A commit at {@code seq} added the device. A device still owed messages from before an
     * earlier removal keeps them: the removal's departure records the re-add, and the messages in
     * between are skipped once it has received the rest. Otherwise it starts after the commit.
     */
    void joined(GroupState g, DeviceId device, long seq) {
        GroupState.Access a = g.access.get(device);
        if (a != null && a.cutOff()) {
            GroupState.Departure open = a.departures.pollLast();
            a.departures.addLast(new GroupState.Departure(open.untilSeq(), open.timestampMillis(), seq));
            settle(g, device);
            return;
        }
        if (a == null) {
            g.access.put(device, new GroupState.Access(seq));
        }
        mailboxes.set(device, g.id, Math.max(seq, mailboxes.cursor(device, g.id)));
    }

    /**
     * The device leaves the group's delivery after {@code untilSeq} (the commit that removed it, or
     * the last durable message when the relay cuts it off first). A device already cut off keeps
     * its earlier end.
     */
    void departed(GroupState g, DeviceId device, long untilSeq, long now) {
        GroupState.Access a = g.access.computeIfAbsent(device, d -> new GroupState.Access(0));
        if (!a.cutOff()) {
            a.departures.addLast(new GroupState.Departure(untilSeq, now, 0));
        }
        settle(g, device);
    }

    /**
     * Passes the departures the device's cursor has reached: over a re-add gap, the cursor jumps to
     * the re-adding commit; past a final removal (the device out of the tree) the device stops
     * receiving the group. A live caller persists the cursor it then finds.
     */
    void settle(GroupState g, DeviceId device) {
        GroupState.Access a = g.access.get(device);
        if (a == null) {
            return;
        }
        long cursor = mailboxes.cursor(device, g.id);
        while (!a.departures.isEmpty()) {
            GroupState.Departure first = a.departures.peekFirst();
            if (cursor < first.untilSeq()) {
                return;
            }
            if (first.open()) {
                if (!g.devices.contains(device)) {
                    leave(g, device);
                } // else cut off, and the commit removing it has not landed yet
                return;
            }
            a.departures.pollFirst();
            a.since = Math.max(a.since, first.rejoinSeq());
            if (cursor < first.rejoinSeq()) {
                cursor = first.rejoinSeq();
                mailboxes.set(device, g.id, cursor);
            }
        }
    }

    private void leave(GroupState g, DeviceId device) {
        g.access.remove(device);
        mailboxes.forget(device, g.id);
        Set<Bytes> r = receiving.get(device);
        if (r != null) {
            r.remove(g.id);
        }
    }

    /**
     * One past the last sequence number the device may receive now (durable, and within its
     * membership): delivery from its cursor stops at its next departure. 0 if it receives nothing.
     */
    static long end(GroupState g, DeviceId device) {
        GroupState.Access a = g == null ? null : g.access.get(device);
        if (a == null) {
            return 0;
        }
        GroupState.Departure next = a.departures.peekFirst();
        long durableEnd = g.sequencer.durableEnd();
        return next == null ? durableEnd : Math.min(durableEnd, next.untilSeq() + 1);
    }

    /** The first sequence number at or after {@code from} the device may receive: never before it joined. */
    static long clampFrom(GroupState g, DeviceId device, long from) {
        GroupState.Access a = g == null ? null : g.access.get(device);
        return a == null ? from : Math.max(from, a.since + 1);
    }
}
