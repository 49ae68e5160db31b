package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.error.InternalException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Hash, HMAC and HKDF (RFC 5869) on the JDK's providers.
 *
 * <p>Why not Bouncy Castle's digests here: the JDK's SHA-2 uses CPU intrinsics and is several times
 * faster than Bouncy Castle's pure-Java digests, and the key schedule, secret tree and tree hashes
 * call these thousands of times per commit. HKDF is the few lines of RFC 5869 over the JDK's HMAC.
 */
final class JdkHashes {

    private final String digestName;
    private final String macName;
    private final int length;
    private final ThreadLocal<MessageDigest> digest;
    private final ThreadLocal<Mac> mac;

    JdkHashes(String digestName, String macName, int length) {
        this.digestName = digestName;
        this.macName = macName;
        this.length = length;
        this.digest = ThreadLocal.withInitial(this::newDigest);
        this.mac = ThreadLocal.withInitial(this::newMac);
    }

    private MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(digestName);
        } catch (GeneralSecurityException e) {
            throw new InternalException("JDK lacks " + digestName, e);
        }
    }

    private Mac newMac() {
        try {
            return Mac.getInstance(macName);
        } catch (GeneralSecurityException e) {
            throw new InternalException("JDK lacks " + macName, e);
        }
    }

    int length() {
        return length;
    }

    byte[] hash(byte[] data) {
        MessageDigest md = digest.get();
        md.reset();
        return md.digest(data);
    }

    byte[] hmac(byte[] key, byte[] data) {
        Mac m = initMac(key);
        return m.doFinal(data);
    }

    private Mac initMac(byte[] key) {
        // HMAC pads a key with zeros to the block size, so an empty key equals a zero key; the JDK
        // refuses empty keys, which HKDF-Extract with an empty salt needs (RFC 5869 §2.2).
        byte[] k = key.length == 0 ? new byte[length] : key;
        Mac m = mac.get();
        try {
            m.init(new SecretKeySpec(k, macName));
        } catch (GeneralSecurityException e) {
            throw new InternalException("HMAC key rejected", e);
        }
        return m;
    }

    /** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM). */
    byte[] extract(byte[] salt, byte[] ikm) {
        return hmac(salt, ikm);
    }

    /** HKDF-Extract(salt, IKM) with IKM the concatenation of {@code ikmParts}, which are not copied. */
    byte[] extract(byte[] salt, byte[]... ikmParts) {
        Mac m = initMac(salt);
        for (byte[] part : ikmParts) {
            m.update(part);
        }
        return m.doFinal();
    }

    /** HKDF-Expand(PRK, info, L). */
    byte[] expand(byte[] prk, byte[] info, int outLength) {
        if (outLength < 0 || outLength > 255 * length) {
            throw new InternalException("HKDF-Expand output length out of range");
        }
        byte[] out = new byte[outLength];
        Mac m = initMac(prk);
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < outLength; i++) {
            m.update(t);
            m.update(info);
            m.update((byte) i);
            t = m.doFinal();
            int n = Math.min(t.length, outLength - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        java.util.Arrays.fill(t, (byte) 0);
        return out;
    }
}
