package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code joiner_secret} (RFC 9420 §8): sent to new members in GroupSecrets; the start of a
 * joiner's key schedule.
 */
public final class JoinerSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public JoinerSecret(byte[] value) {
        super(value);
    }
}
