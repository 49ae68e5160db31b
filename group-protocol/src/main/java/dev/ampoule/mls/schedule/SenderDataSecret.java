package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code sender_data_secret} (RFC 9420 §8, §6.3.2): keys the encryption of PrivateMessage sender
 * data.
 */
public final class SenderDataSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public SenderDataSecret(byte[] value) {
        super(value);
    }
}
