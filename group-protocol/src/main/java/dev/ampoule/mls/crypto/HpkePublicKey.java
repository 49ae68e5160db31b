package dev.ampoule.mls.crypto;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code opaque HPKEPublicKey<V>} (RFC 9420 §5.1.1): the KEM's {@code SerializePublicKey} output.
 * Equality is by value.
 */
public record HpkePublicKey(byte[] bytes) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.opaque(bytes);
    }

    public static HpkePublicKey decode(TlsReader r) {
        return new HpkePublicKey(r.opaque());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HpkePublicKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "HpkePublicKey[" + HexFormat.of().formatHex(bytes, 0, Math.min(8, bytes.length)) + "…]";
    }
}
