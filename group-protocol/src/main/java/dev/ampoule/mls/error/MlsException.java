package dev.ampoule.mls.error;

/**
 * Root of the small exception hierarchy of the MLS library.
 *
 * <p>There are exactly three kinds of failure: input that does not decode ({@link DecodeException}),
 * input that decodes but breaks a protocol rule ({@link ValidationException}), and a fault of this
 * library or its environment ({@link InternalException}). Messages never carry key material,
 * ciphertext or application content: they name what was wrong, not the bytes that were.
 */
public abstract sealed class MlsException extends RuntimeException
        permits DecodeException, ValidationException, InternalException {

    protected MlsException(String message) {
        super(message);
    }

    protected MlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
