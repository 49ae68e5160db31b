package dev.ampoule.mls.framing;

import dev.ampoule.mls.error.Rule;

/** Rules of message framing and protection (RFC 9420 §6). */
public enum FramingRule implements Rule {
    APPLICATION_NOT_PRIVATE("RFC 9420 §6", "application messages must be sent as PrivateMessage"),
    WRONG_GROUP("RFC 9420 §6", "message is for another group"),
    WRONG_EPOCH("RFC 9420 §6", "message epoch differs from the epoch of the keys used"),
    SENDER_CONTENT_MISMATCH("RFC 9420 §6.1", "this sender type may not send this content type"),
    EXTERNAL_PROPOSAL_TYPE("RFC 9420 §12.1.8", "this proposal type may not be sent by an external sender"),
    SIGNATURE("RFC 9420 §6.1", "FramedContentTBS signature does not verify"),
    CONFIRMATION_TAG("RFC 9420 §6.1", "confirmation tag does not verify"),
    MEMBERSHIP_TAG("RFC 9420 §6.2", "membership tag does not verify"),
    PRIVATE_SENDER_NOT_MEMBER("RFC 9420 §6.3.2", "only a member can send a PrivateMessage"),
    UNKNOWN_SENDER("RFC 9420 §6.3.2", "sender leaf index does not name a member of the group");

    private final String section;
    private final String description;

    FramingRule(String section, String description) {
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
