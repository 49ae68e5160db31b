package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/** {@code encryption_secret} (RFC 9420 §8, §9): the root of the secret tree. */
public final class EncryptionSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public EncryptionSecret(byte[] value) {
        super(value);
    }
}
