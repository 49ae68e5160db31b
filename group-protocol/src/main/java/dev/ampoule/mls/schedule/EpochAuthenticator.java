package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code epoch_authenticator} (RFC 9420 §8.7): equal for all members that share the view of the
 * epoch.
 */
public final class EpochAuthenticator extends Secret {

    /** Takes ownership of {@code value}. */
    public EpochAuthenticator(byte[] value) {
        super(value);
    }
}
