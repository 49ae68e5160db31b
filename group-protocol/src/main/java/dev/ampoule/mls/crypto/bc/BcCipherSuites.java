package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.error.ValidationException;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The supported cipher suites: all seven of RFC 9420 §17.1. Suite objects are shared and
 * thread-safe.
 */
public final class BcCipherSuites {

    private static final Map<CipherSuiteId, CipherSuite> SUITES = new EnumMap<>(CipherSuiteId.class);

    static {
        SecureRandom random = new SecureRandom();
        JdkHashes sha256 = new JdkHashes("SHA-256", "HmacSHA256", 32);
        JdkHashes sha384 = new JdkHashes("SHA-384", "HmacSHA384", 48);
        JdkHashes sha512 = new JdkHashes("SHA-512", "HmacSHA512", 64);
        // RFC 9180 §7.1: each DHKEM with the KDF of its own hash.
        Dhkem x25519 = new Dhkem(0x0020, DhGroup.Montgomery.X25519_GROUP, sha256, random);
        Dhkem x448 = new Dhkem(0x0021, DhGroup.Montgomery.X448_GROUP, sha512, random);
        Dhkem p256 = new Dhkem(0x0010, DhGroup.Nist.P256, sha256, random);
        Dhkem p384 = new Dhkem(0x0011, DhGroup.Nist.P384, sha384, random);
        Dhkem p521 = new Dhkem(0x0012, DhGroup.Nist.P521, sha512, random);
        JdkAead aes128 = JdkAead.aesGcm(16);
        JdkAead aes256 = JdkAead.aesGcm(32);
        JdkAead chaCha = JdkAead.chaCha20Poly1305();
        SignatureScheme ed25519 = new SignatureScheme.EdDsa(SignatureScheme.EdCurve.ED25519);
        SignatureScheme ed448 = new SignatureScheme.EdDsa(SignatureScheme.EdCurve.ED448);
        // RFC 9180 §7.2, §7.3: KDF ids 1-3 are HKDF-SHA256/384/512, AEAD ids 1-3 AES-128-GCM,
        // AES-256-GCM, ChaCha20Poly1305.
        register(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, sha256, aes128,
                new Hpke(x25519, sha256, 1, aes128, 1), ed25519, random);
        register(CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256, sha256, aes128,
                new Hpke(p256, sha256, 1, aes128, 1), SignatureScheme.Ecdsa.of("P-256", 256), random);
        register(CipherSuiteId.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519, sha256, chaCha,
                new Hpke(x25519, sha256, 1, chaCha, 3), ed25519, random);
        register(CipherSuiteId.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, sha512, aes256,
                new Hpke(x448, sha512, 3, aes256, 2), ed448, random);
        register(CipherSuiteId.MLS_256_DHKEMP521_AES256GCM_SHA512_P521, sha512, aes256,
                new Hpke(p521, sha512, 3, aes256, 2), SignatureScheme.Ecdsa.of("P-521", 512), random);
        register(CipherSuiteId.MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448, sha512, chaCha,
                new Hpke(x448, sha512, 3, chaCha, 3), ed448, random);
        register(CipherSuiteId.MLS_256_DHKEMP384_AES256GCM_SHA384_P384, sha384, aes256,
                new Hpke(p384, sha384, 2, aes256, 2), SignatureScheme.Ecdsa.of("P-384", 384), random);
    }

    private static void register(CipherSuiteId id, JdkHashes h, JdkAead a, Hpke hpke, SignatureScheme s,
            SecureRandom random) {
        SUITES.put(id, new BcCipherSuite(id, h, a, hpke, s, random));
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
