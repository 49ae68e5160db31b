package dev.ampoule.mls.error;

/**
 * Bytes that are not a well-formed encoding of the expected structure (RFC 9420 §2.1, the TLS
 * presentation language): truncated, with trailing bytes, a non-minimal length prefix, an invalid
 * enumeration value, or a length beyond what remains.
 */
public final class DecodeException extends MlsException {

    public DecodeException(String message) {
        super(message);
    }
}
