package dev.ampoule.mls.crypto;

import dev.ampoule.mls.error.Rule;

/** Rules of the cryptographic layer (RFC 9420 §5, RFC 9180). */
public enum CryptoRule implements Rule {
    AEAD_OPEN_FAILED("RFC 9420 §5.1", "AEAD decryption failed: wrong key, nonce, AAD or a modified ciphertext"),
    HPKE_OPEN_FAILED("RFC 9420 §5.1.3", "HPKE decryption failed"),
    INVALID_HPKE_PUBLIC_KEY("RFC 9180 §7.1.1", "HPKE public key is not a valid point for the suite's KEM"),
    INVALID_HPKE_PRIVATE_KEY("RFC 9180 §7.1.2", "HPKE private key is not valid for the suite's KEM"),
    INVALID_SIGNATURE_KEY("RFC 9420 §5.1.2", "signature key is not valid for the suite's signature scheme"),
    UNSUPPORTED_CIPHER_SUITE("RFC 9420 §17.1", "cipher suite not supported");

    private final String section;
    private final String description;

    CryptoRule(String section, String description) {
        this.section = section;
        this.description = description;
    }

    @Override
    public String section() {
        return section;
    }

    @Override
    public String description() {
        return description;
    }
}
