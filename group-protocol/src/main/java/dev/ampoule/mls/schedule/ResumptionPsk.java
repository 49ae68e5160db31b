package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/** {@code resumption_psk} (RFC 9420 §8.6): this epoch's value for a later resumption PSK. */
public final class ResumptionPsk extends Secret {

    /** Takes ownership of {@code value}. */
    public ResumptionPsk(byte[] value) {
        super(value);
    }
}
