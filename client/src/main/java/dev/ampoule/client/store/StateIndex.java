package dev.ampoule.client.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The state index: for each blob name, the version of its latest write and whether it was deleted
 * since (a tombstone, kept so that an old copy of a deleted blob is not taken back). Versions only
 * grow: {@link EncryptedStateStore} refuses a blob older than what the index records. The index
 * is itself stored sealed, as one small blob; this class is its plaintext form and its codec:
 * <pre>
 * struct { uint8 name_length; opaque name[name_length]; uint64 version; uint8 live; } IndexEntry;
 * struct { uint32 count; IndexEntry entries[count]; } StateIndex;   // names sorted, unique
 * </pre>
 * Version 0 marks a blob written by an SDK before versions existed (format 1), taken over once
 * when the index was created. Not thread-safe: the store serialises its calls.
 */
final class StateIndex {

    /** One name's record. */
    record Entry(long version, boolean live) {
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final int MAX_ENTRIES = 1_000_000;

    private final Map<String, Entry> entries = new TreeMap<>();

    Optional<Entry> get(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The version recorded for {@code name}, 0 if none. */
    long version(String name) {
        Entry e = entries.get(name);
        return e == null ? 0 : e.version();
    }

    /** {@code name} now holds {@code version}. */
    void record(String name, long version) {
        entries.put(name, new Entry(version, true));
    }

    /** {@code name} was deleted; its version stays, so later writes continue above it. */
    void tombstone(String name) {
        Entry e = entries.get(name);
        if (e != null) {
            entries.put(name, new Entry(e.version(), false));
        }
    }

    /** The names of the blobs that exist, according to the index, in order. */
    List<String> live() {
        return entries.entrySet().stream().filter(e -> e.getValue().live()).map(Map.Entry::getKey).toList();
    }

    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).putInt(entries.size()).array());
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.US_ASCII);
            out.write(name.length);
            out.writeBytes(name);
            out.writeBytes(ByteBuffer.allocate(9).putLong(e.getValue().version())
                    .put((byte) (e.getValue().live() ? 1 : 0)).array());
        }
        return out.toByteArray();
    }

    /** Decodes an index; anything malformed (lengths, names, order, flags, trailing bytes) is an {@link IOException}. */
    static StateIndex decode(byte[] bytes) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        StateIndex index = new StateIndex();
        try {
            int count = in.getInt();
            if (count < 0 || count > MAX_ENTRIES) {
                throw damaged();
            }
            String previous = null;
            for (int i = 0; i < count; i++) {
                int length = in.get() & 0xff;
                if (length > in.remaining()) {
                    throw damaged();
                }
                byte[] name = new byte[length];
                in.get(name);
                String n = new String(name, StandardCharsets.US_ASCII);
                long version = in.getLong();
                byte live = in.get();
                if (!NAME.matcher(n).matches() || version < 0 || (live != 0 && live != 1)
                        || (previous != null && previous.compareTo(n) >= 0)) {
                    throw damaged();
                }
                index.entries.put(n, new Entry(version, live == 1));
                previous = n;
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw damaged();
        }
        if (in.hasRemaining()) {
            throw damaged();
        }
        return index;
    }

    private static IOException damaged() {
        return new IOException("the state index is damaged");
    }
}
