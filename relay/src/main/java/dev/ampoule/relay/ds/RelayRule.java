package dev.ampoule.relay.ds;

import dev.ampoule.mls.error.Rule;

/** Rules the relay adds to RFC 9420's when it accepts a commit bundle or a group registration. */
public enum RelayRule implements Rule {
    GROUP_INFO_CONTEXT_MISMATCH("RFC 9420 §12.4.3", "the commit bundle's GroupInfo does not describe the epoch the Commit creates"),
    GROUP_INFO_TAG_MISMATCH("RFC 9420 §12.4.3", "the commit bundle's GroupInfo has another confirmation tag than the Commit"),
    GROUP_INFO_SIGNER_NOT_MEMBER("RFC 9420 §12.4.3", "the GroupInfo signer is not a member of the new epoch"),
    GROUP_ID_MISMATCH("RFC 9420 §6", "the message is for another group than the frame names"),
    SENDER_NOT_DEVICE("PROTOCOL.md Identities", "the sender's credential is not the authenticated device"),
    WRONG_WIRE_FORMAT("RFC 9420 §6", "the frame needs another MLSMessage wire format"),
    KEY_PACKAGE_LIFETIME("RFC 9420 §10.1", "the KeyPackage's lifetime does not include the present");

    private final String section;
    private final String description;

    RelayRule(String section, String description) {
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
