package dev.ampoule.relay.store;

/**
 * Where a group's retained messages are: a ring of entries with consecutive sequence numbers
 * from {@link #firstSeq()}. Event-loop confined.
 */
final class GroupIndex {

    /** One retained message: its place on disk and, while cached, the message itself. */
    static final class Entry {
        final long seq;
        final long timestampMillis;
        long segment;
        long offset;
        final int length;
        GroupMessage cached;

        Entry(long seq, long timestampMillis, long segment, long offset, int length) {
            this.seq = seq;
            this.timestampMillis = timestampMillis;
            this.segment = segment;
            this.offset = offset;
            this.length = length;
        }

        /** The message was copied to another place (compaction). */
        void relocate(long newSegment, long newOffset) {
            segment = newSegment;
            offset = newOffset;
        }
    }

    private Entry[] ring = new Entry[8];
    private int head;
    private int size;
    private long firstSeq = 1;

    long firstSeq() {
        return firstSeq;
    }

    /** One past the last indexed sequence number. */
    long endSeq() {
        return firstSeq + size;
    }

    int size() {
        return size;
    }

    /** Adds the entry of the next sequence number; an index that is empty starts at any number. */
    void add(Entry e) {
        if (size == 0) {
            firstSeq = e.seq;
        } else if (e.seq != endSeq()) {
            if (e.seq < endSeq()) {
                return; // already indexed (a checkpoint repeats retained messages)
            }
            // a gap (messages dropped before a checkpoint): restart the ring at this number
            head = 0;
            size = 0;
            firstSeq = e.seq;
        }
        if (size == ring.length) {
            Entry[] bigger = new Entry[ring.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = ring[(head + i) % ring.length];
            }
            ring = bigger;
            head = 0;
        }
        ring[(head + size) % ring.length] = e;
        size++;
    }

    /** The entry of {@code seq}, or null if it is not retained. */
    Entry get(long seq) {
        if (seq < firstSeq || seq >= endSeq()) {
            return null;
        }
        return ring[(int) ((head + (seq - firstSeq)) % ring.length)];
    }

    /** The oldest entry, or null. */
    Entry first() {
        return size == 0 ? null : ring[head];
    }

    /** Drops entries before {@code seq}; returns how many. */
    int dropBefore(long seq) {
        int dropped = 0;
        while (size > 0 && firstSeq < seq) {
            ring[head].cached = null;
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
            firstSeq++;
            dropped++;
        }
        if (size == 0 && firstSeq < seq) {
            firstSeq = seq;
        }
        return dropped;
    }
}
