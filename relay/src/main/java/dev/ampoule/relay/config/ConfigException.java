package dev.ampoule.relay.config;

/** A configuration value that is missing, malformed or out of range. */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
