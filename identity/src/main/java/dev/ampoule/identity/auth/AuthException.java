package dev.ampoule.identity.auth;

/** A token was refused: {@link #expired()} tells an expired token apart from an invalid one. Carries no token. */
public final class AuthException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean expired;

    private AuthException(boolean expired, String message) {
        super(message, null, false, false);
        this.expired = expired;
    }

    public static AuthException invalid() {
        return new AuthException(false, "invalid token");
    }

    public static AuthException expired() {
        return new AuthException(true, "token expired");
    }

    public boolean isExpired() {
        return expired;
    }
}
