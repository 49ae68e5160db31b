package dev.ampoule.mls.codec;

import dev.ampoule.mls.error.InternalException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;

/**
 * Writes the TLS presentation language as RFC 9420 §2.1 uses it: big-endian fixed-width integers,
 * vectors with the variable-length integer prefix of §2.1.2, {@code optional<T>} and structs.
 *
 * <p>Vectors are written in place: a 4-byte prefix is reserved, the body is written, and the body
 * is moved down when the minimal prefix is shorter. Nothing is copied through intermediate buffers.
 */
public final class TlsWriter {

    /** Largest vector length the variable-length prefix can express: 2^30 - 1 (RFC 9420 §2.1.2). */
    public static final int MAX_VECTOR_LENGTH = (1 << 30) - 1;

    private byte[] buf;
    private int len;

    public TlsWriter() {
        this(64);
    }

    public TlsWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int extra) {
        int need = len + extra;
        if (need < 0) {
            throw new InternalException("encoding exceeds 2 GiB");
        }
        if (need > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
        }
    }

    public TlsWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public TlsWriter u16(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public TlsWriter u32(long v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public TlsWriter u64(long v) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[len++] = (byte) (v >>> shift);
        }
        return this;
    }

    public TlsWriter bool(boolean v) {
        return u8(v ? 1 : 0);
    }

    /** The variable-length integer of RFC 9420 §2.1.2, always in its shortest form. */
    public TlsWriter varint(int v) {
        if (v < 0 || v > MAX_VECTOR_LENGTH) {
            throw new InternalException("vector length out of range for the variable-length prefix");
        }
        if (v < (1 << 6)) {
            return u8(v);
        } else if (v < (1 << 14)) {
            return u16(0x4000 | v);
        }
        return u32(0x8000_0000L | v);
    }

    /** Raw bytes with no length prefix (fixed-size fields, or an already-encoded struct). */
    public TlsWriter raw(byte[] bytes) {
        return raw(bytes, 0, bytes.length);
    }

    public TlsWriter raw(byte[] bytes, int off, int n) {
        ensure(n);
        System.arraycopy(bytes, off, buf, len, n);
        len += n;
        return this;
    }

    /** {@code opaque data<V>}: a variable-length prefix, then the bytes. */
    public TlsWriter opaque(byte[] bytes) {
        varint(bytes.length);
        return raw(bytes);
    }

    /** A struct written in place. */
    public TlsWriter write(TlsEncodable value) {
        value.encode(this);
        return this;
    }

    /** {@code T items<V>} of encodable structs. */
    public TlsWriter vector(Collection<? extends TlsEncodable> items) {
        return vector(items, (w, item) -> item.encode(w));
    }

    /** {@code T items<V>}, each item written by {@code encoder}. */
    public <T> TlsWriter vector(Collection<? extends T> items, Encoder<T> encoder) {
        int start = beginVector();
        for (T item : items) {
            encoder.encode(this, item);
        }
        return endVector(start);
    }

    /**
     * Opens a vector whose body the caller writes next; {@link #endVector(int)} with the returned
     * mark closes it. For bodies that are not a plain list of items.
     */
    public int beginVector() {
        ensure(4);
        int mark = len;
        len += 4;
        return mark;
    }

    public TlsWriter endVector(int mark) {
        int bodyStart = mark + 4;
        int bodyLen = len - bodyStart;
        if (bodyLen > MAX_VECTOR_LENGTH) {
            throw new InternalException("vector longer than the variable-length prefix allows");
        }
        int prefix = bodyLen < (1 << 6) ? 1 : bodyLen < (1 << 14) ? 2 : 4;
        if (prefix < 4) {
            System.arraycopy(buf, bodyStart, buf, mark + prefix, bodyLen);
        }
        switch (prefix) {
            case 1 -> buf[mark] = (byte) bodyLen;
            case 2 -> {
                buf[mark] = (byte) (0x40 | (bodyLen >>> 8));
                buf[mark + 1] = (byte) bodyLen;
            }
            default -> {
                buf[mark] = (byte) (0x80 | (bodyLen >>> 24));
                buf[mark + 1] = (byte) (bodyLen >>> 16);
                buf[mark + 2] = (byte) (bodyLen >>> 8);
                buf[mark + 3] = (byte) bodyLen;
            }
        }
        len = mark + prefix + bodyLen;
        return this;
    }

    /** {@code optional<T>}: a presence octet, then the value when present. */
    public <T> TlsWriter optional(Optional<? extends T> value, Encoder<T> encoder) {
        if (value.isPresent()) {
            u8(1);
            encoder.encode(this, value.get());
        } else {
            u8(0);
        }
        return this;
    }

    /** {@code optional<T>} of an encodable struct. */
    public TlsWriter optional(Optional<? extends TlsEncodable> value) {
        return optional(value, (w, v) -> v.encode(w));
    }

    public int size() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** Overwrites the written bytes with zeros; for buffers that held secrets. */
    public void wipe() {
        Arrays.fill(buf, (byte) 0);
        len = 0;
    }
}
