package dev.ampoule.mls.codec;

import dev.ampoule.mls.error.DecodeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads the TLS presentation language as RFC 9420 §2.1 uses it, strictly: a length is checked
 * against what remains before anything is allocated, variable-length prefixes must be minimal
 * (§2.1.2), vector bodies must be consumed exactly by their items, and {@link #decodeExactly}
 * refuses trailing bytes. Every failure is a {@link DecodeException}.
 */
public final class TlsReader {

    private final byte[] data;
    private int pos;
    private final int end;

    public TlsReader(byte[] data) {
        this(data, 0, data.length);
    }

    private TlsReader(byte[] data, int pos, int end) {
        this.data = data;
        this.pos = pos;
        this.end = end;
    }

    /** Decodes {@code bytes} as exactly one value: trailing bytes are an error. */
    public static <T> T decodeExactly(byte[] bytes, Decoder<T> decoder) {
        TlsReader r = new TlsReader(bytes);
        T value = decoder.decode(r);
        r.finish();
        return value;
    }

    public int remaining() {
        return end - pos;
    }

    public boolean hasRemaining() {
        return pos < end;
    }

    /** Current offset into the underlying array (for callers that must hash what they read). */
    public int position() {
        return pos;
    }

    /** A copy of the bytes between {@code from} (an earlier {@link #position()}) and here. */
    public byte[] bytesSince(int from) {
        return Arrays.copyOfRange(data, from, pos);
    }

    /** Fails when bytes are left over. */
    public void finish() {
        if (pos != end) {
            throw new DecodeException("trailing bytes after the structure (" + (end - pos) + ")");
        }
    }

    private void need(long n) {
        if (n > end - pos) {
            throw new DecodeException("truncated: need " + n + " bytes, " + (end - pos) + " left");
        }
    }

    public int u8() {
        need(1);
        return data[pos++] & 0xFF;
    }

    public int u16() {
        need(2);
        int v = ((data[pos] & 0xFF) << 8) | (data[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public long u32() {
        need(4);
        long v = ((long) (data[pos] & 0xFF) << 24)
                | ((data[pos + 1] & 0xFF) << 16)
                | ((data[pos + 2] & 0xFF) << 8)
                | (data[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    /** A {@code uint32} that must fit in a non-negative Java int (indices, counts). */
    public int u32AsInt() {
        long v = u32();
        if (v > Integer.MAX_VALUE) {
            throw new DecodeException("uint32 value too large for this implementation");
        }
        return (int) v;
    }

    public long u64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    public boolean bool() {
        int v = u8();
        return switch (v) {
            case 0 -> false;
            case 1 -> true;
            default -> throw new DecodeException("invalid boolean value " + v);
        };
    }

    /** The variable-length integer of RFC 9420 §2.1.2; must use its minimal encoding. */
    public int varint() {
        need(1);
        int first = data[pos] & 0xFF;
        int prefix = first >>> 6;
        return switch (prefix) {
            case 0 -> {
                pos++;
                yield first;
            }
            case 1 -> {
                int v = u16() & 0x3FFF;
                if (v < (1 << 6)) {
                    throw new DecodeException("non-minimal variable-length integer");
                }
                yield v;
            }
            case 2 -> {
                int v = (int) (u32() & 0x3FFF_FFFFL);
                if (v < (1 << 14)) {
                    throw new DecodeException("non-minimal variable-length integer");
                }
                yield v;
            }
            default -> throw new DecodeException("invalid variable-length integer prefix");
        };
    }

    /** Exactly {@code n} raw bytes (a fixed-size field). */
    public byte[] raw(int n) {
        if (n < 0) {
            throw new DecodeException("negative length");
        }
        need(n);
        byte[] out = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return out;
    }

    /** {@code opaque data<V>}. */
    public byte[] opaque() {
        int n = varint();
        return raw(n);
    }

    /** {@code T items<V>}: the prefix gives the byte length; items must fill it exactly. */
    public <T> List<T> vector(Decoder<T> item) {
        TlsReader body = sub(varint());
        List<T> out = new ArrayList<>();
        while (body.hasRemaining()) {
            out.add(item.decode(body));
        }
        return List.copyOf(out);
    }

    /**
     * A reader over the next {@code n} bytes, which this reader then skips. For vector bodies that
     * are not a plain list of items.
     */
    public TlsReader sub(int n) {
        need(n);
        TlsReader body = new TlsReader(data, pos, pos + n);
        pos += n;
        return body;
    }

    /** Reads a variable-length prefix and returns a reader over exactly that many bytes. */
    public TlsReader vectorBody() {
        return sub(varint());
    }

    /** {@code optional<T>}. */
    public <T> Optional<T> optional(Decoder<T> decoder) {
        return bool() ? Optional.of(decoder.decode(this)) : Optional.empty();
    }
}
