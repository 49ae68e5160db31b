package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;
import java.util.Objects;

/**
 * One pre-shared key injected into an epoch: its id as listed in the Commit or GroupSecrets, and its
 * value — the application's external PSK or the referenced epoch's {@link ResumptionPsk}
 * (RFC 9420 §8.4). The value is lent, not owned.
 */
public record PskInput(PreSharedKeyId id, Secret psk) {

    public PskInput {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(psk, "psk");
    }
}
