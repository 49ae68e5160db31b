package dev.ampoule.relay.protocol;

/**
 * A request the relay refuses, with the {@link ErrorCode} the client receives, a short detail
 * (never key material, tokens or message content) and an optional retry hint.
 */
public final class RelayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final long retryAfterMillis;

    public RelayException(ErrorCode code, String detail) {
        this(code, detail, 0);
    }

    public RelayException(ErrorCode code, String detail, long retryAfterMillis) {
        super(detail, null, false, false);
        this.code = code;
        this.retryAfterMillis = retryAfterMillis;
    }

    public ErrorCode code() {
        return code;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    public String detail() {
        return getMessage() == null ? "" : getMessage();
    }

    @Override
    public String toString() {
        return "RelayException[" + code + ": " + detail() + "]";
    }
}
