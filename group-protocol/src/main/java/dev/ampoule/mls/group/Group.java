package dev.ampoule.mls.group;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalPub;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PrivateMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.SignerKeys;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.group.EpochArchive.PastEpoch;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.schedule.EpochSecret;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.PreSharedKeys;
import dev.ampoule.mls.schedule.PskInput;
import dev.ampoule.mls.schedule.PskSecret;
import dev.ampoule.mls.schedule.ResumptionPsk;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import dev.ampoule.mls.schedule.TranscriptHashes;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.Lifetime;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.ProcessedPath;
import dev.ampoule.mls.treekem.TreeKem;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import dev.ampoule.mls.treekem.CommitSecret;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A member's view of an MLS group (RFC 9420 §12–§15): a {@link PublicGroup} (GroupContext, tree,
 * transcript hash, proposal cache and all public rules) plus this member's secrets — its leaf index
 * and signature key pair, its private tree keys, the epoch's secrets and secret tree, a bounded
 * store of past epochs for late application messages, retained resumption PSKs, and at most one
 * pending Commit of its own.
 *
 * <p>Entering a group: {@link #create}, {@link #join} (Welcome) or {@link #joinExternal}. Changing
 * it: the {@code propose*} methods, {@link #commit}, then {@link #mergePendingCommit()} once the
 * Delivery Service accepted the Commit. Receiving: {@link #process} gives application data, a
 * verified proposal, or a {@link StagedCommit} to {@link #merge}. Every operation that fails leaves
 * the group exactly as it was (except that sending consumes a ratchet generation).
 *
 * <p>Not thread-safe: confine a group to one thread or synchronise around it.
 */
public final class Group {

    /** The group's state with respect to sending and receiving. */
    public enum Status {
        /** A member that can send and receive. */
        ACTIVE,
        /** Joined by external commit; active once the Commit is merged. */
        EXTERNAL_JOIN_PENDING,
        /** A merged Commit covered a ReInit: the group is over, a new one replaces it (§11.2). */
        REINIT_PENDING,
        /** A merged Commit removed this member (§12.4.2). */
        REMOVED
    }

    static final byte[] EXTERNAL_INIT_LABEL = "MLS 1.0 external init secret".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);

    final GroupConfig config;
    final CipherSuite suite;
    final PublicGroup pub;
    int ownLeaf;
    final SignatureKeyPair signatureKeys;
    TreeKemPrivate privateTree;
    EpochSecrets epochSecrets;
    SecretTree secretTree;
    final EpochArchive archive = new EpochArchive();
    /** Epoch to the resumption PSK of that epoch (copies), oldest first. */
    final LinkedHashMap<Long, ResumptionPsk> resumptionPsks = new LinkedHashMap<>();
    /** Leaf key pairs of this member's own Update proposals of the current epoch. */
    final Map<HpkePublicKey, HpkeKeyPair> pendingUpdateKeys = new HashMap<>();
    PendingCommit pending;
    Status status;
    Optional<ReInitProposal> reInit = Optional.empty();

    Group(GroupConfig config, PublicGroup pub, int ownLeaf, SignatureKeyPair signatureKeys, TreeKemPrivate privateTree,
            EpochSecrets epochSecrets, SecretTree secretTree, Status status) {
        this.config = config;
        this.suite = pub.suite();
        this.pub = pub;
        this.ownLeaf = ownLeaf;
        this.signatureKeys = signatureKeys;
        this.privateTree = privateTree;
        this.epochSecrets = epochSecrets;
        this.secretTree = secretTree;
        this.status = status;
    }

    // ---- entering a group (§11, §12.4.3) -------------------------------------------------------

    /**
     * Creates a one-member group (RFC 9420 §11) with the creator at leaf 0. The GroupContext
     * extensions are {@code extensions} plus, unless given there, the configuration's
     * required_capabilities and external_senders. The creator's leaf uses the configuration's
     * capabilities (completed with the extension types the group uses) and leaf lifetime.
     *
     * @throws ValidationException when the extensions are malformed or the creator's own leaf fails
     *     the group's policy
     */
    public static Group create(GroupConfig config, CipherSuite suite, byte[] groupId, Credential credential,
            SignatureKeyPair signatureKeys, List<Extension> extensions) {
        List<Extension> groupExtensions = new ArrayList<>(extensions);
        if (config.requiredCapabilities().isPresent()
                && Extension.find(groupExtensions, ExtensionType.REQUIRED_CAPABILITIES).isEmpty()) {
            groupExtensions.add(config.requiredCapabilities().get().toExtension());
        }
        if (!config.externalSenders().isEmpty()
                && Extension.find(groupExtensions, ExtensionType.EXTERNAL_SENDERS).isEmpty()) {
            groupExtensions.add(new ExternalSenders(config.externalSenders()).toExtension());
        }
        return createWith(config, suite, groupId, credential, signatureKeys, groupExtensions);
    }

    /** A one-member group with exactly {@code groupExtensions} as GroupContext extensions. */
    static Group createWith(GroupConfig config, CipherSuite suite, byte[] groupId, Credential credential,
            SignatureKeyPair signatureKeys, List<Extension> groupExtensions) {
        LeafValidation.checkGroupExtensions(groupExtensions);
        LeafValidation.validateExternalSenders(config, suite, groupExtensions, List.of());
        HpkeKeyPair leafKey = suite.generateHpkeKeyPair();
        LeafNode leaf = LeafNode.create(suite, signatureKeys.privateKey(), leafKey.publicKey(),
                signatureKeys.publicKey(), credential, ownCapabilities(config, credential, groupExtensions, List.of()),
                new LeafNodeSource.KeyPackage(lifetime(config)), List.of(), null, 0);
        LeafValidation.checkPolicy(config, suite, leaf, groupExtensions, LeafValidation.CredentialSummary.EMPTY,
                CredentialContext.COMMIT_PATH);
        RatchetTree tree = RatchetTree.create(suite, leaf);
        GroupContext context = GroupContext.initial(suite.id().wire(), groupId, tree.treeHash(), groupExtensions);
        EpochSecrets secrets = EpochSecrets.fromEpochSecret(suite,
                new EpochSecret(suite.randomBytes(suite.hashLength())));
        byte[] tag = secrets.confirmationTag(context.confirmedTranscriptHash());
        byte[] interim = TranscriptHashes.interimFromTag(suite, context.confirmedTranscriptHash(), tag);
        PublicGroup pub = new PublicGroup(config, suite, context, tree, interim, tag, new ProposalCache());
        SecretTree secretTree = secrets.newSecretTree(tree.leafCount(), config.ratchetWindow());
        Group group = new Group(config, pub, 0, signatureKeys, TreeKemPrivate.of(0, leafKey), secrets, secretTree,
                Status.ACTIVE);
        group.retainResumptionPsk();
        return group;
    }

    /**
     * The capabilities of this client's own leaf: the configuration's, with its credential type and
     * the types of {@code extensions} listed.
     */
    static Capabilities ownCapabilities(GroupConfig config, Credential credential, List<Extension> groupExtensions,
            List<Extension> leafExtensions) {
        return KeyPackageBundle.completed(config.capabilities(), credential.type(), groupExtensions, leafExtensions);
    }

    /** The lifetime of a leaf created now: from an hour back to the configured leaf lifetime ahead. */
    static Lifetime lifetime(GroupConfig config) {
        long now = config.clock().instant().getEpochSecond();
        return new Lifetime(now - 3600, now + config.leafLifetime().toSeconds());
    }

    /** {@link #create(GroupConfig, CipherSuite, byte[], Credential, SignatureKeyPair, List)} without extensions. */
    public static Group create(GroupConfig config, CipherSuite suite, byte[] groupId, Credential credential,
            SignatureKeyPair signatureKeys) {
        return create(config, suite, groupId, credential, signatureKeys, List.of());
    }

    /**
     * Joins from a Welcome (RFC 9420 §12.4.3.1) with the KeyPackage it was made for. The ratchet
     * tree comes from the GroupInfo's ratchet_tree extension, else {@code ratchetTree}. PSKs named
     * by the Welcome are looked up with {@code psks}. The application must check that the group id
     * is not one of its other groups'. On success the KeyPackage's init private key is destroyed
     * (RFC 9420 §16.8), unless the KeyPackage is last resort.
     *
     * @throws ValidationException naming the rule broken
     */
    public static Group join(GroupConfig config, Welcome welcome, KeyPackageBundle keyPackage,
            Optional<RatchetTree> ratchetTree, PskLookup psks) {
        return Joining.join(config, welcome, keyPackage, ratchetTree, psks);
    }

    /** {@link #join(GroupConfig, Welcome, KeyPackageBundle, Optional, PskLookup)} with the configuration's PSKs. */
    public static Group join(GroupConfig config, Welcome welcome, KeyPackageBundle keyPackage,
            Optional<RatchetTree> ratchetTree) {
        return join(config, welcome, keyPackage, ratchetTree, config.pskLookup());
    }

    /**
     * Joins by external commit (RFC 9420 §12.4.3.2) from a GroupInfo with external_pub, the tree
     * from its ratchet_tree extension or {@code ratchetTree}. Returns the group, pending until
     * {@link #mergePendingCommit()}, and the Commit to send.
     */
    public static ExternalJoin joinExternal(GroupConfig config, GroupInfo groupInfo, Optional<RatchetTree> ratchetTree,
            Credential credential, SignatureKeyPair signatureKeys, ExternalJoinOptions options) {
        return CommitBuilder.joinExternal(config, groupInfo, ratchetTree, credential, signatureKeys, options);
    }

    /** Restores a group saved with {@link #toBytes()}. */
    public static Group restore(byte[] saved, GroupConfig config) {
        return GroupCodec.restore(saved, config);
    }

    /**
     * The group's whole state, secrets included, in a versioned binary format for
     * {@link #restore}. The application must encrypt it at rest; the caller owns (and should
     * zero) the array.
     */
    public byte[] toBytes() {
        return GroupCodec.save(this);
    }

    // ---- accessors -----------------------------------------------------------------------------

    public long epoch() {
        return pub.epoch();
    }

    public byte[] groupId() {
        return pub.groupId();
    }

    public CipherSuite suite() {
        return suite;
    }

    public GroupConfig config() {
        return config;
    }

    public Status status() {
        return status;
    }

    public boolean isActive() {
        return status == Status.ACTIVE;
    }

    public int ownLeafIndex() {
        return ownLeaf;
    }

    public GroupContext groupContext() {
        return pub.groupContext();
    }

    /** The members, by increasing leaf index. */
    public List<Member> members() {
        return pub.members();
    }

    /** A snapshot of the public state (its own proposal cache, copy-on-write tree). */
    public PublicGroup publicGroup() {
        return pub.copy();
    }

    /**
     * The proposals received (or sent) in this epoch and not yet committed, in arrival order
     * (RFC 9420 §12.1): a Commit built with the default options covers them by reference.
     */
    public List<VerifiedProposal> pendingProposals() {
        return pub.pendingProposals();
    }

    /** The ReInit of the last merged Commit, when the group awaits reinitialization. */
    public Optional<ReInitProposal> reInit() {
        return reInit;
    }

    /** The pending Commit of this member, if any. */
    public Optional<PendingCommit> pendingCommit() {
        return Optional.ofNullable(pending);
    }

    /** The epoch authenticator of the current epoch (RFC 9420 §8.7), a copy. */
    public byte[] epochAuthenticator() {
        return requireSecrets().epochAuthenticator().copy();
    }

    /** {@code MLS-Exporter(label, context, length)} of the current epoch (RFC 9420 §8.5). */
    public byte[] exporter(String label, byte[] context, int length) {
        return requireSecrets().exporter(label, context, length);
    }

    /** The epochs whose resumption PSK is retained, oldest first. */
    public List<Long> retainedResumptionEpochs() {
        return List.copyOf(resumptionPsks.keySet());
    }

    /** The past epochs whose application messages can still be decrypted, oldest first. */
    public List<Long> retainedPastEpochs() {
        return archive.entries().stream().map(PastEpoch::epoch).toList();
    }

    /**
     * A signed GroupInfo of the current epoch with the external_pub extension, for clients joining
     * by external commit (RFC 9420 §12.4.3.2), with the ratchet tree when asked.
     */
    public GroupInfo groupInfo(boolean withRatchetTree) {
        requireActive();
        List<Extension> extensions = new ArrayList<>(2);
        extensions.add(new ExternalPub(epochSecrets.externalPub()).toExtension());
        if (withRatchetTree) {
            extensions.add(new Extension(ExtensionType.RATCHET_TREE, pub.treeView().toBytes()));
        }
        return GroupInfo.create(suite, signatureKeys.privateKey(), pub.groupContext(), extensions,
                pub.confirmationTag(), ownLeaf);
    }

    // ---- resuming the group in another (§8.6, §11.2, §11.3) -------------------------------------

    /**
     * A lookup of this group's retained resumption PSKs, by this group's id and an epoch, for a group
     * that resumes this one; external PSKs and other groups' come from the configuration. The
     * secrets are lent.
     */
    public PskLookup resumptionPskLookup() {
        PskLookup fallback = config.pskLookup();
        return new PskLookup() {
            @Override
            public Optional<Secret> externalPsk(byte[] pskId) {
                return fallback.externalPsk(pskId);
            }

            @Override
            public Optional<Secret> resumptionPsk(byte[] groupId, long epoch) {
                if (pub.groupContext().hasGroupId(groupId)) {
                    return Optional.ofNullable(resumptionPsks.get(epoch));
                }
                return fallback.resumptionPsk(groupId, epoch);
            }
        };
    }

    /**
     * After a Commit covering a ReInit (status {@link Status#REINIT_PENDING}): creates the group the
     * ReInit describes (group id, suite, extensions) with this member at leaf 0 and its first Commit
     * adding {@code members} with a resumption PSK of usage reinit (RFC 9420 §11.2). The other
     * members join it with {@link #joinResumed}.
     *
     * @param signatureKeys this member's key pair for the new group's suite
     */
    public ResumedGroup reInitialize(GroupConfig config, SignatureKeyPair signatureKeys, List<KeyPackage> members) {
        return Resumption.reInitialize(this, config, signatureKeys, members);
    }

    /**
     * Creates a subgroup of this group (RFC 9420 §11.3): same suite and extensions, this member at
     * leaf 0, and a first Commit adding {@code members} with a resumption PSK of usage branch.
     */
    public ResumedGroup branch(GroupConfig config, byte[] newGroupId, List<KeyPackage> members) {
        return Resumption.branch(this, config, newGroupId, members);
    }

    /**
     * Joins, from its Welcome, a group that reinitializes or branches this one (RFC 9420
     * §12.4.3.1): the Welcome must carry a resumption PSK of usage reinit or branch of this group,
     * the new group must have epoch 1 and, for reinit, the ReInit's parameters and every member of
     * this group; for branch, this group's suite and only members of this group.
     */
    public Group joinResumed(GroupConfig config, Welcome welcome, KeyPackageBundle keyPackage,
            Optional<RatchetTree> ratchetTree) {
        return Resumption.join(this, config, welcome, keyPackage, ratchetTree);
    }

    EpochSecrets requireSecrets() {
        if (epochSecrets == null) {
            throw new ValidationException(GroupRule.GROUP_INACTIVE, status.toString());
        }
        return epochSecrets;
    }

    void requireActive() {
        if (status != Status.ACTIVE) {
            throw new ValidationException(GroupRule.GROUP_INACTIVE, status.toString());
        }
    }

    // ---- proposals (§12.1) ---------------------------------------------------------------------

    /** Proposes adding the client of {@code keyPackage} (§12.1.1). */
    public MlsMessage proposeAdd(KeyPackage keyPackage) {
        return sendProposal(new AddProposal(keyPackage));
    }

    /** Proposes removing the member at {@code leafIndex} (§12.1.3). */
    public MlsMessage proposeRemove(int leafIndex) {
        return sendProposal(new RemoveProposal(Integer.toUnsignedLong(leafIndex)));
    }

    /**
     * Proposes replacing this member's leaf with one with a fresh encryption key (§12.1.2). Another
     * member must commit it.
     */
    public MlsMessage proposeUpdate() {
        requireActive();
        LeafNode current = pub.treeView().leaf(ownLeaf).orElseThrow();
        HpkeKeyPair key = suite.generateHpkeKeyPair();
        LeafNode leaf = LeafNode.create(suite, signatureKeys.privateKey(), key.publicKey(), current.signatureKey(),
                current.credential(), current.capabilities(), new LeafNodeSource.Update(), current.extensions(),
                pub.groupId(), ownLeaf);
        pendingUpdateKeys.put(key.publicKey(), key);
        try {
            return sendProposal(new UpdateProposal(leaf));
        } catch (RuntimeException e) {
            pendingUpdateKeys.remove(key.publicKey());
            key.privateKey().destroy();
            throw e;
        }
    }

    /** Proposes injecting the external PSK {@code pskId}, which must be available (§12.1.4). */
    public MlsMessage proposeExternalPsk(byte[] pskId) {
        PreSharedKeyId id = new PreSharedKeyId.External(pskId.clone(), suite.randomBytes(suite.hashLength()));
        lookupPsk(id, config.pskLookup());
        return sendProposal(new PreSharedKeyProposal(id));
    }

    /** Proposes injecting the resumption PSK of this group's {@code epoch}, which must be retained. */
    public MlsMessage proposeResumptionPsk(long epoch) {
        return sendProposal(new PreSharedKeyProposal(resumptionPskId(epoch)));
    }

    /** Proposes replacing the GroupContext extensions with {@code extensions} (§12.1.7). */
    public MlsMessage proposeGroupContextExtensions(List<Extension> extensions) {
        return sendProposal(new GroupContextExtensionsProposal(extensions));
    }

    /** Proposes reinitializing the group as {@code newGroupId} with another suite or extensions (§12.1.5). */
    public MlsMessage proposeReInit(byte[] newGroupId, CipherSuiteId newSuite, List<Extension> extensions) {
        return sendProposal(new ReInitProposal(newGroupId.clone(), GroupContext.MLS10, newSuite.wire(), extensions));
    }

    PreSharedKeyId resumptionPskId(long epoch) {
        if (!resumptionPsks.containsKey(epoch)) {
            throw new ValidationException(GroupRule.RESUMPTION_EPOCH_UNAVAILABLE,
                    "epoch " + Long.toUnsignedString(epoch));
        }
        return new PreSharedKeyId.Resumption(ResumptionPskUsage.APPLICATION, pub.groupId(), epoch,
                suite.randomBytes(suite.hashLength()));
    }

    private MlsMessage sendProposal(Proposal proposal) {
        requireActive();
        FramedContent content = new FramedContent(pub.groupId(), pub.epoch(), new Sender.Member(ownLeaf),
                new byte[0], new Content.ProposalContent(proposal));
        AuthenticatedContent ac = AuthenticatedContent.sign(suite, signatureKeys.privateKey(), config.handshakeFormat(),
                content, pub.groupContext());
        // refused before protecting: a PrivateMessage consumes a ratchet key
        ProposalRules.validateStandalone(pub, proposal, content.sender());
        MlsMessage message = protect(ac);
        pub.acceptProposal(ac);
        return message;
    }

    /** Protects signed handshake content with the current epoch's keys, per the configured format. */
    MlsMessage protect(AuthenticatedContent ac) {
        if (ac.wireFormat() == WireFormat.PUBLIC_MESSAGE) {
            return new MlsMessage.OfPublicMessage(
                    PublicMessage.protect(suite, ac, pub.groupContext(), epochSecrets.membershipKey()));
        }
        return new MlsMessage.OfPrivateMessage(PrivateMessage.protect(suite, ac, padding(ac),
                epochSecrets.senderDataSecret(), secretTree));
    }

    /** Padding for the PrivateMessageContent of {@code ac} (§15.1). */
    private int padding(AuthenticatedContent ac) {
        TlsWriter w = new TlsWriter(64);
        ac.content().content().encodeBody(w);
        ac.auth().encode(w);
        return config.paddingFor(w.size());
    }

    // ---- commits (§12.4) -----------------------------------------------------------------------

    /**
     * Creates a Commit (RFC 9420 §12.4.1) that becomes this member's pending commit. The group is
     * unchanged until {@link #mergePendingCommit()}.
     *
     * @throws ValidationException when the proposal list is invalid, or with
     *     {@link GroupRule#PENDING_COMMIT} when a Commit is already pending
     */
    public PendingCommit commit(CommitOptions options) {
        return CommitBuilder.commit(this, options);
    }

    /** Applies this member's pending Commit, once the Delivery Service accepted it. */
    public void mergePendingCommit() {
        if (pending == null) {
            throw new ValidationException(GroupRule.NO_PENDING_COMMIT);
        }
        apply(pending.staged);
    }

    /** Drops the pending Commit (the Delivery Service refused it, or another Commit won the epoch). */
    public void discardPendingCommit() {
        if (pending == null) {
            throw new ValidationException(GroupRule.NO_PENDING_COMMIT);
        }
        pending.staged.discard(this);
        pending = null;
    }

    /**
     * Applies a Commit staged by {@link #process}, once the Delivery Service accepted it. A pending
     * Commit of this member for the same epoch is discarded.
     *
     * @throws ValidationException with {@link GroupRule#STAGED_COMMIT_STALE} when the Commit was not
     *     staged by this group in its current state
     */
    public void merge(StagedCommit staged) {
        if (staged.owner != this || staged.publicCommit.baseStamp != pub.stamp()) {
            throw new ValidationException(GroupRule.STAGED_COMMIT_STALE);
        }
        if (pending != null && pending.staged != staged) {
            pending.staged.discard(this);
            pending = null;
        }
        apply(staged);
    }

    /** Enters the epoch of {@code staged}. */
    private void apply(StagedCommit staged) {
        if (staged.publicCommit.baseStamp != pub.stamp()) {
            throw new ValidationException(GroupRule.STAGED_COMMIT_STALE);
        }
        if (epochSecrets != null) {
            archive.add(new PastEpoch(pub.groupContext(), pub.treeView(),
                    new SenderDataSecret(epochSecrets.senderDataSecret().copy()), secretTree), config.pastEpochs());
            epochSecrets.destroy();
        }
        secretTree = null;
        epochSecrets = null;
        pub.advance(staged.publicCommit);
        pending = null;
        if (staged.selfRemoved) {
            if (privateTree != null) {
                privateTree.destroy();
            }
            privateTree = null;
            destroyUpdateKeys(null);
            status = Status.REMOVED;
            return;
        }
        epochSecrets = staged.epochSecrets;
        secretTree = epochSecrets.newSecretTree(pub.treeView().leafCount(), config.ratchetWindow());
        if (privateTree != null && privateTree != staged.privateTree) {
            privateTree.retire(staged.privateTree);
        }
        privateTree = staged.privateTree;
        destroyUpdateKeys(privateTree.leafKey());
        ownLeaf = staged.ownLeaf;
        retainResumptionPsk();
        reInit = staged.publicCommit.applied.reInit();
        status = reInit.isPresent() ? Status.REINIT_PENDING : Status.ACTIVE;
    }

    /**
     * Destroys the private keys of a candidate private state that will not be used, except those the
     * current state holds and the leaf key of a pending Update of this member (still usable by
     * another Commit in this epoch).
     */
    void discardPrivate(TreeKemPrivate candidate) {
        if (candidate == null || candidate == privateTree) {
            return;
        }
        if (privateTree == null) {
            candidate.destroy();
            return;
        }
        boolean updateKey = pendingUpdateKeys.values().stream().anyMatch(k -> k == candidate.leafKey());
        candidate.retire(updateKey ? privateTree.withLeafKey(candidate.leafKey()) : privateTree);
    }

    private void destroyUpdateKeys(HpkeKeyPair keep) {
        for (HpkeKeyPair k : pendingUpdateKeys.values()) {
            if (k != keep) {
                k.privateKey().destroy();
            }
        }
        pendingUpdateKeys.clear();
    }

    /** Keeps a copy of the current epoch's resumption PSK, dropping the oldest beyond the limit. */
    void retainResumptionPsk() {
        resumptionPsks.put(pub.epoch(), new ResumptionPsk(epochSecrets.resumptionPsk().copy()));
        int keep = Math.max(1, config.resumptionPsks());
        Iterator<Map.Entry<Long, ResumptionPsk>> it = resumptionPsks.entrySet().iterator();
        while (resumptionPsks.size() > keep && it.hasNext()) {
            it.next().getValue().destroy();
            it.remove();
        }
    }

    /**
     * The psk_secret of a Commit's or Welcome's PSKs (RFC 9420 §8.4), in order: external PSKs and
     * other groups' resumption PSKs from {@code lookup}, this group's from the retained ones.
     *
     * @throws ValidationException with {@link GroupRule#PSK_UNAVAILABLE}
     */
    PskSecret pskSecret(List<PreSharedKeyId> ids, PskLookup lookup) {
        if (ids.isEmpty()) {
            return PreSharedKeys.none(suite);
        }
        List<PskInput> inputs = new ArrayList<>(ids.size());
        for (PreSharedKeyId id : ids) {
            inputs.add(new PskInput(id, lookupPsk(id, lookup)));
        }
        return PreSharedKeys.pskSecret(suite, inputs);
    }

    private Secret lookupPsk(PreSharedKeyId id, PskLookup lookup) {
        Optional<? extends Secret> psk = switch (id) {
            case PreSharedKeyId.External e -> lookup.externalPsk(e.pskId());
            case PreSharedKeyId.Resumption r -> pub.groupContext().hasGroupId(r.pskGroupId())
                    ? Optional.ofNullable(resumptionPsks.get(r.pskEpoch()))
                    : lookup.resumptionPsk(r.pskGroupId(), r.pskEpoch());
        };
        return psk.orElseThrow(() -> new ValidationException(GroupRule.PSK_UNAVAILABLE, id.toString()));
    }

    // ---- application messages (§15) -------------------------------------------------------------

    /**
     * Encrypts application data for the current epoch (RFC 9420 §15) as a PrivateMessage, padded to
     * the configured block size.
     *
     * @throws ValidationException with {@link GroupRule#PENDING_PROPOSALS} while proposals of this
     *     epoch are uncommitted (§12.4), or {@link GroupRule#GROUP_INACTIVE}
     */
    public MlsMessage encrypt(byte[] data, byte[] authenticatedData) {
        requireActive();
        if (!pub.proposalCache().isEmpty()) {
            throw new ValidationException(GroupRule.PENDING_PROPOSALS, pub.proposalCache().size() + " proposals");
        }
        FramedContent content = new FramedContent(pub.groupId(), pub.epoch(), new Sender.Member(ownLeaf),
                authenticatedData.clone(), new Content.ApplicationData(data.clone()));
        AuthenticatedContent ac = AuthenticatedContent.sign(suite, signatureKeys.privateKey(),
                WireFormat.PRIVATE_MESSAGE, content, pub.groupContext());
        return new MlsMessage.OfPrivateMessage(PrivateMessage.protect(suite, ac, padding(ac),
                epochSecrets.senderDataSecret(), secretTree));
    }

    // ---- receiving (§6, §12.4.2, §15.3) --------------------------------------------------------

    /**
     * Processes a message for this group: decrypts application data (of the current or a retained
     * past epoch), verifies and caches a proposal, or verifies and stages a Commit. The echo of this
     * member's own pending Commit yields that Commit's staged state; an echo of its own
     * PrivateMessage is refused with a {@link dev.ampoule.mls.schedule.ScheduleRule} (the sender
     * deleted that key when it encrypted, RFC 9420 §9.2), so the Delivery Service should not return
     * a member's own PrivateMessages to it.
     *
     * @throws ValidationException naming the rule broken; the group is then unchanged
     * @throws dev.ampoule.mls.error.DecodeException when a decrypted plaintext is malformed
     */
    public Processed process(MlsMessage message) {
        if (pending != null && Arrays.equals(message.toBytes(), pending.encoded)) {
            return pending.staged;
        }
        return switch (message) {
            case MlsMessage.OfPublicMessage m -> processPublic(m.message());
            case MlsMessage.OfPrivateMessage m -> processPrivate(m.message());
            default -> throw new ValidationException(GroupRule.UNEXPECTED_WIRE_FORMAT, message.wireFormat().toString());
        };
    }

    private Processed processPublic(PublicMessage message) {
        requireCurrentSecrets();
        AuthenticatedContent ac = message.unprotect(suite, pub.groupContext(), epochSecrets.membershipKey(),
                pub.signerKeys()).authenticatedContent();
        return handshake(ac);
    }

    private Processed processPrivate(PrivateMessage message) {
        if (!pub.groupContext().hasGroupId(message.groupId())) {
            throw new ValidationException(FramingRule.WRONG_GROUP);
        }
        if (message.epoch() == pub.epoch() && epochSecrets != null) {
            // Processed while the ratchet key is lent: a refused message does not consume it.
            return message.unprotect(suite, pub.groupContext(), epochSecrets.senderDataSecret(), secretTree,
                    pub.signerKeys(), verified -> {
                        AuthenticatedContent ac = verified.authenticatedContent();
                        if (ac.contentType() == ContentType.APPLICATION) {
                            return application(ac);
                        }
                        requireCurrentSecrets();
                        return handshake(ac);
                    });
        }
        PastEpoch past = archive.get(message.epoch())
                .orElseThrow(() -> new ValidationException(GroupRule.EPOCH_NOT_AVAILABLE,
                        "epoch " + Long.toUnsignedString(message.epoch())));
        if (message.contentType() != ContentType.APPLICATION) {
            throw new ValidationException(GroupRule.HANDSHAKE_FROM_PAST_EPOCH);
        }
        AuthenticatedContent ac = message.unprotect(suite, past.context(), past.senderDataSecret(), past.secretTree(),
                memberKeys(past.tree())).authenticatedContent();
        return application(ac);
    }

    private void requireCurrentSecrets() {
        if (status != Status.ACTIVE) {
            throw new ValidationException(GroupRule.GROUP_INACTIVE, status.toString());
        }
    }

    /** Signature keys of the members of a past epoch's tree (PrivateMessage senders are members). */
    private static SignerKeys memberKeys(RatchetTree tree) {
        return content -> {
            if (content.sender() instanceof Sender.Member m) {
                return tree.leaf(m.leafIndex()).map(LeafNode::signatureKey).orElseThrow(
                        () -> new ValidationException(GroupRule.SENDER_NOT_MEMBER, "leaf " + m.leafIndex()));
            }
            throw new ValidationException(FramingRule.PRIVATE_SENDER_NOT_MEMBER);
        };
    }

    private static Processed.ApplicationMessage application(AuthenticatedContent ac) {
        FramedContent fc = ac.content();
        Content.ApplicationData data = (Content.ApplicationData) fc.content();
        int leaf = ((Sender.Member) fc.sender()).leafIndex();
        return new Processed.ApplicationMessage(leaf, fc.epoch(), data.data(), fc.authenticatedData());
    }

    private Processed handshake(AuthenticatedContent ac) {
        if (ac.contentType() == ContentType.PROPOSAL) {
            return new Processed.ProposalMessage(pub.acceptProposal(ac));
        }
        return stageCommit(ac);
    }

    /** Verifies and stages a received Commit (RFC 9420 §12.4.2). */
    private StagedCommit stageCommit(AuthenticatedContent ac) {
        if (ac.sender() instanceof Sender.Member m && m.leafIndex() == ownLeaf) {
            throw new ValidationException(GroupRule.OWN_COMMIT_UNKNOWN);
        }
        byte[] groupId = pub.groupId();
        ProcessedPath[] result = new ProcessedPath[1];
        boolean[] removed = new boolean[1];
        StagedPublicCommit sp = pub.stage(ac, (next, leaf, path, applied, provisional) -> {
            if (applied.removes(ownLeaf)) {
                removed[0] = true;
                next.apply(TreeKem.verifyPath(suite, next, leaf, path, groupId, applied.addedLeafSet()));
                return;
            }
            TreeKemPrivate me = privateTree;
            if (applied.updatedLeaves().contains(ownLeaf)) {
                HpkeKeyPair key = pendingUpdateKeys.get(next.leaf(ownLeaf).orElseThrow().encryptionKey());
                if (key == null) {
                    throw new InternalException("an Update of this member without its private key");
                }
                me = me.withLeafKey(key);
            }
            result[0] = TreeKem.processPath(suite, next, me, leaf, path, groupId, applied.addedLeafSet(), provisional);
        });
        AppliedProposals applied = sp.applied;
        if (removed[0] || applied.removes(ownLeaf)) {
            return new StagedCommit(this, sp, null, null, true, ownLeaf);
        }
        TreeKemPrivate nextPrivate = result[0] == null ? privateTree : result[0].privateState().pruned(sp.tree);
        CommitSecret commitSecret = result[0] == null
                ? CommitSecret.zero(suite.hashLength())
                : result[0].commitSecret();
        try {
            EpochSecrets next = CommitBuilder.nextEpoch(this, sp, applied, commitSecret);
            return new StagedCommit(this, sp, next, nextPrivate, false, ownLeaf);
        } catch (RuntimeException e) {
            discardPrivate(nextPrivate);
            throw e;
        } finally {
            commitSecret.destroy();
        }
    }

    @Override
    public String toString() {
        return "Group[" + pub.groupContext() + ", leaf " + ownLeaf + ", " + status + "]";
    }
}
