package dev.ampoule.mls.group;

import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalRef;

/**
 * A proposal whose message was authenticated and which is valid on its own for the current epoch
 * (RFC 9420 §12.1): only the group creates one, after those checks. It is cached under
 * {@link #ref()} until the epoch ends, so that a Commit can cover it by reference.
 */
public final class VerifiedProposal {

    private final ProposalRef ref;
    private final Proposal proposal;
    private final Sender sender;
    private final long epoch;

    VerifiedProposal(ProposalRef ref, Proposal proposal, Sender sender, long epoch) {
        this.ref = ref;
        this.proposal = proposal;
        this.sender = sender;
        this.epoch = epoch;
    }

    /** {@code RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent)} (RFC 9420 §5.2). */
    public ProposalRef ref() {
        return ref;
    }

    public Proposal proposal() {
        return proposal;
    }

    public Sender sender() {
        return sender;
    }

    /** The epoch the proposal was sent in. */
    public long epoch() {
        return epoch;
    }

    @Override
    public String toString() {
        return "VerifiedProposal[" + proposal.getClass().getSimpleName() + " from " + sender + ", epoch "
                + Long.toUnsignedString(epoch) + "]";
    }
}
