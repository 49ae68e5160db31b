package dev.ampoule.mls.group;

import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Commit that passed every check a {@link PublicGroup} can make (RFC 9420 §12.4.2 without the
 * secrets): the group's next public state — GroupContext, ratchet tree, interim transcript hash —
 * computed on copies and not yet in effect. Only a group creates one; {@link PublicGroup#merge}
 * makes it current once the Delivery Service accepted the Commit.
 */
public final class StagedPublicCommit {

    final long baseStamp;
    final AuthenticatedContent content;
    final GroupContext context;
    final RatchetTree tree;
    final byte[] interimTranscriptHash;
    final byte[] confirmationTag;
    final AppliedProposals applied;
    final int committerLeaf;
    final boolean hasPath;

    StagedPublicCommit(long baseStamp, AuthenticatedContent content, GroupContext context, RatchetTree tree,
            byte[] interimTranscriptHash, byte[] confirmationTag, AppliedProposals applied, int committerLeaf,
            boolean hasPath) {
        this.baseStamp = baseStamp;
        this.content = content;
        this.context = context;
        this.tree = tree;
        this.interimTranscriptHash = interimTranscriptHash;
        this.confirmationTag = confirmationTag;
        this.applied = applied;
        this.committerLeaf = committerLeaf;
        this.hasPath = hasPath;
    }

    /** The epoch the Commit starts. */
    public long epoch() {
        return context.epoch();
    }

    /** The GroupContext of the new epoch. */
    public GroupContext groupContext() {
        return context;
    }

    /** The new ratchet tree (an independent copy). */
    public RatchetTree tree() {
        return tree.copy();
    }

    /** The AuthenticatedContent of the Commit. */
    public AuthenticatedContent content() {
        return content;
    }

    /** The Commit's sender: a member, or {@code new_member_commit} for an external commit. */
    public Sender committer() {
        return content.sender();
    }

    /** The committer's leaf in the new tree (for an external commit, the leaf the joiner took). */
    public int committerLeaf() {
        return committerLeaf;
    }

    public boolean isExternal() {
        return content.sender() instanceof Sender.NewMemberCommit;
    }

    /** Whether the Commit carries an UpdatePath. */
    public boolean hasPath() {
        return hasPath;
    }

    /** The covered proposals in the Commit's order. */
    public List<CommittedProposal> proposals() {
        return applied.proposals();
    }

    /** The members added, with their leaves in the new tree, in Commit order. */
    public List<Member> addedMembers() {
        List<Member> out = new ArrayList<>(applied.addedLeaves().size());
        for (int leaf : applied.addedLeaves()) {
            out.add(Member.of(leaf, tree.leaf(leaf).orElseThrow()));
        }
        return out;
    }

    /** The members removed, as they were before the Commit. */
    public List<Member> removedMembers() {
        return applied.removed();
    }

    /** Leaves whose Update proposals the Commit applied. */
    public List<Integer> updatedLeaves() {
        return applied.updatedLeaves();
    }

    public List<PreSharedKeyId> psks() {
        return applied.psks();
    }

    /** The new GroupContext extensions, when a GroupContextExtensions proposal changed them. */
    public Optional<List<Extension>> newGroupContextExtensions() {
        return applied.extensionsChanged() ? Optional.of(applied.extensions()) : Optional.empty();
    }

    /** The ReInit the Commit covers: after it, the group must be reinitialized (§11.2). */
    public Optional<ReInitProposal> reInit() {
        return applied.reInit();
    }

    @Override
    public String toString() {
        return "StagedPublicCommit[epoch " + Long.toUnsignedString(epoch()) + ", " + applied.proposals().size()
                + " proposals, path=" + hasPath + "]";
    }
}
