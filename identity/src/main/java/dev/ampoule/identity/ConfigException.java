package dev.ampoule.identity;

/** A setting of the issuer is missing or invalid; the message names it (never a secret). */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
