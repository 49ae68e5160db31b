package dev.ampoule.mls.crypto;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code opaque SignaturePublicKey<V>} (RFC 9420 §5.1.1): raw EdDSA key bytes or an uncompressed
 * SEC1 point for ECDSA. Equality is by value.
 */
public record SignaturePublicKey(byte[] bytes) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.opaque(bytes);
    }

    public static SignaturePublicKey decode(TlsReader r) {
        return new SignaturePublicKey(r.opaque());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignaturePublicKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SignaturePublicKey[" + HexFormat.of().formatHex(bytes, 0, Math.min(8, bytes.length)) + "…]";
    }
}
