package dev.ampoule.mls.schedule;

import dev.ampoule.mls.error.Rule;

/** Rules of the key schedule, the pre-shared keys and the secret tree (RFC 9420 §8, §9, §15.3). */
public enum ScheduleRule implements Rule {
    GENERATION_CONSUMED("RFC 9420 §9.2",
            "the key and nonce of this ratchet generation were already used and deleted"),
    GENERATION_TOO_OLD("RFC 9420 §15.3",
            "ratchet generation is older than the out-of-order window; its key was deleted"),
    GENERATION_TOO_FAR_AHEAD("RFC 9420 §15.3",
            "ratchet generation is further ahead than the ratchet may be moved forward"),
    GENERATION_EXHAUSTED("RFC 9420 §9.1",
            "the ratchet has used every uint32 generation; a new epoch is needed"),
    LEAF_OUT_OF_RANGE("RFC 9420 §9", "leaf index is outside the secret tree"),
    PSK_NONCE_LENGTH("RFC 9420 §8.4", "psk_nonce must be KDF.Nh bytes long"),
    TOO_MANY_PSKS("RFC 9420 §8.4", "more pre-shared keys than PSKLabel.count (uint16) can express"),
    CONFIRMATION_TAG_MISMATCH("RFC 9420 §6.1",
            "confirmation_tag is not MAC(confirmation_key, confirmed_transcript_hash)");

    private final String section;
    private final String description;

    ScheduleRule(String section, String description) {
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
