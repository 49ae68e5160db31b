package dev.ampoule.mls.treekem;

/**
 * The outcome of {@link TreeKem#processPath}: the commit secret, the member's new private tree
 * state, and the node whose path secret was decrypted (the lowest node of the committer's filtered
 * direct path above this member).
 */
public record ProcessedPath(CommitSecret commitSecret, TreeKemPrivate privateState, int decryptedNode) {}
