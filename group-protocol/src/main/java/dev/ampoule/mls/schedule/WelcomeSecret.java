package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/** {@code welcome_secret} (RFC 9420 §8, §12.4.3.1): protects the GroupInfo inside a Welcome. */
public final class WelcomeSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public WelcomeSecret(byte[] value) {
        super(value);
    }
}
