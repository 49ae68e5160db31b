package dev.ampoule.client;

import dev.ampoule.relay.protocol.ErrorCode;
import java.util.Optional;

/**
 * Why an operation of {@link AmpouleClient} failed. Futures of the client complete exceptionally
 * with this exception (unwrapped: {@code CompletableFuture.join()} wraps it in a
 * {@link java.util.concurrent.CompletionException}, whose cause it is).
 */
public final class AmpouleException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The kind of failure. */
    public enum Reason {
        /** The relay refused the request: see {@link #relayCode()}. */
        RELAY_ERROR,
        /** The connection dropped before the relay answered (the client sends again by itself). */
        DISCONNECTED,
        /** No answer within the configured time. */
        TIMEOUT,
        /** The client is closed, or was never connected. */
        CLOSED,
        /** This device is not (or no longer) a member of the group, or the group is unknown locally. */
        NOT_A_MEMBER,
        /** Local MLS processing refused the operation (the detail names the rule). */
        MLS,
        /** The local state could not be read or written. */
        STORAGE,
        /** Too many frames are waiting to be written to the relay. */
        QUEUE_FULL,
        /** The request is not valid (an argument or the client's state). */
        INVALID_REQUEST,
        /**
         * A message was not sent: the relay kept refusing it for longer than the builder's
         * {@code fenceTimeout}, because the group was fenced (a roster removal waiting for its
         * Commit) or this device could not catch up with the group's epoch.
         */
        FENCED,
        /**
         * This device has no valid device certificate: the identity issuer refused to certify it or
         * could not be reached (the detail says which), or its certificate does not chain to the
         * configured trust anchors.
         */
        IDENTITY,
        /**
         * Encrypted content did not decrypt or did not match its reference: a blob tampered with,
         * truncated or extended at the relay, or a key or digest that is not the blob's. Nothing of
         * it was kept (a file being written is deleted).
         */
        INTEGRITY
    }

    private final Reason reason;
    private final transient Optional<ErrorCode> relayCode;
    private final long retryAfterMillis;

    public AmpouleException(Reason reason, String message) {
        this(reason, Optional.empty(), message, 0, null);
    }

    public AmpouleException(Reason reason, String message, Throwable cause) {
        this(reason, Optional.empty(), message, 0, cause);
    }

    private AmpouleException(Reason reason, Optional<ErrorCode> code, String message, long retryAfterMillis,
            Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.relayCode = code;
        this.retryAfterMillis = retryAfterMillis;
    }

    /** The relay answered with an error. */
    public static AmpouleException relay(ErrorCode code, String detail, long retryAfterMillis) {
        String message = code + (detail.isEmpty() ? "" : ": " + detail);
        return new AmpouleException(Reason.RELAY_ERROR, Optional.of(code), message, retryAfterMillis, null);
    }

    public Reason reason() {
        return reason;
    }

    /** The relay's error code, for {@link Reason#RELAY_ERROR}. */
    public Optional<ErrorCode> relayCode() {
        return relayCode;
    }

    /** The relay's retry hint in milliseconds (0 if none). */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** Whether this is the relay's error {@code code}. */
    public boolean is(ErrorCode code) {
        return relayCode.filter(c -> c == code).isPresent();
    }

    @Override
    public String toString() {
        return "AmpouleException[" + reason + ": " + getMessage() + "]";
    }
}
