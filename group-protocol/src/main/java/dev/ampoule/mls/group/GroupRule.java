package dev.ampoule.mls.group;

import dev.ampoule.mls.error.Rule;

/**
 * Rules of the group state machine (RFC 9420 §5.3.1, §6, §7.3, §10.1, §11, §12, §13, §15): leaf
 * node and KeyPackage validation against the group, single proposals, proposal lists, commits,
 * joining, and the member's own state.
 */
public enum GroupRule implements Rule {

    // ---- leaf nodes and KeyPackages (§5.3.1, §7.3, §10.1, §13.4) ------------------------------
    CREDENTIAL_NOT_SUCCESSOR("RFC 9420 §5.3.1, §12.2",
            "the new credential is not an acceptable successor of the member's current credential"),
    LEAF_REQUIRED_CAPABILITIES("RFC 9420 §7.3, §11.1",
            "the leaf's capabilities do not cover the group's required_capabilities"),
    LEAF_CREDENTIAL_TYPE_NOT_SUPPORTED("RFC 9420 §7.3, §13.3",
            "the leaf's credential type is not supported by every member of the group"),
    LEAF_MISSING_CREDENTIAL_TYPES("RFC 9420 §7.3, §13.3",
            "the leaf does not support every credential type in use in the group"),
    LEAF_CREDENTIAL_TYPE_NOT_LISTED("RFC 9420 §7.2",
            "the leaf's own credential type must be listed in its capabilities"),
    LEAF_LIFETIME("RFC 9420 §7.3", "the current time is outside the leaf's lifetime"),
    LEAF_LIFETIME_TOO_LONG("RFC 9420 §7.2", "the leaf's total lifetime exceeds the application's maximum"),
    LEAF_EXTENSION_NOT_IN_CAPABILITIES("RFC 9420 §7.3",
            "every extension of the leaf must be listed in its own capabilities"),
    LEAF_GROUP_EXTENSION_UNSUPPORTED("RFC 9420 §13.4",
            "the leaf's capabilities must support every GroupContext extension of the group"),
    LEAF_SOURCE("RFC 9420 §7.3", "the leaf_node_source does not fit where the leaf appears"),
    LEAF_SIGNATURE("RFC 9420 §7.3", "the leaf node signature does not verify"),
    SIGNATURE_KEY_NOT_UNIQUE("RFC 9420 §7.3", "the signature key is already used by another member"),
    ENCRYPTION_KEY_NOT_UNIQUE("RFC 9420 §7.3", "the encryption key already appears in the ratchet tree"),
    UPDATE_ENCRYPTION_KEY_UNCHANGED("RFC 9420 §7.3",
            "an Update must carry an encryption key different from the leaf it replaces"),
    DUPLICATE_EXTENSION_TYPE("RFC 9420 §13.4", "a list of extensions must not hold two of the same type"),
    KEY_PACKAGE_VERSION_OR_SUITE("RFC 9420 §10.1",
            "the KeyPackage's protocol version and cipher suite must match the group's"),

    // ---- senders (§6, §12.1.8) -----------------------------------------------------------------
    SENDER_NOT_MEMBER("RFC 9420 §6", "the sender's leaf index does not name a member of the group"),
    EXTERNAL_SENDER_UNKNOWN("RFC 9420 §12.1.8.1",
            "the sender index does not name an entry of the group's external_senders extension"),
    UNEXPECTED_WIRE_FORMAT("RFC 9420 §6", "a Welcome, GroupInfo or KeyPackage is not a message for the group"),
    EPOCH_NOT_AVAILABLE("RFC 9420 §15.3",
            "the message's epoch is neither the current one nor a retained past one"),
    HANDSHAKE_FROM_PAST_EPOCH("RFC 9420 §6, §14", "proposals and commits are accepted only for the current epoch"),

    // ---- single proposals (§12.1) --------------------------------------------------------------
    REMOVE_BLANK_LEAF("RFC 9420 §12.1.3", "a Remove must name a non-blank leaf"),
    PSK_USAGE("RFC 9420 §12.1.4",
            "a PreSharedKey proposal must not carry a resumption PSK with usage reinit or branch"),
    REINIT_VERSION("RFC 9420 §12.1.5", "a ReInit must not lower the protocol version"),
    EXTERNAL_INIT_OUTSIDE_EXTERNAL_COMMIT("RFC 9420 §12.1.6, §12.2",
            "an ExternalInit proposal is only valid inside an external commit"),
    GROUP_EXTENSIONS_UNSUPPORTED("RFC 9420 §12.1.7, §11.1, §13.4",
            "a GroupContextExtensions proposal needs every member to support its extensions and"
                    + " required capabilities"),
    GROUP_EXTENSION_MALFORMED("RFC 9420 §12.1.7, §13.4", "a GroupContext extension payload does not decode"),
    UPDATE_FROM_NON_MEMBER("RFC 9420 §12.1.2", "only a member can send an Update"),

