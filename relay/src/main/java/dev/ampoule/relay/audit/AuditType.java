package dev.ampoule.relay.audit;

/** What an audit entry records. The wire name (JSON) is the lower-case constant name. */
public enum AuditType {
    TEAM_CREATED,
    TEAM_ARCHIVED,
    TEAM_RETENTION_SET,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    USER_ERASED,
    /** An admin REST call (method, path template, status). */
    ADMIN_CALL,
    /** A device authenticated (login). */
    LOGIN,
    LOGIN_REFUSED,
    KEY_PACKAGE_CLAIMED,
    GROUP_CREATED,
    COMMIT_ACCEPTED,
    COMMIT_REFUSED,
    /** The relay sent an external proposal (roster Add / Remove). */
    PROPOSAL_SENT,
    /** A device acknowledged a group's messages up to a sequence number (ids only, never content). */
    DELIVERED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
