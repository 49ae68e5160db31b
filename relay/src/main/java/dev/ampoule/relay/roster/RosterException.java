package dev.ampoule.relay.roster;

/**
 * A roster change that was refused, or one whose consequences failed after it became durable
 * ({@link Kind#INCOMPLETE}). Messages name ids only, never team names.
 */
public final class RosterException extends RuntimeException {

    public enum Kind {
        /** No such team, or the user is not on the team's roster. */
        NOT_FOUND,
        /** The change contradicts the roster's state (e.g. the team is archived). */
        CONFLICT,
        /** A malformed id, name, role or retention. */
        INVALID,
        /** The change is durable, but auditing it or the relay's reaction to it failed. */
        INCOMPLETE,
        /** The store failed: the change did not happen. */
        STORE
    }

    private final Kind kind;

    public RosterException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public RosterException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
