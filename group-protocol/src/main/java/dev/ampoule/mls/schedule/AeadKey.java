package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * An AEAD key ({@code AEAD.Nk} bytes) derived by the key schedule: a ratchet key (RFC 9420
 * §9.1), a sender-data key (§6.3.2) or a Welcome key (§12.4.3.1).
 */
public final class AeadKey extends Secret {

    /** Takes ownership of {@code value}. */
    public AeadKey(byte[] value) {
        super(value);
    }
}
