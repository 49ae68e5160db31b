package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/** {@code exporter_secret} (RFC 9420 §8.5): the source of MLS-Exporter values. */
public final class ExporterSecret extends Secret {

    /** Takes ownership of {@code value}. */
    public ExporterSecret(byte[] value) {
        super(value);
    }
}
