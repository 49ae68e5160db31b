package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * An AEAD nonce ({@code AEAD.Nn} bytes) derived by the key schedule, before any reuse-guard XOR
 * (RFC 9420 §6.3.1, §9.1).
 */
public final class AeadNonce extends Secret {

    /** Takes ownership of {@code value}. */
    public AeadNonce(byte[] value) {
        super(value);
    }
}
