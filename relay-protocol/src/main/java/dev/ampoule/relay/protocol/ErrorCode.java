package dev.ampoule.relay.protocol;

import java.util.Optional;

/**
 * The relay's error codes, as carried by an {@link Frame.Error} frame ({@code uint16}). The wire
 * values are stable: a code is never renumbered or reused; new codes get new values.
 */
public enum ErrorCode {
    /** The frame does not decode (bad struct, trailing bytes, unknown frame type). Not retryable. */
    MALFORMED_FRAME(1),
    /** The frame is larger than the relay's frame size limit. */
    FRAME_TOO_LARGE(2),
    /** The frame's protocol version is not one this relay speaks. */
    UNSUPPORTED_VERSION(3),
    /** No valid token yet, or the token was refused. */
    UNAUTHENTICATED(10),
    /** The token has expired: get a new one and reconnect. */
    TOKEN_EXPIRED(11),
    /** Authenticated, but this device may not do that (e.g. it is not a member of the group). */
    FORBIDDEN(12),
    /** The relay knows no group with that id. */
    UNKNOWN_GROUP(20),
    /** CreateGroup for a group id that already exists. */
    GROUP_EXISTS(21),
    /** The message is for an epoch older than the group's: catch up (fetch the missing commits) and retry. */
    STALE_EPOCH(22),
    /** The message is for an epoch the group has not reached. */
    FUTURE_EPOCH(23),
    /** Another commit was accepted for this epoch first: process it, then retry on the new epoch. */
    COMMIT_CONFLICT(24),
    /** The MLS message failed validation; the detail names the RFC 9420 rule. */
    INVALID_MESSAGE(25),
    /** The same message was already accepted. */
    REPLAY(26),
    /** The group is fenced by a pending removal: retry after the hint. */
    GROUP_FENCED(27),
    /** Too many requests: retry after the hint. */
    RATE_LIMITED(30),
    /** The device or user has no KeyPackage to hand out. */
    NO_KEY_PACKAGE(31),
    /** A configured limit (group size, connections per user, pending messages…) was reached. */
    LIMIT_EXCEEDED(32),
    /** Resume asked for messages the relay no longer retains (acknowledged by all, or expired). */
    NOT_RETAINED(33),
    /** The relay keeps no blob with that id (or none the device may know of). */
    UNKNOWN_BLOB(60),
    /** A blob larger than the relay's {@code maxBlobBytes}. */
    BLOB_TOO_LARGE(61),
    /** The blob would take its team (group) over its storage quota ({@code teamBlobQuotaBytes}). */
    QUOTA_EXCEEDED(62),
    /**
     * An upload does not match what was declared: a chunk at the wrong offset or past the size, a
     * last chunk before the size is reached, bytes whose SHA-256 is not the declared digest, or an
     * id in use with other parameters. The upload is discarded (nothing is stored).
     */
    BLOB_MISMATCH(63),
    /** The device may not read that: a blob or history outside what it was granted (or shared). */
    NOT_GRANTED(64),
    /**
     * A history grant (or a preparation of one) beyond what a coordinator authorised: no
     * authorisation for the grantee, a range outside it, or a granting device not of a coordinator.
     */
    GRANT_NOT_AUTHORISED(65),
    /** The relay is shutting down or not ready: reconnect later. */
    UNAVAILABLE(40),
    /** A fault of the relay. */
    INTERNAL(50);

    private final int wire;

    ErrorCode(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }

    public static Optional<ErrorCode> byWire(int wire) {
        for (ErrorCode c : values()) {
            if (c.wire == wire) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
