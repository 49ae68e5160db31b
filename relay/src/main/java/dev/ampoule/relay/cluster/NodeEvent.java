package dev.ampoule.relay.cluster;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What one relay instance tells the others (on the same node and on every other node) after a
 * durable write, so that they wake the devices they serve and drop what they cached. Events carry
 * ids and numbers only — never message bytes: a receiver reads what it needs from the database.
 *
 * <p>Wire form of a batch ({@link #encode} / {@link #decode}): {@code u8 version = 1}, the origin's
 * id ({@code u16} length + UTF-8), {@code u32} count, then each event: {@code u8 tag} and its fields;
 * byte strings as {@code u16} length + bytes, numbers as big-endian {@code i64}, a device as its
 * user and device ids (two strings).
 */
public sealed interface NodeEvent {

    int tag();

    /** A group's messages up to {@code endSeq - 1} are durable: devices receiving it read on. */
    record GroupAdvanced(Bytes groupId, long endSeq) implements NodeEvent {
        public static final int TAG = 1;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /**
     * A group's state changed (a Commit, a fence, a cut-off): what was cached of it is stale from
     * {@code epoch} on.
     */
    record GroupChanged(Bytes groupId, long epoch) implements NodeEvent {
        public static final int TAG = 2;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** A device joined or left a group, or was cut off. */
    record AccessChanged(Bytes groupId, DeviceId device) implements NodeEvent {
        public static final int TAG = 3;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** A Welcome was put in the device's mailbox. */
    record MailboxAdvanced(DeviceId device) implements NodeEvent {
        public static final int TAG = 4;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** The roster (teams, members, organisations) changed: read it again from {@code version} on. */
    record RosterChanged(long version) implements NodeEvent {
        public static final int TAG = 5;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** A device's KeyPackages or registered keys changed (published, claimed, withdrawn, erased). */
    record DeviceKeysChanged(DeviceId device) implements NodeEvent {
        public static final int TAG = 6;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** A user was erased: what is cached of their devices, KeyPackages and keys goes. */
    record UserErased(String userId) implements NodeEvent {
        public static final int TAG = 7;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /**
     * Who may read history or shared records changed (the shared rights log of PostgreSQL): read it
     * again from {@code ord}, the position of the change.
     */
    record RightsChanged(long ord) implements NodeEvent {
        public static final int TAG = 8;

        @Override
        public int tag() {
            return TAG;
        }
    }

    /** A batch of events from {@code origin}. */
    record Batch(String origin, List<NodeEvent> events) {
        public Batch {
            events = List.copyOf(events);
        }
    }

    int VERSION = 1;
    /** Events in one batch at most (a larger one is refused when decoding). */
    int MAX_EVENTS = 1 << 20;

    static Buffer encode(Batch batch) {
        Buffer b = Buffer.buffer(16 + batch.events().size() * 40);
        b.appendByte((byte) VERSION);
        putString(b, batch.origin());
        b.appendInt(batch.events().size());
        for (NodeEvent e : batch.events()) {
            b.appendByte((byte) e.tag());
            switch (e) {
                case GroupAdvanced g -> {
                    putBytes(b, g.groupId());
                    b.appendLong(g.endSeq());
                }
                case GroupChanged g -> {
                    putBytes(b, g.groupId());
                    b.appendLong(g.epoch());
                }
                case AccessChanged a -> {
                    putBytes(b, a.groupId());
                    putDevice(b, a.device());
                }
                case MailboxAdvanced m -> putDevice(b, m.device());
                case RosterChanged r -> b.appendLong(r.version());
                case DeviceKeysChanged k -> putDevice(b, k.device());
                case UserErased u -> putString(b, u.userId());
                case RightsChanged r -> b.appendLong(r.ord());
            }
        }
        return b;
    }

    /**
     * Decodes a batch.
     *
     * @throws IllegalArgumentException when the bytes are not a batch of this version
     */
    static Batch decode(Buffer b) {
        Reader r = new Reader(b);
        if (r.u8() != VERSION) {
            throw new IllegalArgumentException("unknown node event version");
        }
        String origin = r.string();
        int n = r.i32();
        if (n < 0 || n > MAX_EVENTS) {
            throw new IllegalArgumentException("bad event count");
        }
        List<NodeEvent> out = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
            int tag = r.u8();
            out.add(switch (tag) {
                case GroupAdvanced.TAG -> new GroupAdvanced(r.bytes(), r.i64());
                case GroupChanged.TAG -> new GroupChanged(r.bytes(), r.i64());
                case AccessChanged.TAG -> new AccessChanged(r.bytes(), r.device());
                case MailboxAdvanced.TAG -> new MailboxAdvanced(r.device());
                case RosterChanged.TAG -> new RosterChanged(r.i64());
                case DeviceKeysChanged.TAG -> new DeviceKeysChanged(r.device());
                case UserErased.TAG -> new UserErased(r.string());
                case RightsChanged.TAG -> new RightsChanged(r.i64());
                default -> throw new IllegalArgumentException("unknown node event tag " + tag);
            });
        }
        if (r.pos != b.length()) {
            throw new IllegalArgumentException("trailing bytes after the node events");
        }
        return new Batch(origin, out);
    }

    private static void putBytes(Buffer b, Bytes v) {
        if (v.length() > 0xFFFF) {
            throw new IllegalArgumentException("too long for a node event");
        }
        b.appendUnsignedShort(v.length()).appendBytes(v.unsafeArray());
    }

    private static void putString(Buffer b, String s) {
        putBytes(b, Bytes.wrap(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static void putDevice(Buffer b, DeviceId d) {
        putString(b, d.userId());
        putString(b, d.deviceId());
    }

    /** Bounds-checked reads of a batch. */
    final class Reader {
        private final Buffer b;
        private int pos;

        Reader(Buffer b) {
            this.b = b;
        }

        private void need(int n) {
            if (n < 0 || pos + n > b.length()) {
                throw new IllegalArgumentException("truncated node events");
            }
        }

        int u8() {
            need(1);
            return b.getUnsignedByte(pos++);
        }

        int i32() {
            need(4);
            int v = b.getInt(pos);
            pos += 4;
            return v;
        }

        long i64() {
            need(8);
            long v = b.getLong(pos);
            pos += 8;
            return v;
        }

        Bytes bytes() {
            need(2);
            int len = b.getUnsignedShort(pos);
            pos += 2;
            need(len);
            Bytes v = Bytes.wrap(b.getBytes(pos, pos + len));
            pos += len;
            return v;
        }

        String string() {
            return new String(bytes().unsafeArray(), StandardCharsets.UTF_8);
        }

        DeviceId device() {
            return DeviceId.of(string(), string()).orElseThrow(() -> new IllegalArgumentException("bad device id"));
        }
    }
}
