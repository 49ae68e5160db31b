package dev.ampoule.mls.group;

import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import java.util.List;
import java.util.Optional;

/**
 * A Commit a member has fully verified — signature, membership tag or decryption, proposal list,
 * path, and confirmation tag against the new epoch's key schedule — but not applied: the next
 * public state and the next epoch's secrets, computed on copies. {@link Group#merge} applies it
 * once the Delivery Service accepted the Commit; until then the group is unchanged. It merges only
 * into the group that staged it, in the epoch it was staged in. Inspect it to
 * decide: who is added or removed, whether this member is removed, the new epoch.
 *
 * <p>A member being removed can verify the Commit but not enter the new epoch: then
 * {@link #removesSelf()} is true and merging it ends the membership.
 */
public final class StagedCommit implements Processed {

    final StagedPublicCommit publicCommit;
    final EpochSecrets epochSecrets;
    final TreeKemPrivate privateTree;
    final boolean selfRemoved;
    final int ownLeaf;

    StagedCommit(StagedPublicCommit publicCommit, EpochSecrets epochSecrets, TreeKemPrivate privateTree,
            boolean selfRemoved, int ownLeaf) {
        this.publicCommit = publicCommit;
        this.epochSecrets = epochSecrets;
        this.privateTree = privateTree;
        this.selfRemoved = selfRemoved;
        this.ownLeaf = ownLeaf;
    }

    /** The public part: what the Delivery Service's {@link PublicGroup} would stage. */
    public StagedPublicCommit publicCommit() {
        return publicCommit;
    }

    /** The epoch the Commit starts. */
    public long epoch() {
        return publicCommit.epoch();
    }

    public Sender committer() {
        return publicCommit.committer();
    }

    public boolean isExternal() {
        return publicCommit.isExternal();
    }

    public List<CommittedProposal> proposals() {
        return publicCommit.proposals();
    }

    public List<Member> addedMembers() {
        return publicCommit.addedMembers();
    }

    public List<Member> removedMembers() {
        return publicCommit.removedMembers();
    }

    public List<Integer> updatedLeaves() {
        return publicCommit.updatedLeaves();
    }

    public List<PreSharedKeyId> psks() {
        return publicCommit.psks();
    }

    public Optional<List<Extension>> newGroupContextExtensions() {
        return publicCommit.newGroupContextExtensions();
    }

    public Optional<ReInitProposal> reInit() {
        return publicCommit.reInit();
    }

    /** Whether this Commit removes this member from the group. */
    public boolean removesSelf() {
        return selfRemoved;
    }

    @Override
    public String toString() {
        return "StagedCommit[epoch " + Long.toUnsignedString(epoch()) + ", " + proposals().size() + " proposals"
                + (selfRemoved ? ", removes this member" : "") + "]";
    }
}
