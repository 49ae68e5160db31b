package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.crypto.CipherSuite;
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
import dev.ampoule.mls.treekem.TreeKem;
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
import java.util.stream.IntStream;

/**
 * The public state of a group and its rules, without any secret (RFC 9420 §12): what the Delivery
 * Service runs to validate handshake messages, and what every member {@link Group} contains.
 *
 * <p>State: the GroupContext, the ratchet tree, the interim transcript hash, the confirmation tag
 * of the last Commit, and the proposals received in the current epoch. A PublicGroup
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

    private static final AtomicLong STAMPS = new AtomicLong();

    private final GroupConfig config;
    private final CipherSuite suite;
    private GroupContext context;
    private RatchetTree tree;
    private byte[] interimTranscriptHash;
    private byte[] confirmationTag;
    private final ProposalCache proposals;
    private CredentialSummary summary;
    private long stamp;

    PublicGroup(GroupConfig config, CipherSuite suite, GroupContext context, RatchetTree tree,
            byte[] interimTranscriptHash, byte[] confirmationTag, ProposalCache proposals) {
        this.config = config;
        this.suite = suite;
        this.context = context;
        this.tree = tree;
        this.interimTranscriptHash = interimTranscriptHash;
        this.confirmationTag = confirmationTag;
        this.proposals = proposals;
        this.stamp = STAMPS.incrementAndGet();
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
        PublicGroup pub = new PublicGroup(config, suite, context, tree, interim, groupInfo.confirmationTag().clone(),
                new ProposalCache());
        pub.summary = summary;
        return pub;
    }

    /** The tree of the ratchet_tree extension, else the one given (copied). */
    static RatchetTree ratchetTree(CipherSuite suite, GroupInfo groupInfo, Optional<RatchetTree> given) {
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
    static CredentialSummary verifyTree(GroupConfig config, CipherSuite suite, GroupContext context, RatchetTree tree) {
        if (tree.suite().id() != suite.id() || !Arrays.equals(tree.treeHash(), context.treeHash())) {
            throw new ValidationException(GroupRule.TREE_HASH_MISMATCH);
        }
        LeafValidation.checkGroupExtensions(context.extensions());
        tree.verifyIntegrity(context.groupId());
        CredentialSummary summary = CredentialSummary.of(tree);
        int[] leaves = tree.occupiedLeaves();
        IntStream indices = IntStream.range(0, leaves.length);
        if (leaves.length >= 64) {
            indices = indices.parallel();
        }
        indices.forEach(i -> LeafValidation.checkPolicy(config, suite, tree.leaf(leaves[i]).orElseThrow(),
                context.extensions(), summary, CredentialContext.TREE_MEMBER));
        LeafValidation.validateExternalSenders(config, suite, context.extensions(), List.of());
        return summary;
    }

    /**
     * Restores a PublicGroup saved with {@link #toBytes()} (for a Delivery Service that restarts).
     *
     * @throws dev.ampoule.mls.error.DecodeException when the bytes are not a saved public group
     */
    public static PublicGroup restore(byte[] saved, GroupConfig config) {
        return GroupCodec.restorePublic(saved, config);
    }

    /** The public state, proposals of the epoch included, in a versioned binary format. */
    public byte[] toBytes() {
        return GroupCodec.savePublic(this);
    }

    // ---- state ---------------------------------------------------------------------------------

    public GroupConfig config() {
        return config;
    }

    public CipherSuite suite() {
        return suite;
    }

    public GroupContext groupContext() {
        return context;
    }

    public long epoch() {
        return context.epoch();
    }

    public byte[] groupId() {
        return context.groupId();
    }

    /** An independent copy of the ratchet tree (O(1), copy-on-write). */
    public RatchetTree tree() {
        return tree.copy();
    }

    /** The live tree, for this package's reads. */
    RatchetTree treeView() {
        return tree;
    }

    public byte[] interimTranscriptHash() {
        return interimTranscriptHash.clone();
    }

    /** The confirmation tag of the Commit that started this epoch (or of the group's creation). */
    public byte[] confirmationTag() {
        return confirmationTag.clone();
    }

    /** The members, by increasing leaf index. O(N). */
    public List<Member> members() {
        int[] leaves = tree.occupiedLeaves();
        List<Member> out = new ArrayList<>(leaves.length);
        for (int l : leaves) {
            out.add(Member.of(l, tree.leaf(l).orElseThrow()));
        }
        return out;
    }

    /** The member at {@code leafIndex}, if that leaf is not blank. */
    public Optional<Member> member(int leafIndex) {
        return tree.leaf(leafIndex).map(l -> Member.of(leafIndex, l));
    }

    /** The proposals received in this epoch, in arrival order. */
    public List<VerifiedProposal> pendingProposals() {
        return proposals.proposals();
    }

    /** The group's external senders (RFC 9420 §12.1.8.1); empty without the extension. */
    public List<ExternalSenders.ExternalSender> externalSenders() {
        return LeafValidation.externalSenders(context.extensions()).map(ExternalSenders::senders).orElse(List.of());
    }

    /** An independent copy: same state, its own proposal cache. O(1) for the tree. */
    public PublicGroup copy() {
        PublicGroup copy = new PublicGroup(config, suite, context, tree.copy(), interimTranscriptHash, confirmationTag,
                proposals.copy());
        copy.summary = summary;
        return copy;
    }

    ProposalCache proposalCache() {
        return proposals;
    }

    long stamp() {
        return stamp;
    }

    /**
     * Credential types of the members: one pass over the leaves the first time, then carried from
     * epoch to epoch with the leaves each Commit changes.
     */
    CredentialSummary credentialSummary() {
        if (summary == null) {
            summary = CredentialSummary.of(tree);
        }
        return summary;
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
     * membership tag, which needs the epoch's membership key): not application content, this
     * group and epoch, a sender type allowed to send the content, and the signature.
     *
     * @throws ValidationException with a {@link FramingRule} or {@link GroupRule}
     */
    public AuthenticatedContent verify(PublicMessage message) {
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

    /**
     * Verifies a proposal message ({@link #verify}), validates the proposal against the current
     * state (RFC 9420 §12.1) and caches it for the Commit that will reference it.
     *
     * @throws ValidationException naming the rule broken; nothing is cached then
     */
    public VerifiedProposal processProposal(PublicMessage message) {
        AuthenticatedContent ac = verify(message);
        if (ac.contentType() != ContentType.PROPOSAL) {
            throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "not a proposal");
        }
        return acceptProposal(ac);
    }

    /** Validates an authenticated proposal and caches it. */
    VerifiedProposal acceptProposal(AuthenticatedContent ac) {
        Content.ProposalContent pc = (Content.ProposalContent) ac.content().content();
        ProposalRules.validateStandalone(this, pc.proposal(), ac.sender());
        VerifiedProposal vp = new VerifiedProposal(ac.proposalRef(suite), pc.proposal(), ac.sender(), context.epoch());
        proposals.put(vp, ac);
        return vp;
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
        AuthenticatedContent ac = verify(message);
        if (ac.contentType() != ContentType.COMMIT) {
            throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "not a commit");
        }
        byte[] groupId = context.groupId();
        return stage(ac, (next, leaf, path, applied, provisional) ->
                next.apply(TreeKem.verifyPath(suite, next, leaf, path, groupId, applied.addedLeafSet())));
    }

    /**
     * Makes a staged Commit the current state: new GroupContext, tree and transcript hash; the
     * proposal cache is emptied.
     *
     * @throws ValidationException with {@link GroupRule#STAGED_COMMIT_STALE} when the Commit was
     *     not staged on this group's current state
     */
    public void merge(StagedPublicCommit staged) {
        if (staged.baseStamp != stamp) {
            throw new ValidationException(GroupRule.STAGED_COMMIT_STALE);
        }
        advance(staged);
    }

    void advance(StagedPublicCommit staged) {
        CredentialSummary next = summary == null ? null : summaryAfter(staged);
        context = staged.context;
        tree = staged.tree;
        interimTranscriptHash = staged.interimTranscriptHash;
        confirmationTag = staged.confirmationTag;
        proposals.clear();
        summary = next;
        stamp = STAMPS.incrementAndGet();
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

    // ---- staging a Commit (§12.4.2) ------------------------------------------------------------

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
     * and transcript hashes. The group's state is not touched.
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
            LeafValidation.validateCommitLeaf(config, suite, path.leafNode(), replaced, applied.extensions(),
                    credentialSummary());
            pathHandler.handle(next, senderLeaf, path, applied, provisionalContext(applied.extensions()));
        }
        byte[] confirmed = TranscriptHashes.confirmed(suite, interimTranscriptHash, ac.confirmedTranscriptHashInput());
        GroupContext newContext = context.next(next.treeHash(), confirmed, applied.extensions());
        byte[] tag = ac.confirmationTag().clone();
        byte[] interim = TranscriptHashes.interimFromTag(suite, confirmed, tag);
        return new StagedPublicCommit(stamp, ac, newContext, next, interim, tag, applied, senderLeaf,
                commit.path().isPresent());
    }

    @Override
    public String toString() {
        return "PublicGroup[" + context + ", " + tree + "]";
    }
}
