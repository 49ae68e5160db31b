package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.error.ValidationException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.crypto.hpke.HPKE;

/**
 * The supported cipher suites: all seven of RFC 9420 §17.1. Suite objects are shared and
 * thread-safe.
 */
public final class BcCipherSuites {

    private static final Map<CipherSuiteId, CipherSuite> SUITES = new EnumMap<>(CipherSuiteId.class);

    static {
        JdkHashes sha256 = new JdkHashes("SHA-256", "HmacSHA256", 32);
        JdkHashes sha384 = new JdkHashes("SHA-384", "HmacSHA384", 48);
        JdkHashes sha512 = new JdkHashes("SHA-512", "HmacSHA512", 64);
        SignatureScheme ed25519 = new SignatureScheme.EdDsa(SignatureScheme.EdCurve.ED25519);
        SignatureScheme ed448 = new SignatureScheme.EdDsa(SignatureScheme.EdCurve.ED448);
        register(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, sha256, JdkAead.aesGcm(16),
                new BcHpke(HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128), ed25519);
        register(CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, sha256, JdkAead.aesGcm(16),
                new BcHpke(HPKE.kem_P256_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128),
                SignatureScheme.Ecdsa.of("P-256", 256));
        register(CipherSuiteId.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, sha256,
                JdkAead.chaCha20Poly1305(),
                new BcHpke(HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_CHACHA20_POLY1305), ed25519);
        register(CipherSuiteId.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, sha512, JdkAead.aesGcm(32),
                new BcHpke(HPKE.kem_X448_SHA512, HPKE.kdf_HKDF_SHA512, HPKE.aead_AES_GCM256), ed448);
        register(CipherSuiteId.MLS_256_DHKEMP521_AES256GCM_SHA512_P521, sha512, JdkAead.aesGcm(32),
                new BcHpke(HPKE.kem_P521_SHA512, HPKE.kdf_HKDF_SHA512, HPKE.aead_AES_GCM256),
                SignatureScheme.Ecdsa.of("P-521", 512));
        register(CipherSuiteId.MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448, sha512,
                JdkAead.chaCha20Poly1305(),
                new BcHpke(HPKE.kem_X448_SHA512, HPKE.kdf_HKDF_SHA512, HPKE.aead_CHACHA20_POLY1305), ed448);
        register(CipherSuiteId.MLS_256_DHKEMP384_AES256GCM_SHA384_P384, sha384, JdkAead.aesGcm(32),
                new BcHpke(HPKE.kem_P384_SHA384, HPKE.kdf_HKDF_SHA384, HPKE.aead_AES_GCM256),
                SignatureScheme.Ecdsa.of("P-384", 384));
    }

    private static void register(CipherSuiteId id, JdkHashes h, JdkAead a, BcHpke hpke, SignatureScheme s) {
        SUITES.put(id, new BcCipherSuite(id, h, a, hpke, s));
    }

    private BcCipherSuites() {}

    public static CipherSuite of(CipherSuiteId id) {
        return SUITES.get(id);
    }

    /** The suite for a wire value, if supported. */
    public static Optional<CipherSuite> byWire(int wire) {
        return CipherSuiteId.fromWire(wire).map(SUITES::get);
    }

    /** The suite for a wire value; a {@link ValidationException} when it is not supported. */
    public static CipherSuite require(int wire) {
        return byWire(wire).orElseThrow(
                () -> new ValidationException(CryptoRule.UNSUPPORTED_CIPHER_SUITE, "suite " + wire));
    }

    public static boolean isSupported(int wire) {
        return byWire(wire).isPresent();
    }
}
