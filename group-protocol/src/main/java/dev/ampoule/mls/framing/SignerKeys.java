package dev.ampoule.mls.framing;

import dev.ampoule.mls.crypto.SignaturePublicKey;

/**
 * Where unprotecting a message finds the sender's signature key (RFC 9420 §6.1): the leaf's key for
 * a member, the external_senders entry for an external sender, the LeafNode of the Commit's path
 * for a new_member_commit, the KeyPackage's leaf for a new_member_proposal. The group state knows
 * these; framing does not.
 */
@FunctionalInterface
public interface SignerKeys {

    /**
     * The signature key of {@code content}'s sender.
     *
     * @throws dev.ampoule.mls.error.ValidationException when the sender names no one (a blank leaf,
     *     an index out of range), for example with {@link FramingRule#UNKNOWN_SENDER}
     */
    SignaturePublicKey keyFor(FramedContent content);
}