    // ---- proposal lists (§12.2) -----------------------------------------------------------------
    PROPOSAL_REF_UNKNOWN("RFC 9420 §12.4", "the commit references a proposal not received in this epoch"),
    COMMIT_HAS_COMMITTER_UPDATE("RFC 9420 §12.2", "a commit must not cover an Update from the committer"),
    COMMIT_REMOVES_COMMITTER("RFC 9420 §12.2", "a commit must not remove the committer"),
    DUPLICATE_UPDATE_OR_REMOVE("RFC 9420 §12.2", "several Update or Remove proposals apply to the same leaf"),
    DUPLICATE_ADD("RFC 9420 §12.2", "several Add proposals add the same client (signature key)"),
    ADD_EXISTING_MEMBER("RFC 9420 §12.2", "an Add adds a client that is already a member and is not removed"),
    DUPLICATE_PSK("RFC 9420 §12.2", "several PreSharedKey proposals reference the same PreSharedKeyID"),
    MULTIPLE_GROUP_CONTEXT_EXTENSIONS("RFC 9420 §12.2", "a commit covers more than one GroupContextExtensions"),
    REINIT_NOT_ALONE("RFC 9420 §12.2", "a ReInit must be the only proposal of a commit"),
    PATH_REQUIRED("RFC 9420 §12.4",
            "the path is required for an empty commit or one covering Update, Remove, ExternalInit or"
                    + " GroupContextExtensions"),
    EXTERNAL_COMMIT_EXTERNAL_INIT("RFC 9420 §12.2", "an external commit must hold exactly one ExternalInit"),
    EXTERNAL_COMMIT_PROPOSAL_TYPE("RFC 9420 §12.2",
            "an external commit may only hold ExternalInit, one Remove and PreSharedKey proposals"),
    EXTERNAL_COMMIT_BY_REFERENCE("RFC 9420 §12.4.3.2", "an external commit must not reference proposals"),
    PSK_UNAVAILABLE("RFC 9420 §12.4.2, §12.4.3.1",
            "a pre-shared key named by the commit or Welcome is not available"),

    // ---- joining (§12.4.3) ------------------------------------------------------------------
    RATCHET_TREE_MISSING("RFC 9420 §12.4.3.1", "no ratchet tree: neither a ratchet_tree extension nor one given"),
    TREE_HASH_MISMATCH("RFC 9420 §12.4.3.1", "the ratchet tree's hash differs from the GroupContext's tree_hash"),
    GROUP_INFO_SIGNER_BLANK("RFC 9420 §12.4.3.1", "the GroupInfo signer does not name a non-blank leaf"),
    WELCOME_LEAF_NOT_FOUND("RFC 9420 §12.4.3.1", "no leaf of the tree is identical to the KeyPackage's leaf"),
    WELCOME_PSK_REINIT_OR_BRANCH("RFC 9420 §12.4.3.1, §11.2, §11.3",
            "at most one resumption PSK of usage reinit or branch, and then the epoch must be 1"),
    EXTERNAL_PUB_MISSING("RFC 9420 §12.4.3.2", "the GroupInfo has no external_pub extension"),
    RESUMPTION_MISMATCH("RFC 9420 §11.2, §11.3, §12.4.3.1",
            "a reinitialized or branched group does not match the group it resumes"),
    KEY_PAIR_MISMATCH("RFC 9420 §10", "a private key does not belong to the KeyPackage's public key"),

    // ---- the member's own state (§12.4, §14, §15) --------------------------------------------
    GROUP_INACTIVE("RFC 9420 §12.4.2",
            "this member was removed, the group awaits reinitialization, or an external join is pending"),
    PENDING_PROPOSALS("RFC 9420 §12.4", "proposals of this epoch must be committed before sending application data"),
    PENDING_COMMIT("RFC 9420 §14", "a commit of this member is pending: merge or discard it first"),
    NO_PENDING_COMMIT("RFC 9420 §14", "there is no pending commit"),
    STAGED_COMMIT_STALE("RFC 9420 §14", "the staged commit does not start from this group's current state"),
    OWN_COMMIT_UNKNOWN("RFC 9420 §14", "a commit from this member that is not its pending commit"),
    RESUMPTION_EPOCH_UNAVAILABLE("RFC 9420 §8.6", "the resumption PSK of that epoch is not retained");

    private final String section;
    private final String description;

    GroupRule(String section, String description) {
        this.section = section;
        this.description = description;
    }

    @Override
    public String section() {
        return section;
    }

    @Override
    public String description() {
        return description;
    }
}
