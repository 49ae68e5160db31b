package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * RFC 9420 §5.2: {@code HashReference KeyPackageRef;} with
 * {@code KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)}, where
 * {@code opaque HashReference<V>;}. Equality is by value.
 */
public record KeyPackageRef(byte[] value) implements TlsEncodable {

    /** The RefHash label, used as given (RFC 9420 §5.2). */
    public static final String LABEL = "MLS 1.0 KeyPackage Reference";

    /** The reference of an encoded KeyPackage. */
    public static KeyPackageRef of(CipherSuite suite, byte[] encodedKeyPackage) {
        return new KeyPackageRef(suite.refHash(LABEL, encodedKeyPackage));
    }

    @Override
    public void encode(TlsWriter w) {
        w.opaque(value);
    }

    public static KeyPackageRef decode(TlsReader r) {
        return new KeyPackageRef(r.opaque());
    }

    /** Constant-time comparison, for matching a Welcome entry against one's own KeyPackages. */
    public boolean matches(KeyPackageRef other) {
        return MessageDigest.isEqual(value, other.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyPackageRef k && Arrays.equals(value, k.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "KeyPackageRef[" + HexFormat.of().formatHex(value) + "]";
    }
}
