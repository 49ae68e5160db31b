package dev.ampoule.mls.group;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalPub;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PrivateMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.WireFormat;
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
import dev.ampoule.mls.schedule.TranscriptHashes;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.Lifetime;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A member's view of an MLS group (RFC 9420 §12–§15): the group's public state (GroupContext, tree,
 * transcript hash, proposals of the epoch, with every public rule) plus this member's secrets — its
 * leaf index and signature key pair, its private tree keys, the epoch's secrets and secret tree, a
 * bounded store of past epochs for late application messages, retained resumption PSKs, and at most
 * one pending Commit of its own.
 *
 * <p>Entering a group: {@link #create}, {@link #join} (Welcome) or {@link #joinExternal}. Changing
 * it: the {@code propose*} methods, {@link #commit}, then {@link #mergePendingCommit()} once the
 * Delivery Service accepted the Commit. Receiving: {@link #process} gives application data, a
 * verified proposal, or a {@link StagedCommit} to {@link #merge}.
 *
 * <p>The state of the current epoch is one immutable {@code EpochState}, replaced in one assignment
 * once an operation has computed everything it needs: every operation that fails leaves the group
 * exactly as it was. The one exception is the ratchets (see {@code EpochState}): sending consumes a
 * ratchet generation, and decrypting a message consumes its key once the message is accepted.
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

    private final GroupConfig config;
    private final CipherSuite suite;
    private final SignatureKeyPair signatureKeys;
    /** The current epoch's state; replaced whole, only by {@link #swap}. */
    private EpochState state;

    Group(GroupConfig config, SignatureKeyPair signatureKeys, EpochState state) {
        this.config = config;
        this.suite = state.pub().suite();
        this.signatureKeys = signatureKeys;
        this.state = state;
    }

    /**
     * Makes {@code next} the current state, then destroys the secrets the previous state held that
     * {@code next} does not.
     */
    private void swap(EpochState next) {
        EpochState previous = state;
        state = next;
        previous.retire(next);
    }

    /** The current state value, for this package's reads. */
    EpochState state() {
        return state;
    }

    SignatureKeyPair signatureKeys() {
        return signatureKeys;
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
        PublicState pub = PublicState.of(config, suite, context, tree, interim, tag,
                LeafValidation.CredentialSummary.of(tree));
        return new Group(config, signatureKeys, EpochState.started(config, pub, 0, TreeKemPrivate.of(0, leafKey),
                secrets));
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
        return GroupCodec.save(suite, signatureKeys, state);
    }

    // ---- accessors -----------------------------------------------------------------------------

    public long epoch() {
        return state.pub().epoch();
    }

    public byte[] groupId() {
        return state.pub().groupId();
    }

    public CipherSuite suite() {
        return suite;
    }

    public GroupConfig config() {
        return config;
    }

    public Status status() {
        return state.status();
    }

    public boolean isActive() {
        return state.status() == Status.ACTIVE;
    }

    public int ownLeafIndex() {
        return state.ownLeaf();
    }

    public GroupContext groupContext() {
        return state.pub().context();
    }

    /** The members, by increasing leaf index. */
    public List<Member> members() {
        return state.pub().members();
    }

    /** A snapshot of the public state (its own proposal cache, copy-on-write tree). */
    public PublicGroup publicGroup() {
        return new PublicGroup(state.pub().copy());
    }

    /**
     * The proposals received (or sent) in this epoch and not yet committed, in arrival order
     * (RFC 9420 §12.1): a Commit built with the default options covers them by reference.
     */
    public List<VerifiedProposal> pendingProposals() {
        return state.pub().proposals().proposals();
    }

    /** The ReInit of the last merged Commit, when the group awaits reinitialization. */
    public Optional<ReInitProposal> reInit() {
        return state.reInit();
    }

    /** The pending Commit of this member, if any. */
    public Optional<PendingCommit> pendingCommit() {
        return state.pending();
    }

    /** The epoch authenticator of the current epoch (RFC 9420 §8.7), a copy. */
    public byte[] epochAuthenticator() {
        return state.requireSecrets().epochAuthenticator().copy();
    }

    /**
     * Opens what another member sealed to this member's current leaf encryption key with
     * {@link CipherSuite#safeEncryptWithLabel} (an application's message to one member). Only the
     * key of the current epoch's leaf opens it: once this member's leaf key changes (its own
     * Commit or Update), earlier ciphertexts no longer open.
     *
     * @throws ValidationException when it does not open
     */
    public byte[] safeDecryptWithLeafKey(long componentId, String label, byte[] context, HpkeCiphertext ct) {
        EpochState s = state;
        s.requireActive();
        if (s.privateTree() == null) {
            throw new IllegalStateException("this member holds no leaf key");
        }
        return suite.safeDecryptWithLabel(s.privateTree().leafKey(), componentId, label, context, ct);
    }

    /** {@code MLS-Exporter(label, context, length)} of the current epoch (RFC 9420 §8.5). */
    public byte[] exporter(String label, byte[] context, int length) {
        return state.requireSecrets().exporter(label, context, length);
    }

    /** The epochs whose resumption PSK is retained, oldest first. */
    public List<Long> retainedResumptionEpochs() {
        return state.resumptionPsks().epochs();
    }

    /** The past epochs whose application messages can still be decrypted, oldest first. */
    public List<Long> retainedPastEpochs() {
        return state.archive().epochs();
    }

    /**
     * A signed GroupInfo of the current epoch with the external_pub extension, for clients joining
     * by external commit (RFC 9420 §12.4.3.2), with the ratchet tree when asked.
     */
    public GroupInfo groupInfo(boolean withRatchetTree) {
        EpochState s = state;
        s.requireActive();
        List<Extension> extensions = new ArrayList<>(2);
        extensions.add(new ExternalPub(s.epochSecrets().externalPub()).toExtension());
        if (withRatchetTree) {
            extensions.add(new Extension(ExtensionType.RATCHET_TREE, s.pub().tree().toBytes()));
        }
        return GroupInfo.create(suite, signatureKeys.privateKey(), s.pub().context(), extensions,
                s.pub().confirmationTag(), s.ownLeaf());
    }

    // ---- resuming the group in another (§8.6, §11.2, §11.3) -------------------------------------

    /**
     * A lookup of this group's retained resumption PSKs, by this group's id and an epoch, for a group
     * that resumes this one; external PSKs and other groups' come from the configuration. The
     * secrets are lent; the lookup reads the group's state at the time it is asked.
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
                EpochState s = state;
                if (s.pub().context().hasGroupId(groupId)) {
                    return s.resumptionPsks().get(epoch).map(Secret.class::cast);
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

    // ---- proposals (§12.1) ---------------------------------------------------------------------

    /** Proposes adding the client of {@code keyPackage} (§12.1.1). */
    public MlsMessage proposeAdd(KeyPackage keyPackage) {
        return sendProposal(new AddProposal(keyPackage), Optional.empty());
    }

    /** Proposes removing the member at {@code leafIndex} (§12.1.3). */
    public MlsMessage proposeRemove(int leafIndex) {
        return sendProposal(new RemoveProposal(Integer.toUnsignedLong(leafIndex)), Optional.empty());
    }

    /**
     * Proposes replacing this member's leaf with one with a fresh encryption key (§12.1.2). Another
     * member must commit it.
     */
    public MlsMessage proposeUpdate() {
        EpochState s = state;
        s.requireActive();
        LeafNode current = s.pub().tree().leaf(s.ownLeaf()).orElseThrow();
        HpkeKeyPair key = suite.generateHpkeKeyPair();
        LeafNode leaf = LeafNode.create(suite, signatureKeys.privateKey(), key.publicKey(), current.signatureKey(),
                current.credential(), current.capabilities(), new LeafNodeSource.Update(), current.extensions(),
                s.pub().groupId(), s.ownLeaf());
        try {
            return sendProposal(new UpdateProposal(leaf), Optional.of(key));
        } catch (RuntimeException e) {
            key.privateKey().destroy();
            throw e;
        }
    }

    /** Proposes injecting the external PSK {@code pskId}, which must be available (§12.1.4). */
    public MlsMessage proposeExternalPsk(byte[] pskId) {
        PreSharedKeyId id = new PreSharedKeyId.External(pskId.clone(), suite.randomBytes(suite.hashLength()));
        state.lookupPsk(id, config.pskLookup());
        return sendProposal(new PreSharedKeyProposal(id), Optional.empty());
    }

    /** Proposes injecting the resumption PSK of this group's {@code epoch}, which must be retained. */
    public MlsMessage proposeResumptionPsk(long epoch) {
        return sendProposal(new PreSharedKeyProposal(state.resumptionPskId(epoch)), Optional.empty());
    }

    /** Proposes replacing the GroupContext extensions with {@code extensions} (§12.1.7). */
    public MlsMessage proposeGroupContextExtensions(List<Extension> extensions) {
        return sendProposal(new GroupContextExtensionsProposal(extensions), Optional.empty());
    }

    /** Proposes reinitializing the group as {@code newGroupId} with another suite or extensions (§12.1.5). */
    public MlsMessage proposeReInit(byte[] newGroupId, CipherSuiteId newSuite, List<Extension> extensions) {
        return sendProposal(new ReInitProposal(newGroupId.clone(), GroupContext.MLS10, newSuite.wire(), extensions),
                Optional.empty());
    }

    /**
     * Signs, validates and protects a proposal of this member and caches it, with the leaf key of
     * an Update. Validated before it is protected: protecting a PrivateMessage consumes a key.
     */
    private MlsMessage sendProposal(Proposal proposal, Optional<HpkeKeyPair> updateKey) {
        EpochState s = state;
        s.requireActive();
        FramedContent content = new FramedContent(s.pub().groupId(), s.pub().epoch(), new Sender.Member(s.ownLeaf()),
                new byte[0], new Content.ProposalContent(proposal));
        AuthenticatedContent ac = AuthenticatedContent.sign(suite, signatureKeys.privateKey(), config.handshakeFormat(),
                content, s.pub().context());
        VerifiedProposal verified = s.pub().verifyProposal(ac);
        MlsMessage message = protect(s, ac);
        EpochState next = s.withProposal(verified, ac);
        swap(updateKey.isPresent() ? next.withUpdateKey(updateKey.get()) : next);
        return message;
    }

    /** Protects signed handshake content with the keys of {@code s}, per the configured format. */
    MlsMessage protect(EpochState s, AuthenticatedContent ac) {
        if (ac.wireFormat() == WireFormat.PUBLIC_MESSAGE) {
            return new MlsMessage.OfPublicMessage(
                    PublicMessage.protect(suite, ac, s.pub().context(), s.epochSecrets().membershipKey()));
        }
        return new MlsMessage.OfPrivateMessage(PrivateMessage.protect(suite, ac, padding(ac),
                s.epochSecrets().senderDataSecret(), s.secretTree()));
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
        return commit(options, List.of(), Optional.empty(), config.pskLookup());
    }

    /**
     * {@link #commit(CommitOptions)} with {@code extra} proposals by value, a resumption PSK of usage
     * reinit or branch the Commit may carry, and the lookup of other groups' PSKs.
     */
    PendingCommit commit(CommitOptions options, List<Proposal> extra, Optional<PreSharedKeyId> reInitOrBranch,
            PskLookup lookup) {
        EpochState s = state;
        PendingCommit commit = CommitBuilder.commit(this, s, options, extra, reInitOrBranch, lookup);
        swap(s.withPending(commit));
        return commit;
    }

    /** Applies this member's pending Commit, once the Delivery Service accepted it. */
    public void mergePendingCommit() {
        EpochState s = state;
        PendingCommit pending = s.pending().orElseThrow(() -> new ValidationException(GroupRule.NO_PENDING_COMMIT));
        swap(s.entering(pending.staged, config));
    }

    /** Drops the pending Commit (the Delivery Service refused it, or another Commit won the epoch). */
    public void discardPendingCommit() {
        EpochState s = state;
        if (s.pending().isEmpty()) {
            throw new ValidationException(GroupRule.NO_PENDING_COMMIT);
        }
        swap(s.withoutPending());
    }

    /**
     * Applies a Commit staged by {@link #process}, once the Delivery Service accepted it. A pending
     * Commit of this member for the same epoch is discarded.
     *
     * @throws ValidationException with {@link GroupRule#STAGED_COMMIT_STALE} when the Commit was not
     *     staged by this group in its current state
     */
    public void merge(StagedCommit staged) {
        swap(state.entering(staged, config));
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
        EpochState s = state;
        s.requireActive();
        if (!s.pub().proposals().isEmpty()) {
            throw new ValidationException(GroupRule.PENDING_PROPOSALS, s.pub().proposals().size() + " proposals");
        }
        FramedContent content = new FramedContent(s.pub().groupId(), s.pub().epoch(), new Sender.Member(s.ownLeaf()),
                authenticatedData.clone(), new Content.ApplicationData(data.clone()));
        AuthenticatedContent ac = AuthenticatedContent.sign(suite, signatureKeys.privateKey(),
                WireFormat.PRIVATE_MESSAGE, content, s.pub().context());
        return new MlsMessage.OfPrivateMessage(PrivateMessage.protect(suite, ac, padding(ac),
                s.epochSecrets().senderDataSecret(), s.secretTree()));
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
        EpochState s = state;
        Optional<PendingCommit> pending = s.pending();
        if (pending.isPresent() && Arrays.equals(message.toBytes(), pending.get().encoded)) {
            return pending.get().staged;
        }
        Receiving.Outcome outcome = Receiving.process(this, s, message);
        if (outcome.next() != s) {
            swap(outcome.next());
        }
        return outcome.processed();
    }

    @Override
    public String toString() {
        EpochState s = state;
        return "Group[" + s.pub().context() + ", leaf " + s.ownLeaf() + ", " + s.status() + "]";
    }
}
