package dev.ampoule.mls.credential;

/**
 * Where a credential was seen when it is handed to the {@link AuthenticationService}: the events of
 * RFC 9420 §5.3.1 at which a new credential "MUST be validated with the AS". An application may
 * apply a different policy per event, for example tolerate expired certificates in a ratchet tree it
 * joins (§5.3.2) while refusing them in new KeyPackages.
 */
public enum CredentialContext {

    /**
     * The LeafNode of a KeyPackage: one a member fetched to add to a group, or one carried by an Add
     * proposal it received.
     */
    KEY_PACKAGE,

    /** The LeafNode of an Update proposal that gives a member a new credential. */
    UPDATE,

    /**
     * The committer's new LeafNode in a Commit's UpdatePath, including the joiner's leaf in an
     * external Commit.
     */
    COMMIT_PATH,

    /** A leaf of the ratchet tree of a group being joined, via a Welcome or an external Commit. */
    TREE_MEMBER,

    /** An entry of an {@code external_senders} extension being added or updated (§12.1.8.1). */
    EXTERNAL_SENDER
}
