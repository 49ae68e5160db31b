package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.SignerKeys;
import dev.ampoule.mls.group.LeafValidation.CredentialSummary;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.ProposalOrRef;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.TranscriptHashes;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.UpdatePath;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The public state of a group in one epoch, as one immutable value, with every public rule (RFC
 * 9420 §12) as a function of it: the GroupContext, the ratchet tree, the interim transcript hash,
 * the confirmation tag of the Commit that started the epoch, the members' credential summary, and
 * the proposals received so far in the epoch. {@link PublicGroup} (the Delivery Service's view) and
 * a member's {@link EpochState} hold one and replace it whole.
 *
 * <p>Nothing here changes after construction: {@link #withProposal} and {@link #next} return new
 * values; a Commit is staged on a copy of the tree. The tree is copy-on-write and never modified
 * once in a state, and the arrays are never modified either (accessors for other packages clone
 * them). The {@code stamp} names the epoch value a Commit was staged on: it is new for every epoch
 * and every {@link #copy}, and stays with the proposals added within the epoch, so that a staged
 * Commit merges only into the group — and the epoch — it was staged for.
 */
record PublicState(GroupConfig config, CipherSuite suite, GroupContext context, RatchetTree tree,
        byte[] interimTranscriptHash, byte[] confirmationTag, CredentialSummary summary, ProposalCache proposals,
        long stamp) {

    private static final AtomicLong STAMPS = new AtomicLong();

    /** The state at the start of an epoch: no proposals yet, a fresh stamp. */
    static PublicState of(GroupConfig config, CipherSuite suite, GroupContext context, RatchetTree tree,
            byte[] interimTranscriptHash, byte[] confirmationTag, CredentialSummary summary) {
        return new PublicState(config, suite, context, tree, interimTranscriptHash, confirmationTag, summary,
                ProposalCache.empty(), STAMPS.incrementAndGet());
    }

    /**
     * The state a GroupInfo describes (RFC 9420 §12.4.3): the ratchet tree from the GroupInfo's
     * ratchet_tree extension or {@code ratchetTree}; its hash must be the GroupContext's tree_hash,
     * and it must be valid for a joiner (§12.4.3.1: unmerged leaves, unique keys, parent hashes,
     * every leaf signature — on several cores for large trees — and every leaf's credential and
     * capabilities); the GroupInfo signature must verify with the signer's leaf.
     *
     * @throws ValidationException naming the rule broken
     * @throws dev.ampoule.mls.error.DecodeException for a malformed ratchet_tree extension
     */
    static PublicState fromGroupInfo(GroupConfig config, GroupInfo groupInfo, Optional<RatchetTree> ratchetTree) {
        GroupContext context = groupInfo.groupContext();
        CipherSuite suite = BcCipherSuites.require(context.cipherSuite());
        LeafValidation.requireUniqueTypes(groupInfo.extensions());
        RatchetTree tree = ratchetTree(suite, groupInfo, ratchetTree);
        LeafNode signer = tree.leaf(groupInfo.signer())
                .orElseThrow(() -> new ValidationException(GroupRule.GROUP_INFO_SIGNER_BLANK));
        groupInfo.checkSignature(suite, signer.signatureKey());
        CredentialSummary summary = verifyTree(config, suite, context, tree);
        byte[] interim = TranscriptHashes.interimFromTag(suite, context.confirmedTranscriptHash(),
                groupInfo.confirmationTag());
        return of(config, suite, context, tree, interim, groupInfo.confirmationTag().clone(), summary);
    }

    /** The tree of the ratchet_tree extension, else the one given (copied). */
    private static RatchetTree ratchetTree(CipherSuite suite, GroupInfo groupInfo, Optional<RatchetTree> given) {
        Optional<Extension> ext = groupInfo.extension(ExtensionType.RATCHET_TREE);
        if (ext.isPresent()) {
            return RatchetTree.decode(suite, ext.get().data());
        }
        return given.map(RatchetTree::copy).orElseThrow(() -> new ValidationException(GroupRule.RATCHET_TREE_MISSING));
    }

    /**
     * Whether {@code tree} is a valid tree for a joiner of the group of {@code context} (§12.4.3.1).
     *
     * @return the members' credential summary, computed on the way
     */
    static CredentialSummary verifyTree(GroupConfig config, CipherSuite suite, GroupContext context,
            RatchetTree tree) {
        if (tree.suite().id() != suite.id() || !Arrays.equals(tree.treeHash(), context.treeHash())) {
            throw new ValidationException(GroupRule.TREE_HASH_MISMATCH);
        }
        LeafValidation.checkGroupExtensions(context.extensions());
        tree.verifyIntegrity(context.groupId());
        CredentialSummary summary = CredentialSummary.of(tree);
        int[] leaves = tree.occupiedLeaves();
        Parallel.forEach(leaves.length, 64, i -> LeafValidation.checkPolicy(config, suite,
                tree.leaf(leaves[i]).orElseThrow(), context.extensions(), summary, CredentialContext.TREE_MEMBER));
        LeafValidation.validateExternalSenders(config, suite, context.extensions(), List.of());
        return summary;
    }

    /**
     * The same state with its own tree object (O(1), copy-on-write) under a new stamp: Commits staged
     * on one do not merge into the other.
     */
    PublicState copy() {
        return new PublicState(config, suite, context, tree.copy(), interimTranscriptHash, confirmationTag, summary,
                proposals, STAMPS.incrementAndGet());
    }

    // ---- reading -------------------------------------------------------------------------------

    long epoch() {
        return context.epoch();
    }

    byte[] groupId() {
        return context.groupId();
    }

    /** The members, by increasing leaf index. O(N). */
    List<Member> members() {
        int[] leaves = tree.occupiedLeaves();
        List<Member> out = new ArrayList<>(leaves.length);
        for (int l : leaves) {
            out.add(Member.of(l, tree.leaf(l).orElseThrow()));
        }
        return out;
    }

    Optional<Member> member(int leafIndex) {
        return tree.leaf(leafIndex).map(l -> Member.of(leafIndex, l));
    }

    /** The group's external senders (RFC 9420 §12.1.8.1); empty without the extension. */
    List<ExternalSenders.ExternalSender> externalSenders() {
        return LeafValidation.externalSenders(context.extensions()).map(ExternalSenders::senders).orElse(List.of());
    }

    // ---- verifying messages (§6) ---------------------------------------------------------------

    /**
     * Where the signature key of a message's sender comes from (RFC 9420 §6.1): the member's leaf,
     * the external_senders entry, the Add's KeyPackage leaf, or the external commit's path leaf.
     */
    SignerKeys signerKeys() {
        return this::signerKey;
    }

    private SignaturePublicKey signerKey(FramedContent content) {
        return switch (content.sender()) {
            case Sender.Member m -> tree.leaf(m.leafIndex()).map(LeafNode::signatureKey)
                    .orElseThrow(() -> new ValidationException(GroupRule.SENDER_NOT_MEMBER, "leaf " + m.leafIndex()));
            case Sender.External e -> {
                List<ExternalSenders.ExternalSender> senders = externalSenders();
                if (e.senderIndex() >= senders.size()) {
                    throw new ValidationException(GroupRule.EXTERNAL_SENDER_UNKNOWN, "index " + e.senderIndex());
                }
                yield senders.get(e.senderIndex()).signatureKey();
            }
            case Sender.NewMemberProposal n -> {
                if (!(content.content() instanceof Content.ProposalContent p
                        && p.proposal() instanceof AddProposal a)) {
                    throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "new_member_proposal");
                }
                yield a.keyPackage().leafNode().signatureKey();
            }
            case Sender.NewMemberCommit n -> {
                if (!(content.content() instanceof Content.CommitContent c)) {
                    throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "new_member_commit");
                }
                yield c.commit().path().map(p -> p.leafNode().signatureKey())
                        .orElseThrow(() -> new ValidationException(GroupRule.PATH_REQUIRED, "external commit"));
            }
        };
    }

    /**
     * Verifies a handshake PublicMessage as the Delivery Service can (RFC 9420 §6.2 without the
     * membership tag): not application content, this group and epoch, a sender type allowed to send
     * the content, and the signature.
     */
    AuthenticatedContent verify(PublicMessage message) {
        FramedContent content = message.content();
        if (content.contentType() == ContentType.APPLICATION) {
            throw new ValidationException(FramingRule.APPLICATION_NOT_PRIVATE);
        }
        if (!context.hasGroupId(content.groupId())) {
            throw new ValidationException(FramingRule.WRONG_GROUP);
        }
        if (content.epoch() != context.epoch()) {
            throw new ValidationException(FramingRule.WRONG_EPOCH);
        }
        AuthenticatedContent ac = message.authenticatedContent();
        ac.checkSenderMayAuthor();
        ac.checkSignature(suite, signerKeys(), context);
        return ac;
    }

    // ---- proposals (§12.1) ---------------------------------------------------------------------

    /** Validates an authenticated proposal against this state (RFC 9420 §12.1); caches nothing. */
    VerifiedProposal verifyProposal(AuthenticatedContent ac) {
        Content.ProposalContent pc = (Content.ProposalContent) ac.content().content();
        ProposalRules.validateStandalone(this, pc.proposal(), ac.sender());
        return new VerifiedProposal(ac.proposalRef(suite), pc.proposal(), ac.sender(), context.epoch());
    }

    /**
     * This state with {@code proposal} cached for the Commit that will reference it (this state when
     * the proposal is cached already).
     */
    PublicState withProposal(VerifiedProposal proposal, AuthenticatedContent ac) {
        ProposalCache more = proposals.with(proposal, ac);
        return more == proposals ? this : new PublicState(config, suite, context, tree, interimTranscriptHash,
                confirmationTag, summary, more, stamp);
    }

    // ---- Commits (§12.4.2) ---------------------------------------------------------------------

    /** Checks and merges an UpdatePath into the staged tree. */
    @FunctionalInterface
    interface PathHandler {
        /**
         * @param next the new tree, proposals applied, into which the path must be merged
         * @param provisionalContext the serialized provisional GroupContext for a tree hash (§12.4.1)
         */
        void handle(RatchetTree next, int senderLeaf, UpdatePath path, AppliedProposals applied,
                Function<byte[], byte[]> provisionalContext);
    }

    /** The proposals a Commit covers, references resolved against the cache, in Commit order. */
    List<CommittedProposal> resolve(Commit commit, Sender committer) {
        List<CommittedProposal> out = new ArrayList<>(commit.proposals().size());
        for (ProposalOrRef por : commit.proposals()) {
            switch (por) {
                case ProposalOrRef.ByValue v ->
                        out.add(new CommittedProposal(v.proposal(), committer, Optional.empty()));
                case ProposalOrRef.ByReference r -> {
                    if (!(committer instanceof Sender.Member)) {
                        throw new ValidationException(GroupRule.EXTERNAL_COMMIT_BY_REFERENCE);
                    }
                    ProposalRef ref = r.reference();
                    VerifiedProposal vp = proposals.get(ref)
                            .orElseThrow(() -> new ValidationException(GroupRule.PROPOSAL_REF_UNKNOWN));
                    out.add(new CommittedProposal(vp.proposal(), vp.sender(), Optional.of(ref)));
                }
            }
        }
        return out;
    }

    /** The provisional GroupContext of §12.4.1 for the tree hash given, serialized. */
    Function<byte[], byte[]> provisionalContext(List<Extension> extensions) {
        return treeHash -> new GroupContext(context.cipherSuite(), context.groupId(), context.epoch() + 1, treeHash,
                context.confirmedTranscriptHash(), extensions).toBytes();
    }

    /**
     * Stages an authenticated Commit: resolve, check the list, apply it to a copy of the tree, check
     * the path's leaf and let {@code pathHandler} merge the path, then compute the new GroupContext
     * and transcript hashes. This state is not touched.
     */
    StagedPublicCommit stage(AuthenticatedContent ac, PathHandler pathHandler) {
        if (!(ac.content().content() instanceof Content.CommitContent cc)) {
            throw new InternalException("not a commit");
        }
        Commit commit = cc.commit();
        Sender sender = ac.sender();
        OptionalInt committer = sender instanceof Sender.Member m ? OptionalInt.of(m.leafIndex()) : OptionalInt.empty();
        List<CommittedProposal> list = resolve(commit, sender);
        ProposalRules.checkList(list, committer);
        RatchetTree next = tree.copy();
        AppliedProposals applied = ProposalRules.apply(this, next, list);
        boolean external = committer.isEmpty();
        if (commit.path().isEmpty() && (applied.pathRequired() || external)) {
            throw new ValidationException(GroupRule.PATH_REQUIRED);
        }
        int senderLeaf = external ? next.leftmostBlankLeafExtending() : committer.getAsInt();
        if (commit.path().isPresent()) {
            UpdatePath path = commit.path().get();
            Optional<LeafNode> replaced = external ? applied.resyncedLeaf() : tree.leaf(senderLeaf);
            LeafValidation.validateCommitLeaf(config, suite, path.leafNode(), replaced, applied.extensions(), summary);
            pathHandler.handle(next, senderLeaf, path, applied, provisionalContext(applied.extensions()));
        }
        byte[] confirmed = TranscriptHashes.confirmed(suite, interimTranscriptHash, ac.confirmedTranscriptHashInput());
        GroupContext newContext = context.next(next.treeHash(), confirmed, applied.extensions());
        byte[] tag = ac.confirmationTag().clone();
        byte[] interim = TranscriptHashes.interimFromTag(suite, confirmed, tag);
        return new StagedPublicCommit(stamp, ac, newContext, next, interim, tag, applied, senderLeaf,
                commit.path().isPresent());
    }

    /**
     * The state of the epoch a Commit staged on this state starts: its GroupContext, tree and
     * transcript hash, no proposals, a fresh stamp.
     *
     * @throws ValidationException with {@link GroupRule#STAGED_COMMIT_STALE} when the Commit was
     *     not staged on this epoch value
     */
    PublicState next(StagedPublicCommit staged) {
        if (staged.baseStamp != stamp) {
            throw new ValidationException(GroupRule.STAGED_COMMIT_STALE);
        }
        return of(config, suite, staged.context, staged.tree, staged.interimTranscriptHash, staged.confirmationTag,
                summaryAfter(staged));
    }

    /**
     * The members' credential summary after a Commit, from the leaves it changes — added, removed,
     * updated, and the leaf of its path (the committer's, or an external joiner's) — instead of a
     * pass over all leaves of the new tree.
     */
    private CredentialSummary summaryAfter(StagedPublicCommit staged) {
        AppliedProposals a = staged.applied;
        Set<Integer> changed = new TreeSet<>(a.addedLeaves());
        a.removed().forEach(m -> changed.add(m.leafIndex()));
        changed.addAll(a.updatedLeaves());
        if (staged.hasPath) {
            changed.add(staged.committerLeaf);
        }
        List<LeafNode> before = new ArrayList<>(changed.size());
        List<LeafNode> after = new ArrayList<>(changed.size());
        for (int leaf : changed) {
            tree.leaf(leaf).ifPresent(before::add);
            staged.tree.leaf(leaf).ifPresent(after::add);
        }
        return summary.replacing(before, after);
    }

    @Override
    public String toString() {
        return "PublicState[" + context + ", " + tree + ", " + proposals.size() + " proposals]";
    }
}
