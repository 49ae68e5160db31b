package dev.ampoule.relay.store;

/**
 * The store cannot do what was asked (closed, failed, full, unreachable), or — {@link #conflict()} —
 * it already holds a message with that group sequence number or a commit of that group epoch (a
 * database store refuses both by its unique keys).
 */
public final class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean conflict;

    public StoreException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public StoreException(String message, Throwable cause, boolean conflict) {
        super(message, cause);
        this.conflict = conflict;
    }

    /** Whether the write was refused because the store already holds that sequence number or epoch commit. */
    public boolean conflict() {
        return conflict;
    }
}
