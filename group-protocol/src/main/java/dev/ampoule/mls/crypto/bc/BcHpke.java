package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeExport;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.error.ValidationException;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;

/**
 * HPKE base mode (RFC 9180) from Bouncy Castle. One {@link HPKE} object per thread, since its KEM
 * keeps state between calls.
 */
final class BcHpke {

    private final ThreadLocal<HPKE> hpke;
    /** {@code Nsk} of the KEM (RFC 9180 §7.1). */
    private final int privateKeyLength;

    BcHpke(short kem, short kdf, short aead) {
        this.hpke = ThreadLocal.withInitial(() -> new HPKE(HPKE.mode_base, kem, kdf, aead));
        this.privateKeyLength = switch (kem) {
            case HPKE.kem_P384_SHA384 -> 48;
            case HPKE.kem_P521_SHA512 -> 66;
            case HPKE.kem_X448_SHA512 -> 56;
            default -> 32;
        };
    }

    /**
     * A NIST-curve private key is a big-endian scalar; some encoders drop its leading zero bytes
     * (the RFC 9420 test vectors hold 65-byte P-521 keys). Such a key is left-padded to
     * {@code Nsk}; the returned copy must be zeroed by the caller when it is not {@code sk}.
     */
    private byte[] fullLength(byte[] sk) {
        if (sk.length >= privateKeyLength) {
            return sk;
        }
        byte[] padded = new byte[privateKeyLength];
        System.arraycopy(sk, 0, padded, privateKeyLength - sk.length, sk.length);
        return padded;
    }

    private AsymmetricCipherKeyPair deserializePrivate(byte[] sk, byte[] pk) {
        byte[] full = fullLength(sk);
        try {
            return hpke.get().deserializePrivateKey(full, pk);
        } finally {
            if (full != sk) {
                java.util.Arrays.fill(full, (byte) 0);
            }
        }
    }

    private AsymmetricKeyParameter publicParam(HpkePublicKey key) {
        try {
            return hpke.get().deserializePublicKey(key.bytes());
        } catch (RuntimeException e) {
            throw new ValidationException(CryptoRule.INVALID_HPKE_PUBLIC_KEY);
        }
    }

    private AsymmetricCipherKeyPair keyPair(HpkeKeyPair key) {
        try {
            return deserializePrivate(key.privateKey().reveal(), key.publicKey().bytes());
        } catch (RuntimeException e) {
            throw new ValidationException(CryptoRule.INVALID_HPKE_PRIVATE_KEY);
        }
    }

    HpkeCiphertext seal(HpkePublicKey key, byte[] info, byte[] aad, byte[] plaintext) {
        AsymmetricKeyParameter pk = publicParam(key);
        try {
            byte[][] ctAndEnc = hpke.get().seal(pk, info, aad, plaintext, null, null, null);
            return new HpkeCiphertext(ctAndEnc[1], ctAndEnc[0]);
        } catch (InvalidCipherTextException | RuntimeException e) {
            // A public key that deserializes but yields an all-zero shared secret lands here.
            throw new ValidationException(CryptoRule.INVALID_HPKE_PUBLIC_KEY);
        }
    }

    byte[] open(HpkeKeyPair key, byte[] kemOutput, byte[] info, byte[] aad, byte[] ciphertext) {
        AsymmetricCipherKeyPair kp = keyPair(key);
        try {
            return hpke.get().open(kemOutput, kp, info, aad, ciphertext, null, null, null);
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new ValidationException(CryptoRule.HPKE_OPEN_FAILED);
        }
    }

    HpkeExport exportSend(HpkePublicKey key, byte[] info, byte[] exporterContext, int length) {
        AsymmetricKeyParameter pk = publicParam(key);
        try {
            byte[][] encAndSecret = hpke.get().sendExport(pk, info, exporterContext, length, null, null, null);
            return new HpkeExport(encAndSecret[0], new Secret(encAndSecret[1]));
        } catch (RuntimeException e) {
            throw new ValidationException(CryptoRule.INVALID_HPKE_PUBLIC_KEY);
        }
    }

    Secret exportReceive(HpkeKeyPair key, byte[] kemOutput, byte[] info, byte[] exporterContext, int length) {
        AsymmetricCipherKeyPair kp = keyPair(key);
        try {
            return new Secret(hpke.get().receiveExport(kemOutput, kp, info, exporterContext, length, null, null, null));
        } catch (RuntimeException e) {
            throw new ValidationException(CryptoRule.HPKE_OPEN_FAILED, "invalid kem_output");
        }
    }

    HpkeKeyPair derive(byte[] ikm) {
        return toPair(hpke.get().deriveKeyPair(ikm));
    }

    HpkeKeyPair generate() {
        return toPair(hpke.get().generatePrivateKey());
    }

    HpkePublicKey publicKeyOf(HpkePrivateKey key) {
        try {
            AsymmetricCipherKeyPair kp = deserializePrivate(key.reveal(), null);
            return new HpkePublicKey(hpke.get().serializePublicKey(kp.getPublic()));
        } catch (RuntimeException e) {
            throw new ValidationException(CryptoRule.INVALID_HPKE_PRIVATE_KEY);
        }
    }

    private HpkeKeyPair toPair(AsymmetricCipherKeyPair kp) {
        HPKE h = hpke.get();
        return new HpkeKeyPair(
                new HpkePrivateKey(h.serializePrivateKey(kp.getPrivate())),
                new HpkePublicKey(h.serializePublicKey(kp.getPublic())));
    }
}
