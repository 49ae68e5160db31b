package dev.ampoule.mls.crypto.bc;

import java.nio.charset.StandardCharsets;

/**
 * RFC 9180 §4: {@code LabeledExtract} and {@code LabeledExpand} of one {@code suite_id} — the KEM's
 * ({@code "KEM" || kem_id}, §4.1) or the HPKE suite's ({@code "HPKE" || kem_id || kdf_id ||
 * aead_id}, §5.1) — over the JDK's HKDF ({@link JdkHashes}).
 */
final class HpkeKdf {

    private static final byte[] VERSION = "HPKE-v1".getBytes(StandardCharsets.US_ASCII);

    private final JdkHashes hashes;
    private final byte[] suiteId;

    HpkeKdf(JdkHashes hashes, byte[] suiteId) {
        this.hashes = hashes;
        this.suiteId = suiteId.clone();
    }

    /** {@code Nh}. */
    int hashLength() {
        return hashes.length();
    }

    /**
     * {@code LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm)};
     * {@code ikm} is hashed in place, never copied (it is a whole encrypted GroupInfo in a Welcome).
     */
    byte[] labeledExtract(byte[] salt, String label, byte[] ikm) {
        return hashes.extract(salt, VERSION, suiteId, ascii(label), ikm);
    }

    /**
     * {@code LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id ||
     * label || info, L)}.
     */
    byte[] labeledExpand(byte[] prk, String label, byte[] info, int length) {
        byte[] l = ascii(label);
        byte[] labeledInfo = new byte[2 + VERSION.length + suiteId.length + l.length + info.length];
        labeledInfo[0] = (byte) (length >>> 8);
        labeledInfo[1] = (byte) length;
        int at = 2;
        for (byte[] part : new byte[][] {VERSION, suiteId, l, info}) {
            System.arraycopy(part, 0, labeledInfo, at, part.length);
            at += part.length;
        }
        try {
            return hashes.expand(prk, labeledInfo, length);
        } finally {
            java.util.Arrays.fill(labeledInfo, (byte) 0);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code I2OSP(value, 2)}. */
    static byte[] u16(int value) {
        return new byte[] {(byte) (value >>> 8), (byte) value};
    }
}
