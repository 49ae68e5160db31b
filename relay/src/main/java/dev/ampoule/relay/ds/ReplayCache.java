package dev.ampoule.relay.ds;

import dev.ampoule.relay.protocol.Bytes;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The SHA-256 digests of a group's most recently accepted messages and their sequence numbers (the
 * replay cache): at most {@code limit} of them, the oldest forgotten first. Held in flat arrays —
 * the digests one after another in a ring, an open-addressing table of ring slots beside them —
 * instead of a map of objects: a map kept four small objects per message alive, 400,000 of them at
 * 60,000 deliveries/s, and every young collection copied them again until they were old
 * (BENCHMARKS.md, "Relay under load", Run V). The arrays start small and double up to the limit,
 * so a quiet group costs a few hundred bytes. Table positions come from the digest mixed with a
 * random per-cache seed, so a member cannot grind messages into one probe chain. A key that is not
 * a 32-byte digest (a stored record from before digests were kept) is never remembered. Confined
 * to the relay's loop.
 */
final class ReplayCache {

    static final int DIGEST_BYTES = 32;
    private static final int INITIAL = 16;
    private static final SecureRandom SEEDS = new SecureRandom();

    private final int limit;
    private final long seed = SEEDS.nextLong();
    /** The ring: the digest of slot {@code i} at {@code i * 32}. */
    private byte[] digests;
    /** The sequence number of each slot; 0: empty or removed (sequence numbers start at 1). */
    private long[] seqs;
    /** Ring slots + 1, by position; 0: free. Entries of overwritten or removed slots stay until a rebuild. */
    private int[] table;
    /** Slots in use since the start (until the ring is full at the limit, the next slot to fill). */
    private int filled;
    /** The slot the next digest goes into. */
    private int next;
    /** Table positions taken, stale ones included. */
    private int taken;

    ReplayCache(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        allocate(Math.min(INITIAL, limit));
    }

    private void allocate(int capacity) {
        digests = digests == null ? new byte[capacity * DIGEST_BYTES] : Arrays.copyOf(digests, capacity * DIGEST_BYTES);
        seqs = seqs == null ? new long[capacity] : Arrays.copyOf(seqs, capacity);
        table = new int[Integer.highestOneBit(capacity * 4 - 1) << 1];
        rebuild();
    }

    /** The sequence number the message with this digest was accepted as, or 0 if it is not remembered. */
    long get(Bytes digest) {
        if (digest.length() != DIGEST_BYTES) {
            return 0;
        }
        byte[] d = digest.unsafeArray();
        int mask = table.length - 1;
        for (int i = position(d); table[i] != 0; i = (i + 1) & mask) {
            int slot = table[i] - 1;
            if (seqs[slot] != 0 && matches(slot, d)) {
                return seqs[slot];
            }
        }
        return 0;
    }

    /** Remembers that the message with this digest was accepted as {@code seq} (at least 1). */
    void put(Bytes digest, long seq) {
        if (digest.length() != DIGEST_BYTES || seq < 1) {
            return;
        }
        if (filled == seqs.length && seqs.length < limit) {
            int full = seqs.length; // not wrapped yet: the ring only wraps at the limit
            allocate(Math.min(full * 2, limit));
            next = full;
        }
        int slot = next;
        System.arraycopy(digest.unsafeArray(), 0, digests, slot * DIGEST_BYTES, DIGEST_BYTES);
        seqs[slot] = seq;
        filled = Math.min(filled + 1, seqs.length);
        next = (slot + 1) % seqs.length;
        if (taken + 1 > table.length / 2) {
            rebuild(); // stale entries dropped, this slot's entered: the table stays at most half full
        } else {
            insert(slot);
        }
    }

    /** Forgets the digest if it is remembered as {@code seq} (an append that failed). */
    void remove(Bytes digest, long seq) {
        if (digest.length() != DIGEST_BYTES) {
            return;
        }
        byte[] d = digest.unsafeArray();
        int mask = table.length - 1;
        for (int i = position(d); table[i] != 0; i = (i + 1) & mask) {
            int slot = table[i] - 1;
            if (seqs[slot] == seq && matches(slot, d)) {
                seqs[slot] = 0;
                return;
            }
        }
    }

    /** Digests remembered now. */
    int size() {
        int n = 0;
        for (int i = 0; i < filled; i++) {
            n += seqs[i] != 0 ? 1 : 0;
        }
        return n;
    }

    private void rebuild() {
        Arrays.fill(table, 0);
        taken = 0;
        for (int slot = 0; slot < filled; slot++) {
            if (seqs[slot] != 0) {
                insert(slot);
            }
        }
    }

    private void insert(int slot) {
        int mask = table.length - 1;
        int i = position(digests, slot * DIGEST_BYTES);
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = slot + 1;
        taken++;
    }

    private boolean matches(int slot, byte[] d) {
        return Arrays.equals(digests, slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES, d, 0, DIGEST_BYTES);
    }

    private int position(byte[] d) {
        return position(d, 0);
    }

    /** The table position of the digest at {@code from}: its first 8 bytes, mixed with the seed. */
    private int position(byte[] d, int from) {
        long k = 0;
        for (int i = 0; i < 8; i++) {
            k = (k << 8) | (d[from + i] & 0xff);
        }
        long h = (k ^ seed) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32) & (table.length - 1);
    }
}
