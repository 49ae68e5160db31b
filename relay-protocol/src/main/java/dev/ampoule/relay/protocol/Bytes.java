package dev.ampoule.relay.protocol;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An immutable byte string with value equality: group ids, MLS messages and KeyPackages as the
 * relay carries them. {@link #toString()} shows the length and, for short values (ids), the hex.
 */
public final class Bytes implements Comparable<Bytes> {

    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] value;
    private int hash;

    private Bytes(byte[] value) {
        this.value = value;
    }

    /** Wraps a copy of {@code value}. */
    public static Bytes of(byte[] value) {
        return new Bytes(value.clone());
    }

    /** Wraps {@code value} without copying: the caller gives up the array. */
    public static Bytes wrap(byte[] value) {
        return new Bytes(value);
    }

    public static Bytes ofHex(String hex) {
        return new Bytes(HexFormat.of().parseHex(hex));
    }

    /** A copy of the bytes. */
    public byte[] toArray() {
        return value.clone();
    }

    /** The bytes themselves, for read-only use (encoders, hashing). Never modify the result. */
    public byte[] unsafeArray() {
        return value;
    }

    public int length() {
        return value.length;
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    public String hex() {
        return HexFormat.of().formatHex(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(value, b.value);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            h = Arrays.hashCode(value);
            hash = h;
        }
        return h;
    }

    @Override
    public int compareTo(Bytes o) {
        return Arrays.compareUnsigned(value, o.value);
    }

    @Override
    public String toString() {
        return value.length <= 32 ? "Bytes[" + hex() + "]" : "Bytes[" + value.length + " bytes]";
    }
}
