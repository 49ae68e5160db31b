package dev.ampoule.mls.message;

import dev.ampoule.mls.error.Rule;

/** Rules of KeyPackages, proposals, commits, GroupInfo and Welcome (RFC 9420 §10, §12). */
public enum MessageRule implements Rule {
    KEY_PACKAGE_VERSION("RFC 9420 §10.1", "KeyPackage protocol version does not match the group's"),
    KEY_PACKAGE_CIPHER_SUITE("RFC 9420 §10.1", "KeyPackage cipher suite does not match the group's"),
    KEY_PACKAGE_SIGNATURE("RFC 9420 §10", "KeyPackage signature does not verify"),
    KEY_PACKAGE_LEAF_SOURCE("RFC 9420 §10", "the LeafNode of a KeyPackage must have leaf_node_source key_package"),
    KEY_PACKAGE_LEAF_SIGNATURE("RFC 9420 §7.3", "the LeafNode signature of a KeyPackage does not verify"),
    KEY_PACKAGE_INIT_KEY_REUSED("RFC 9420 §10.1", "leaf_node.encryption_key must differ from init_key"),
    GROUP_INFO_SIGNATURE("RFC 9420 §12.4.3", "GroupInfo signature does not verify"),
    WELCOME_NOT_FOR_US("RFC 9420 §12.4.3.1", "no entry of the Welcome names this KeyPackage"),
    WELCOME_CIPHER_SUITE("RFC 9420 §12.4.3.1", "Welcome cipher suite does not match the KeyPackage's"),
    GROUP_INFO_CIPHER_SUITE("RFC 9420 §12.4.3.1", "GroupInfo cipher suite does not match the KeyPackage's");

    private final String section;
    private final String description;

    MessageRule(String section, String description) {
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
