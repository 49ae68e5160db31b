package dev.ampoule.mls.schedule;

import dev.ampoule.mls.crypto.Secret;

/**
 * {@code membership_key} (RFC 9420 §8, §6.2): MACs a member's PublicMessage into its
 * membership_tag.
 */
public final class MembershipKey extends Secret {

    /** Takes ownership of {@code value}. */
    public MembershipKey(byte[] value) {
        super(value);
    }
}
