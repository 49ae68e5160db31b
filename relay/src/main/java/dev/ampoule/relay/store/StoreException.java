package dev.ampoule.relay.store;

/**
 * The store cannot do what was asked (closed, failed, full, unreachable), or it refused the write
 * because of what it already holds ({@link #reason()}): a message with that group sequence number
 * or a commit of that group epoch ({@link Reason#CONFLICT}; a database refuses both by its unique
 * keys), or — a store shared by a cluster — the group changed since the writer read it
 * ({@link Reason#STALE}), another Commit of that epoch was accepted first ({@link Reason#EPOCH_TAKEN}),
 * the message was accepted before ({@link Reason#REPLAY}), or the thing to create exists
 * ({@link Reason#EXISTS}).
 */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a write was refused. */
    public enum Reason {
        /** Not refused: the store failed or is unreachable (the write may be tried again). */
        FAILED,
        CONFLICT,
        STALE,
        EPOCH_TAKEN,
        REPLAY,
        EXISTS
    }

    private final Reason reason;

    public StoreException(String message, Throwable cause) {
        this(message, cause, Reason.FAILED);
    }

    public StoreException(String message, Throwable cause, boolean conflict) {
        this(message, cause, conflict ? Reason.CONFLICT : Reason.FAILED);
    }

    public StoreException(String message, Throwable cause, Reason reason) {
        super(message, cause);
        this.reason = reason;
    }

    /** A refusal for {@code reason}. */
    public static StoreException refused(Reason reason, String message) {
        return new StoreException(message, null, reason);
    }

    public Reason reason() {
        return reason;
    }

    /** Whether the write was refused because the store already holds that sequence number or epoch commit. */
    public boolean conflict() {
        return reason == Reason.CONFLICT;
    }
}
