package dev.ampoule.mls.treekem;

import dev.ampoule.mls.error.Rule;

/** Rules of TreeKEM: creating, checking and decrypting UpdatePaths (RFC 9420 §7.4–§7.6, §12.4.2). */
public enum TreeKemRule implements Rule {
    LEAF_SOURCE_NOT_COMMIT("RFC 9420 §7.3, §12.4.2", "the leaf_node of an UpdatePath must have leaf_node_source commit"),
    LEAF_SIGNATURE_INVALID("RFC 9420 §7.3", "the signature of the UpdatePath leaf node does not verify"),
    SIGNATURE_KEY_IN_USE("RFC 9420 §7.3", "the signature key of the UpdatePath leaf node belongs to another member"),
    PUBLIC_KEY_IN_USE("RFC 9420 §12.4.2", "a public key of the UpdatePath already appears in the ratchet tree"),
    PATH_LENGTH_MISMATCH("RFC 9420 §7.6",
            "an UpdatePath must have one node per entry of the sender's filtered direct path"),
    CIPHERTEXT_COUNT_MISMATCH("RFC 9420 §7.6",
            "an UpdatePathNode must have one ciphertext per node of the copath child's resolution"),
    PARENT_HASH_MISMATCH("RFC 9420 §7.5, §7.9.2",
            "the parent_hash of the UpdatePath leaf node does not match the merged path"),
    NO_DECRYPTION_KEY("RFC 9420 §7.5", "no node of the copath resolution has a private key this member holds"),
    DERIVED_KEY_MISMATCH("RFC 9420 §7.5",
            "a public key derived from the decrypted path secret differs from the one in the UpdatePath"),
    PRIVATE_KEY_MISMATCH("RFC 9420 §7.4, §12.4.3.1",
            "a private key does not correspond to the public key of its node in the tree");

    private final String section;
    private final String description;

    TreeKemRule(String section, String description) {
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
