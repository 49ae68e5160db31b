package dev.ampoule.client.identity;

/**
 * The identity issuer refused to certify the device (or could not be reached: status 0).
 * {@link #code()} is the issuer's error code ({@code UNAUTHENTICATED}, {@code BAD_NONCE},
 * {@code BAD_PROOF}…); the message names no secret.
 */
public final class IssuerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public IssuerException(int status, String code, String message) {
        super(status + " " + code + ": " + message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
