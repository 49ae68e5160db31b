package dev.ampoule.relay.audit;

/** What an audit entry records. The wire name (JSON) is the lower-case constant name. */
public enum AuditType {
    TEAM_CREATED,
    TEAM_ARCHIVED,
    TEAM_RETENTION_SET,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    USER_ERASED,
    /** A user's organisation was recorded (details: {@code org}, and {@code from}: {@code team} or {@code token}). */
    USER_ORG_RECORDED,
    /**
     * A token named another organisation than the one recorded for its user (details: {@code org},
     * the recorded one, and {@code claimedOrg}); the recorded organisation stands.
     */
    USER_ORG_CONFLICT,
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
    DELIVERED,
    /** A device stored a blob (details: {@code device}, {@code blob} id, {@code use}, {@code size}). */
    BLOB_UPLOADED,
    /** A device fetched a blob — once per download (details: {@code device}, {@code blob} id, {@code use}). */
    BLOB_FETCHED,
    /** A device fetched a history record — once per record (details: {@code device}, {@code blob} id). */
    HISTORY_FETCHED,
    /** A coordinator authorised a user's history on a team (details: {@code access}, {@code since}). */
    HISTORY_AUTHORISED,
    /** A user's history authorisation and grants ended (details: {@code reason}: {@code admin} or {@code roster}). */
    HISTORY_REVOKED,
    /** A device granted a user history (actor: the granting user; details: {@code device}, {@code from}, {@code to}, {@code seq}). */
    HISTORY_GRANTED,
    /** A device's history grant, or its preparation, was refused (details: {@code device}, {@code code}). */
    HISTORY_GRANT_REFUSED,
    /**
     * A shared record's recipients were set: by its uploader's device when stored, by a coordinator
     * later (details: {@code record} id, {@code roles}, {@code users}, and what was removed).
     */
    RECORD_RECIPIENTS_CHANGED,
    /** A device sent a record's key to recipients' devices (details: {@code device}, {@code record}, {@code users}, {@code seq}). */
    RECORD_SHARED,
    /** A device's sending of a record's key was refused (details: {@code device}, {@code record}, {@code code}). */
    RECORD_SHARE_REFUSED,
    /**
     * The audit log could not write (a full disk, I/O errors) from {@code since} until this entry,
     * written as soon as it could again: {@code notRecorded} events were refused meanwhile (and the
     * operations that needed them with them), {@code cause} names the kind of failure.
     */
    AUDIT_OUTAGE;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
