package dev.ampoule.mls.tree;

import dev.ampoule.mls.error.Rule;

/** Rules of the ratchet tree (RFC 9420 §4, §7, §12.1, §12.4.3). */
public enum TreeRule implements Rule {
    UNMERGED_LEAVES_NOT_SORTED("RFC 9420 §7.1", "unmerged_leaves must be sorted in increasing order without repeats"),
    UNMERGED_LEAF_OUTSIDE_SUBTREE("RFC 9420 §12.4.3.1",
            "an unmerged leaf must be a descendant of the parent node that lists it"),
    UNMERGED_LEAF_BLANK("RFC 9420 §12.4.3.1", "an unmerged leaf must be a non-blank leaf"),
    UNMERGED_LEAF_NOT_LISTED_BELOW("RFC 9420 §12.4.3.1",
            "every non-blank node between an unmerged leaf and the parent listing it must list it too"),
    DUPLICATE_ENCRYPTION_KEY("RFC 9420 §7.3, §12.4.3.1", "encryption keys must be unique among the nodes of the tree"),
    DUPLICATE_SIGNATURE_KEY("RFC 9420 §7.3", "signature keys must be unique among the members of the group"),
    PARENT_HASH_INVALID("RFC 9420 §7.9.2",
            "every non-blank parent node must be parent-hash valid through exactly one descendant"),
    LEAF_SIGNATURE_INVALID("RFC 9420 §7.3", "the leaf node signature does not verify"),
    LEAF_BLANK("RFC 9420 §12.1.2, §12.1.3", "the leaf index must identify a non-blank leaf"),
    LEAF_OUT_OF_RANGE("RFC 9420 §12.1.2, §12.1.3", "the leaf index lies outside the tree");

    private final String section;
    private final String description;

    TreeRule(String section, String description) {
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
