package dev.ampoule.mls.error;

/**
 * A fault of this library or of the platform beneath it (a missing algorithm, a broken invariant),
 * never of the peer's input.
 */
public final class InternalException extends MlsException {

    public InternalException(String message) {
        super(message);
    }

    public InternalException(String message, Throwable cause) {
        super(message, cause);
    }
}
