package dev.ampoule.mls.group;

/**
 * What {@link Group#process} made of a message: application data, a proposal (verified and
 * cached), or a Commit staged for {@link Group#merge}.
 */
public sealed interface Processed permits Processed.ApplicationMessage, Processed.ProposalMessage, StagedCommit {

    /**
     * Decrypted and authenticated application data (RFC 9420 §15).
     *
     * @param senderLeaf the sender's leaf index in the epoch the message was sent in
     * @param epoch that epoch (a retained past epoch for late messages, §15.3)
     */
    record ApplicationMessage(int senderLeaf, long epoch, byte[] data, byte[] authenticatedData) implements Processed {
        @Override
        public String toString() {
            return "ApplicationMessage[leaf " + senderLeaf + ", epoch " + Long.toUnsignedString(epoch) + ", "
                    + data.length + " bytes]";
        }
    }

    /** A proposal, now cached for the Commit that will cover it (RFC 9420 §12.1). */
    record ProposalMessage(VerifiedProposal proposal) implements Processed {}
}
