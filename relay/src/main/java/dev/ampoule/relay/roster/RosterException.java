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
        STORE,
        /** A quota ({@link RosterQuotas}) would be exceeded: the change did not happen. */
        QUOTA
    }

    private final Kind kind;
    /** For {@link Kind#QUOTA}: which ({@code RosterQuotas.TEAMS_PER_ORG}, …). */
    private final String limit;

    public RosterException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.limit = null;
    }

    public RosterException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.limit = null;
    }

    private RosterException(String limit, String message) {
        super(message, null, false, false);
        this.kind = Kind.QUOTA;
        this.limit = limit;
    }

    /** A {@link Kind#QUOTA} refusal of the quota named {@code limit}. */
    public static RosterException quota(String limit, String message) {
        return new RosterException(limit, message);
    }

    /** The quota a {@link Kind#QUOTA} refusal names; empty for the other kinds. */
    public java.util.Optional<String> limit() {
        return java.util.Optional.ofNullable(limit);
    }

    public Kind kind() {
        return kind;
    }
}
