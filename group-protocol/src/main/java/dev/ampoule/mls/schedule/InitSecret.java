package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code init_secret} (RFC 9420 §8): links an epoch to the next; consumed when the next epoch is
 * derived.
 */
public final class InitSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public InitSecret(byte[] value) {
        super(value);
    }
}
