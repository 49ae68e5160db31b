package dev.ampoule.client;

import dev.ampoule.client.content.HistoryCipher;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.protocol.Bytes;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One group's history keys on this device: the history secret of each epoch it was in (so that it
 * can read, and grant, the history of those epochs), and the day keys others granted it. Kept in
 * the local state (encrypted at rest) under {@code history-<group id hex>}:
 * <pre>
 * struct {
 *     uint8 version;                                            // 1
 *     struct { uint64 epoch; uint32 first_day; opaque secret&lt;V&gt;; } epochs&lt;V&gt;;
 *     struct { uint64 epoch; uint32 day; opaque key&lt;V&gt;; } granted&lt;V&gt;;
 * } HistoryKeys;
 * </pre>
 * This is the forward-secrecy trade-off of history (HISTORY.md): these keys outlive their epochs,
 * for as long as the builder's {@code historyRetention}; then {@link #prune} destroys them.
 * Confined to the state thread.
 */
final class HistoryKeys {

    static final String PREFIX = "history-";
    private static final int VERSION = 1;

    /** An epoch's history secret and the first day this device was in it. */
    private record EpochSecret(long firstDay, byte[] secret) {
    }

    private record DayId(long epoch, long day) {
    }

    private final TreeMap<Long, EpochSecret> epochs = new TreeMap<>();
    private final Map<DayId, byte[]> granted = new HashMap<>();
    boolean dirty;

    static String name(Bytes groupId) {
        return PREFIX + groupId.hex();
    }

    /** Keeps the history secret of an epoch this device is in (first seen on {@code day}). */
    void remember(long epoch, long day, byte[] secret) {
        if (!epochs.containsKey(epoch)) {
            epochs.put(epoch, new EpochSecret(day, secret));
            dirty = true;
        } else {
            Arrays.fill(secret, (byte) 0);
        }
    }

    boolean knowsEpoch(long epoch) {
        return epochs.containsKey(epoch);
    }

    /** A day key granted to this device. */
    void grant(long epoch, long day, byte[] key) {
        byte[] old = granted.put(new DayId(epoch, day), key);
        if (old != null) {
            Arrays.fill(old, (byte) 0);
        }
        dirty = true;
    }

    /** The key of a day of an epoch, if this device was in the epoch or was granted the day (a copy). */
    Optional<byte[]> dayKey(CipherSuite suite, long epoch, long day) {
        EpochSecret e = epochs.get(epoch);
        if (e != null) {
            return Optional.of(HistoryCipher.dayKey(suite, e.secret(), day));
        }
        byte[] k = granted.get(new DayId(epoch, day));
        return k == null ? Optional.empty() : Optional.of(k.clone());
    }

    /**
     * Destroys what only serves history before {@code minDay}: the secrets of epochs that ended
     * before it (the next epoch began before it), and day keys of earlier days.
     */
    void prune(long minDay) {
        List<Long> ids = List.copyOf(epochs.keySet());
        for (int i = 0; i + 1 < ids.size(); i++) {
            if (epochs.get(ids.get(i + 1)).firstDay() < minDay) {
                Arrays.fill(epochs.remove(ids.get(i)).secret(), (byte) 0);
                dirty = true;
            }
        }
        granted.entrySet().removeIf(e -> {
            if (e.getKey().day() < minDay) {
                Arrays.fill(e.getValue(), (byte) 0);
                dirty = true;
                return true;
            }
            return false;
        });
    }

    /** Destroys every key (this device left the group). */
    void clear() {
        epochs.values().forEach(e -> Arrays.fill(e.secret(), (byte) 0));
        granted.values().forEach(k -> Arrays.fill(k, (byte) 0));
        epochs.clear();
        granted.clear();
        dirty = true;
    }

    byte[] encode() {
        TlsWriter w = new TlsWriter(64 + 56 * (epochs.size() + granted.size()));
        w.u8(VERSION);
        w.vector(List.copyOf(epochs.entrySet()), (wr, e) -> {
            wr.u64(e.getKey());
            wr.u32(e.getValue().firstDay());
            wr.opaque(e.getValue().secret());
        });
        w.vector(List.copyOf(granted.entrySet()), (wr, e) -> {
            wr.u64(e.getKey().epoch());
            wr.u32(e.getKey().day());
            wr.opaque(e.getValue());
        });
        byte[] out = w.toByteArray();
        w.wipe();
        return out;
    }

    static HistoryKeys decode(byte[] data) {
        HistoryKeys keys = new HistoryKeys();
        TlsReader.decodeExactly(data, r -> {
            if (r.u8() != VERSION) {
                throw new DecodeException("history keys version");
            }
            r.vector(rd -> {
                long epoch = rd.u64();
                keys.epochs.put(epoch, new EpochSecret(rd.u32(), rd.opaque()));
                return epoch;
            });
            r.vector(rd -> {
                DayId id = new DayId(rd.u64(), rd.u32());
                keys.granted.put(id, rd.opaque());
                return id;
            });
            return keys;
        });
        return keys;
    }
}
