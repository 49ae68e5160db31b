package dev.ampoule.mls.group;

import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalRef;
import java.util.Optional;

/**
 * One proposal covered by a Commit (RFC 9420 §12.4), in the Commit's order: the proposal, who sent
 * it (the committer for a proposal by value), and its reference when the Commit named it by
 * reference.
 */
public record CommittedProposal(Proposal proposal, Sender sender, Optional<ProposalRef> ref) {}
