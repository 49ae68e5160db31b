package dev.ampoule.client.admin;

/**
 * The relay's admin API refused a call (or could not be reached: status 0). {@link #code()} is
 * the API's error code ({@code FORBIDDEN}, {@code NOT_FOUND}, {@code BAD_REQUEST}…); the message
 * is the relay's, which names no secret.
 */
public final class AdminException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public AdminException(int status, String code, String message) {
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
