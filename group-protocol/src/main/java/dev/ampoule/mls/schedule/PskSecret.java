package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code psk_secret} (RFC 9420 §8.4): all of a commit's pre-shared keys chained into one value;
 * all zero without PSKs.
 */
public final class PskSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public PskSecret(byte[] value) {
        super(value);
    }
}
