package dev.ampoule.identity.api;

/**
 * A refused request: the HTTP status and the error code of the JSON answer
 * {@code {"code": "...", "message": "..."}}. The message names what was wrong, never a value sent.
 */
public final class ApiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The error codes of the issuer's API (IDENTITY.md, "API"). */
    public enum Code {
        BAD_REQUEST(400),
        BAD_DEVICE_ID(400),
        UNSUPPORTED_CIPHER_SUITE(400),
        BAD_SIGNATURE_KEY(400),
        UNAUTHENTICATED(401),
        TOKEN_EXPIRED(401),
        SUBJECT_MISMATCH(403),
        WRONG_ORGANISATION(403),
        BAD_NONCE(403),
        BAD_PROOF(403),
        NOT_FOUND(404),
        METHOD_NOT_ALLOWED(405),
        TOO_LARGE(413),
        RATE_LIMITED(429),
        INTERNAL(500),
        UNAVAILABLE(503);

        public final int status;

        Code(int status) {
            this.status = status;
        }
    }

    private final Code code;

    public ApiError(Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public Code code() {
        return code;
    }
}
