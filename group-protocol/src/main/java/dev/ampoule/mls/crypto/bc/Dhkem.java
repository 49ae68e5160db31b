package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.HpkePublicKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * DHKEM(Group, KDF) of RFC 9180 §4.1 over a {@link DhGroup}, with the KEM's own KDF and
 * {@code suite_id = "KEM" || I2OSP(kem_id, 2)}. Thread-safe.
 */
final class Dhkem {

    private static final byte[] EMPTY = new byte[0];

    /** The KEM output and its shared secret, which the caller zeroes. */
    record Encapsulation(byte[] sharedSecret, byte[] enc) {}

    private final int kemId;
    private final DhGroup group;
    private final HpkeKdf kdf;
    private final SecureRandom random;

    Dhkem(int kemId, DhGroup group, JdkHashes hash, SecureRandom random) {
        this.kemId = kemId;
        this.group = group;
        byte[] prefix = "KEM".getBytes(StandardCharsets.US_ASCII);
        byte[] suiteId = Arrays.copyOf(prefix, prefix.length + 2);
        System.arraycopy(HpkeKdf.u16(kemId), 0, suiteId, prefix.length, 2);
        this.kdf = new HpkeKdf(hash, suiteId);
        this.random = random;
    }

    int id() {
        return kemId;
    }

    /** {@code Nsk}. */
    int privateKeyLength() {
        return group.privateKeyLength();
    }

    /** {@code Encap(pkR)} with a fresh ephemeral key pair. */
    Encapsulation encap(byte[] pkR) {
        byte[] skE = group.generatePrivate(random);
        try {
            return encap(pkR, skE);
        } finally {
            Arrays.fill(skE, (byte) 0);
        }
    }

    /** {@code Encap(pkR)} with the ephemeral private key {@code skE} (the test vectors fix it). */
    Encapsulation encap(byte[] pkR, byte[] skE) {
        byte[] dh = group.dh(skE, pkR);
        byte[] enc = group.publicKey(skE);
        return new Encapsulation(extractAndExpand(dh, enc, pkR), enc);
    }

    /** {@code Decap(enc, skR)}; {@code pkR} is the public key of {@code skR}. */
    byte[] decap(byte[] enc, byte[] skR, byte[] pkR) {
        return extractAndExpand(group.dh(skR, enc), enc, pkR);
    }

    /** {@code ExtractAndExpand(dh, kem_context)} with {@code kem_context = enc || pkRm}; zeroes {@code dh}. */
    private byte[] extractAndExpand(byte[] dh, byte[] enc, byte[] pkR) {
        byte[] kemContext = Arrays.copyOf(enc, enc.length + pkR.length);
        System.arraycopy(pkR, 0, kemContext, enc.length, pkR.length);
        byte[] prk = kdf.labeledExtract(EMPTY, "eae_prk", dh);
        try {
            return kdf.labeledExpand(prk, "shared_secret", kemContext, kdf.hashLength());
        } finally {
            Arrays.fill(dh, (byte) 0);
            Arrays.fill(prk, (byte) 0);
        }
    }

    /** {@code DeriveKeyPair(ikm)} (§7.1.3). */
    HpkeKeyPair derive(byte[] ikm) {
        byte[] prk = kdf.labeledExtract(EMPTY, "dkp_prk", ikm);
        try {
            return pair(group.derivePrivate(kdf, prk));
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    HpkeKeyPair generate() {
        return pair(group.generatePrivate(random));
    }

    private HpkeKeyPair pair(byte[] sk) {
        return new HpkeKeyPair(new HpkePrivateKey(sk), new HpkePublicKey(group.publicKey(sk)));
    }

    HpkePublicKey publicKeyOf(HpkePrivateKey key) {
        return new HpkePublicKey(group.publicKey(key.reveal()));
    }

    /** @see DhGroup#validatePublicKey */
    void validatePublicKey(HpkePublicKey key) {
        group.validatePublicKey(key.bytes());
    }
}
