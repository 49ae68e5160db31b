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

    BcHpke(short kem, short kdf, short aead) {
        this.hpke = ThreadLocal.withInitial(() -> new HPKE(HPKE.mode_base, kem, kdf, aead));
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
            return hpke.get().deserializePrivateKey(key.privateKey().reveal(), key.publicKey().bytes());
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
            AsymmetricCipherKeyPair kp = hpke.get().deserializePrivateKey(key.reveal(), null);
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
