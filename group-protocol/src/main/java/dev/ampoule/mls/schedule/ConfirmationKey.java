package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code confirmation_key} (RFC 9420 §8, §6.1): MACs the confirmed transcript hash into a
 * confirmation_tag.
 */
public final class ConfirmationKey extends Secret {

    /** Takes ownership of {@code value}. */
    public ConfirmationKey(byte[] value) {
        super(value);
    }
}
