package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/** {@code epoch_secret} (RFC 9420 §8): the root of every secret of one epoch. */
public final class EpochSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public EpochSecret(byte[] value) {
        super(value);
    }
}
