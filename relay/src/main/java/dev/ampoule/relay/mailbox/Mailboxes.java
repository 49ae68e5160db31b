package dev.ampoule.relay.mailbox;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.store.StoreRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Per-device delivery state (RFC 9750 §5.1 duty 5): for each group, the device's cursor (every
 * message up to it is acknowledged); and the device's mailbox of Welcomes, numbered by its own
 * sequence, each kept until acknowledged. Rebuilt from store records. Event-loop confined.
 */
public final class Mailboxes {

    /** A Welcome waiting for a device. */
    public record Entry(long mailboxSeq, Bytes groupId, long groupSeq, Bytes welcome, long timestampMillis) {
    }

    private static final class Box {
        final TreeMap<Long, Entry> entries = new TreeMap<>();
        long nextSeq = 1;
        long acked;
        final Map<Bytes, Long> cursors = new HashMap<>();
    }

    private final Map<DeviceId, Box> boxes = new HashMap<>();

    private Box box(DeviceId device) {
        return boxes.computeIfAbsent(device, d -> new Box());
    }

    // ---- group cursors -------------------------------------------------------------------------

    /** The last acknowledged sequence number of the device in the group (0 if none). */
    public long cursor(DeviceId device, Bytes groupId) {
        Box b = boxes.get(device);
        Long c = b == null ? null : b.cursors.get(groupId);
        return c == null ? 0 : c;
    }

    /** Moves the cursor forward (never back); returns whether it moved. */
    public boolean advance(DeviceId device, Bytes groupId, long seq) {
        Box b = box(device);
        long current = b.cursors.getOrDefault(groupId, 0L);
        if (seq <= current) {
            return false;
        }
        b.cursors.put(groupId, seq);
        return true;
    }

    /** Sets the cursor (a device joining a group starts after the commit that added it). */
    public void set(DeviceId device, Bytes groupId, long seq) {
        box(device).cursors.put(groupId, seq);
    }

    /** Forgets the device's cursor in a group (it left and has received everything it should). */
    public void forget(DeviceId device, Bytes groupId) {
        Box b = boxes.get(device);
        if (b != null) {
            b.cursors.remove(groupId);
        }
    }

    /** Forgets the cursors and mailbox entries of every device of the user (erasure); returns those devices. */
    public Set<DeviceId> removeUser(String userId) {
        Set<DeviceId> out = new HashSet<>();
        boxes.keySet().removeIf(d -> {
            boolean match = d.userId().equals(userId);
            if (match) {
                out.add(d);
            }
            return match;
        });
        return out;
    }

    // ---- mailbox of Welcomes -------------------------------------------------------------------

    /** The sequence number the next mailbox entry of the device gets. */
    public long nextMailboxSeq(DeviceId device) {
        return box(device).nextSeq;
    }

    /** Reserves the next mailbox sequence number of the device (its entry is put once durable). */
    public long reserve(DeviceId device) {
        Box b = box(device);
        return b.nextSeq++;
    }

    /** Adds an entry (new or replayed). */
    public void put(DeviceId device, Entry e) {
        Box b = box(device);
        if (e.mailboxSeq() > b.acked) {
            b.entries.put(e.mailboxSeq(), e);
        }
        b.nextSeq = Math.max(b.nextSeq, e.mailboxSeq() + 1);
    }

    /** Acknowledges entries up to {@code seq}; returns whether anything changed. */
    public boolean ack(DeviceId device, long seq) {
        Box b = box(device);
        if (seq <= b.acked) {
            return false;
        }
        b.acked = seq;
        b.nextSeq = Math.max(b.nextSeq, seq + 1);
        b.entries.headMap(seq, true).clear();
        return true;
    }

    public long mailboxAcked(DeviceId device) {
        Box b = boxes.get(device);
        return b == null ? 0 : b.acked;
    }

    /** Entries with sequence numbers {@code >= fromSeq}, at most {@code max}. */
    public List<Entry> entries(DeviceId device, long fromSeq, int max) {
        Box b = boxes.get(device);
        if (b == null || b.entries.isEmpty() || b.entries.lastKey() < fromSeq) {
            // the usual answer, asked on every delivery to a device: no submap view, no iterator
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        for (Entry e : b.entries.tailMap(fromSeq, true).values()) {
            if (out.size() >= max) {
                break;
            }
            out.add(e);
        }
        return out;
    }

    /** The first retained mailbox sequence number of the device. */
    public long firstRetained(DeviceId device) {
        Box b = boxes.get(device);
        if (b == null) {
            return 1;
        }
        return b.entries.isEmpty() ? b.nextSeq : b.entries.firstKey();
    }

    /** Drops mailbox entries older than the cutoff (TTL); returns how many. */
    public int expireBefore(long cutoffMillis) {
        int n = 0;
        for (Box b : boxes.values()) {
            var it = b.entries.values().iterator();
            while (it.hasNext()) {
                if (it.next().timestampMillis() < cutoffMillis) {
                    it.remove();
                    n++;
                }
            }
        }
        return n;
    }

    /** The records that recreate this state (for a store checkpoint). */
    public List<StoreRecord> liveRecords() {
        List<StoreRecord> out = new ArrayList<>();
        boxes.forEach((device, b) -> {
            // entries below the first kept one are acknowledged or expired: recorded as acknowledged,
            // so that their numbers are never given to new entries
            long acked = b.entries.isEmpty() ? b.nextSeq - 1 : Math.max(b.acked, b.entries.firstKey() - 1);
            if (acked > 0) {
                out.add(new StoreRecord.MailboxAcked(device, acked));
            }
            b.entries.values().forEach(e -> out.add(new StoreRecord.MailboxEntry(device, e.mailboxSeq(), e.groupId(),
                    e.groupSeq(), e.welcome(), e.timestampMillis())));
            b.cursors.forEach((g, c) -> out.add(new StoreRecord.CursorMoved(device, g, c)));
        });
        return out;
    }
}
