package dev.ampoule.mls.group;

/**
 * A group created to resume another (RFC 9420 §11.2 reinitialization, §11.3 branching): the new
 * group, and its first Commit — pending, with the Welcome for the members — to send and then merge.
 */
public record ResumedGroup(Group group, PendingCommit commit) {}
