package dev.ampoule.mls.schedule;

import java.util.Objects;

/**
 * What one step of the key schedule yields for a member that entered the epoch by a Commit
 * (RFC 9420 §8): the {@code joiner_secret} for the Welcome's GroupSecrets, the
 * {@code welcome_secret} for its GroupInfo, and the epoch's secrets. The holder owns all three;
 * {@link #close()} destroys them.
 */
public record EpochKeys(JoinerSecret joinerSecret, WelcomeSecret welcomeSecret, EpochSecrets epochSecrets)
        implements AutoCloseable {

    public EpochKeys {
        Objects.requireNonNull(joinerSecret, "joinerSecret");
        Objects.requireNonNull(welcomeSecret, "welcomeSecret");
        Objects.requireNonNull(epochSecrets, "epochSecrets");
    }

    /** Destroys the joiner and welcome secrets, keeping the epoch's secrets. */
    public EpochSecrets releaseWelcomeSecrets() {
        joinerSecret.destroy();
        welcomeSecret.destroy();
        return epochSecrets;
    }

    @Override
    public void close() {
        joinerSecret.destroy();
        welcomeSecret.destroy();
        epochSecrets.destroy();
    }
}
