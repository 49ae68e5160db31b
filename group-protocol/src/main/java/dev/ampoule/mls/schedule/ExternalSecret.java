package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code external_secret} (RFC 9420 §8): the seed of the external HPKE key pair used for
 * external joins.
 */
public final class ExternalSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public ExternalSecret(byte[] value) {
        super(value);
    }
}
