package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.TreeKem;
import java.util.List;
import java.util.Optional;

/**
 * The public state of a group and its rules, without any secret (RFC 9420 §12): what the Delivery
 * Service runs to validate handshake messages. (A member {@link Group} holds the same public state
 * in its epoch state.)
 *
 * <p>State: the GroupContext, the ratchet tree, the interim transcript hash, the confirmation tag
 * of the last Commit, and the proposals received in the current epoch — one immutable
 * {@code PublicState}, replaced whole by {@link #processProposal} and {@link #merge}. A PublicGroup
 * <ul>
 *   <li>verifies PublicMessage handshake messages: group, epoch, sender type, and the signature with
 *       the sender's key — its leaf, its external_senders entry, the Add's KeyPackage for
 *       {@code new_member_proposal}, the path's leaf for {@code new_member_commit}. It has no
 *       epoch secrets, so it cannot check membership tags or confirmation tags;</li>
 *   <li>validates single proposals ({@link #processProposal}) and whole Commits
 *       ({@link #stageCommit}): the proposal list rules (§12.2), leaf node (§7.3) and KeyPackage
 *       (§10.1) validation, the UpdatePath (§12.4.2);</li>
 *   <li>stages a Commit on copies, and {@link #merge}s it when told to.</li>
 * </ul>
 * Every failing operation leaves the state unchanged. Not thread-safe.
 */
public final class PublicGroup {

    private PublicState state;

    PublicGroup(PublicState state) {
        this.state = state;
    }

    /**
     * The group a GroupInfo describes, for a Delivery Service or a joiner (RFC 9420 §12.4.3): the
     * ratchet tree from the GroupInfo's ratchet_tree extension or {@code ratchetTree}; its hash must
     * be the GroupContext's tree_hash, and it must be valid for a joiner (§12.4.3.1: unmerged leaves,
     * unique keys, parent hashes, every leaf signature — on several cores for large trees — and
     * every leaf's credential and capabilities); the GroupInfo signature must verify with the
     * signer's leaf.
     *
     * @throws ValidationException naming the rule broken
     * @throws dev.ampoule.mls.error.DecodeException for a malformed ratchet_tree extension
     */
    public static PublicGroup fromGroupInfo(GroupConfig config, GroupInfo groupInfo,
            Optional<RatchetTree> ratchetTree) {
        return new PublicGroup(PublicState.fromGroupInfo(config, groupInfo, ratchetTree));
    }

    /**
     * Restores a PublicGroup saved with {@link #toBytes()} (for a Delivery Service that restarts).
     *
     * @throws dev.ampoule.mls.error.DecodeException when the bytes are not a saved public group
     */
    public static PublicGroup restore(byte[] saved, GroupConfig config) {
        return new PublicGroup(GroupCodec.restorePublic(saved, config));
    }

    /** The public state, proposals of the epoch included, in a versioned binary format. */
    public byte[] toBytes() {
        return GroupCodec.savePublic(state);
    }

    // ---- state ---------------------------------------------------------------------------------

    /** The current state value. */
    PublicState state() {
        return state;
    }

    public GroupConfig config() {
        return state.config();
    }

    public CipherSuite suite() {
        return state.suite();
    }

    public GroupContext groupContext() {
        return state.context();
    }

    public long epoch() {
        return state.epoch();
    }

    public byte[] groupId() {
        return state.groupId();
    }

    /** An independent copy of the ratchet tree (O(1), copy-on-write). */
    public RatchetTree tree() {
        return state.tree().copy();
    }

    public byte[] interimTranscriptHash() {
        return state.interimTranscriptHash().clone();
    }

    /** The confirmation tag of the Commit that started this epoch (or of the group's creation). */
    public byte[] confirmationTag() {
        return state.confirmationTag().clone();
    }

    /** The members, by increasing leaf index. O(N). */
    public List<Member> members() {
        return state.members();
    }

    /** The member at {@code leafIndex}, if that leaf is not blank. */
    public Optional<Member> member(int leafIndex) {
        return state.member(leafIndex);
    }

    /** The proposals received in this epoch, in arrival order. */
    public List<VerifiedProposal> pendingProposals() {
        return state.proposals().proposals();
    }

    /** The group's external senders (RFC 9420 §12.1.8.1); empty without the extension. */
    public List<ExternalSenders.ExternalSender> externalSenders() {
        return state.externalSenders();
    }

    /**
     * An independent copy: same state, its own proposals from now on. O(1). A Commit staged on the
     * copy does not merge into this group, nor the reverse.
     */
    public PublicGroup copy() {
        return new PublicGroup(state.copy());
    }

    // ---- messages --------------------------------------------------------------------------------

    /**
     * Verifies a handshake PublicMessage as the Delivery Service can (RFC 9420 §6.2 without the
     * membership tag, which needs the epoch's membership key): not application content, this
     * group and epoch, a sender type allowed to send the content, and the signature.
     *
     * @throws ValidationException with a {@link FramingRule} or {@link GroupRule}
     */
    public AuthenticatedContent verify(PublicMessage message) {
        return state.verify(message);
    }

    /**
     * Verifies a proposal message ({@link #verify}), validates the proposal against the current
     * state (RFC 9420 §12.1) and caches it for the Commit that will reference it.
     *
     * @throws ValidationException naming the rule broken; nothing is cached then
     */
    public VerifiedProposal processProposal(PublicMessage message) {
        AuthenticatedContent ac = state.verify(message);
        if (ac.contentType() != ContentType.PROPOSAL) {
            throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "not a proposal");
        }
        VerifiedProposal proposal = state.verifyProposal(ac);
        state = state.withProposal(proposal, ac);
        return proposal;
    }

    /**
     * Verifies a Commit message ({@link #verify}) and validates and stages the Commit (RFC 9420
     * §12.4.2 without secrets): its proposals are resolved and checked (§12.2), applied to a copy
     * of the tree (§12.3), the UpdatePath is checked and merged into the copy, and the new
     * GroupContext and interim transcript hash are computed. Nothing changes until {@link #merge}.
     *
     * @throws ValidationException naming the rule broken
     */
    public StagedPublicCommit stageCommit(PublicMessage message) {
        PublicState s = state;
        AuthenticatedContent ac = s.verify(message);
        if (ac.contentType() != ContentType.COMMIT) {
            throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "not a commit");
        }
        byte[] groupId = s.groupId();
        return s.stage(ac, (next, leaf, path, applied, provisional) ->
                next.apply(TreeKem.verifyPath(s.suite(), next, leaf, path, groupId, applied.addedLeafSet())));
    }

    /**
     * Makes a staged Commit the current state: new GroupContext, tree and transcript hash; the
     * proposal cache is emptied.
     *
     * @throws ValidationException with {@link GroupRule#STAGED_COMMIT_STALE} when the Commit was
     *     not staged on this group's current state
     */
    public void merge(StagedPublicCommit staged) {
        state = state.next(staged);
    }

    @Override
    public String toString() {
        return "PublicGroup[" + state.context() + ", " + state.tree() + "]";
    }
}
