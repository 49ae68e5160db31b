package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeExport;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalPub;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.GroupSecrets;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalOrRef;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.schedule.EpochKeys;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.InitSecret;
import dev.ampoule.mls.schedule.JoinerSecret;
import dev.ampoule.mls.schedule.KeySchedule;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.PskSecret;
import dev.ampoule.mls.schedule.TranscriptHashes;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.CommitSecret;
import dev.ampoule.mls.treekem.CreatedPath;
import dev.ampoule.mls.treekem.TreeKem;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Creating Commits (RFC 9420 §12.4.1) — a member's, with its Welcome and GroupInfo, and an external
 * joiner's (§12.4.3.2) — and the key schedule step shared with processing (§12.4.2). Functions of an
 * {@link EpochState}: they compute the Commit and the state it would lead to, and change nothing
 * (creating a Commit in a PrivateMessage consumes a handshake ratchet key).
 */
final class CommitBuilder {

    private static final byte[] EMPTY = new byte[0];

    private CommitBuilder() {}

    // ---- a member's Commit ---------------------------------------------------------------------

    /**
     * A Commit of member {@code g} in state {@code s}, to become its pending Commit, with
     * {@code extra} proposals by value after those of the options; {@code reInitOrBranch} is a
     * resumption PSK of usage reinit or branch the Commit may carry (the first Commit of a resumed
     * group), and {@code lookup} finds PSKs of other groups.
     */
    static PendingCommit commit(Group g, EpochState s, CommitOptions options, List<Proposal> extra,
            Optional<PreSharedKeyId> reInitOrBranch, PskLookup lookup) {
        s.requireActive();
        if (s.pending().isPresent()) {
            throw new ValidationException(GroupRule.PENDING_COMMIT);
        }
        PublicState pub = s.pub();
        CipherSuite suite = g.suite();
        int own = s.ownLeaf();
        Sender self = new Sender.Member(own);

        List<Proposal> inline = new ArrayList<>(inlineProposals(s, options));
        inline.addAll(extra);
        List<CommittedProposal> list = new ArrayList<>();
        List<ProposalOrRef> covered = new ArrayList<>();
        if (options.includePendingProposals()) {
            for (VerifiedProposal vp : selectCached(s, inline)) {
                list.add(new CommittedProposal(vp.proposal(), vp.sender(), Optional.of(vp.ref())));
                covered.add(new ProposalOrRef.ByReference(vp.ref()));
            }
        }
        for (Proposal p : inline) {
            list.add(new CommittedProposal(p, self, Optional.empty()));
            covered.add(new ProposalOrRef.ByValue(p));
        }
        ProposalRules.checkList(list, OptionalInt.of(own));
        RatchetTree next = pub.tree().copy();
        AppliedProposals applied = ProposalRules.apply(pub, next, list, reInitOrBranch);
        boolean withPath = applied.pathRequired() || options.forcePath();

        CreatedPath created = null;
        CommitSecret commitSecret = null;
        PskSecret psk = null;
        EpochKeys keys = null;
        try {
            if (withPath) {
                created = TreeKem.createPath(suite, next, own, g.signatureKeys().privateKey(), pub.groupId(),
                        applied.addedLeafSet(), pub.provisionalContext(applied.extensions()));
                commitSecret = created.commitSecret();
            } else {
                commitSecret = CommitSecret.zero(suite.hashLength());
            }
            Commit commit = new Commit(covered, created == null ? Optional.empty() : Optional.of(created.updatePath()));
            FramedContent content = new FramedContent(pub.groupId(), pub.epoch(), self, options.authenticatedData(),
                    new Content.CommitContent(commit));
            WireFormat wireFormat = g.config().handshakeFormat();
            byte[] signature = AuthenticatedContent.signCommit(suite, g.signatureKeys().privateKey(), wireFormat,
                    content, pub.context());
            byte[] confirmed = TranscriptHashes.confirmed(suite, pub.interimTranscriptHash(),
                    AuthenticatedContent.confirmedTranscriptHashInput(wireFormat, content, signature));
            GroupContext newContext = pub.context().next(next.treeHash(), confirmed, applied.extensions());
            psk = s.pskSecret(applied.psks(), lookup);
            keys = KeySchedule.advance(suite, s.epochSecrets().initSecret(), commitSecret, psk, newContext);
            byte[] tag = keys.epochSecrets().confirmationTag(confirmed);
            AuthenticatedContent ac = AuthenticatedContent.ofCommit(wireFormat, content, signature, tag);
            byte[] interim = TranscriptHashes.interimFromTag(suite, confirmed, tag);
            StagedPublicCommit sp = new StagedPublicCommit(pub.stamp(), ac, newContext, next, interim, tag, applied,
                    own, withPath);

            Optional<MlsMessage> welcome = welcome(g, own, options, applied, next, newContext, tag, keys, created);
            Optional<GroupInfo> groupInfo = Optional.empty();
            if (options.groupInfoForExternalJoin()) {
                groupInfo = Optional.of(GroupInfo.create(suite, g.signatureKeys().privateKey(), newContext,
                        List.of(new ExternalPub(keys.epochSecrets().externalPub()).toExtension(), ratchetTree(next)),
                        tag, own));
            }
            MlsMessage message = g.protect(s, ac);
            TreeKemPrivate nextPrivate = created == null ? s.privateTree() : created.privateState();
            StagedCommit staged = new StagedCommit(sp, keys.releaseWelcomeSecrets(), nextPrivate, false, own);
            keys = null;
            return new PendingCommit(message, welcome, groupInfo, staged);
        } catch (RuntimeException e) {
            if (keys != null) {
                keys.close();
            }
            if (created != null) {
                created.privateState().destroy();
            }
            throw e;
        } finally {
            if (created != null) {
                created.close();
            }
            if (commitSecret != null) {
                commitSecret.destroy();
            }
            if (psk != null) {
                psk.destroy();
            }
        }
    }

    static Extension ratchetTree(RatchetTree tree) {
        return new Extension(ExtensionType.RATCHET_TREE, tree.toBytes());
    }

    /** The proposals the options carry by value, in the order adds, removes, PSKs, extensions. */
    private static List<Proposal> inlineProposals(EpochState s, CommitOptions options) {
        CipherSuite suite = s.pub().suite();
        List<Proposal> out = new ArrayList<>();
        for (KeyPackage kp : options.adds()) {
            out.add(new AddProposal(kp));
        }
        for (int leaf : options.removes()) {
            out.add(new RemoveProposal(Integer.toUnsignedLong(leaf)));
        }
        for (byte[] id : options.externalPsks()) {
            byte[] nonce = suite.randomBytes(suite.hashLength());
            out.add(new PreSharedKeyProposal(new PreSharedKeyId.External(id, nonce)));
        }
        for (long epoch : options.resumptionPsks()) {
            out.add(new PreSharedKeyProposal(s.resumptionPskId(epoch)));
        }
        options.groupContextExtensions().ifPresent(e -> out.add(new GroupContextExtensionsProposal(e)));
        return out;
    }

    /**
     * The cached proposals to cover, in arrival order, keeping a valid list (RFC 9420 §12.2, §12.4):
     * no Update of the committer and no Remove of it; per leaf a Remove rather than an Update and
     * the latest Update; one Add per client, none of a member who stays; one of each PSK; the latest
     * GroupContextExtensions; a ReInit only when nothing else is committed. Proposals by value win
     * over cached ones for the same leaf, client or extensions.
     */
    private static List<VerifiedProposal> selectCached(EpochState s, List<Proposal> inline) {
        int own = s.ownLeaf();
        RatchetTree tree = s.pub().tree();
        List<VerifiedProposal> cached = s.pub().proposals().proposals();
        Set<Long> removedLeaves = new HashSet<>();
        Set<SignaturePublicKey> addKeys = new HashSet<>();
        boolean inlineGce = false;
        for (Proposal p : inline) {
            switch (p) {
                case RemoveProposal r -> removedLeaves.add(r.removed());
                case AddProposal a -> addKeys.add(a.keyPackage().leafNode().signatureKey());
                case GroupContextExtensionsProposal x -> inlineGce = true;
                default -> { }
            }
        }
        Set<Long> inlineRemoves = Set.copyOf(removedLeaves);
        Map<Integer, VerifiedProposal> lastUpdate = new HashMap<>();
        VerifiedProposal lastGce = null;
        List<VerifiedProposal> reInits = new ArrayList<>();
        for (VerifiedProposal vp : cached) {
            switch (vp.proposal()) {
                case RemoveProposal r -> {
                    if (r.removed() != own) {
                        removedLeaves.add(r.removed());
                    }
                }
                case UpdateProposal u -> {
                    if (vp.sender() instanceof Sender.Member m && m.leafIndex() != own) {
                        lastUpdate.put(m.leafIndex(), vp);
                    }
                }
                case GroupContextExtensionsProposal x -> lastGce = vp;
                case ReInitProposal r -> reInits.add(vp);
                default -> { }
            }
        }
        List<VerifiedProposal> out = new ArrayList<>();
        Set<Long> removeSeen = new HashSet<>(inlineRemoves);
        Set<PreSharedKeyId> psks = new HashSet<>();
        for (VerifiedProposal vp : cached) {
            boolean keep = switch (vp.proposal()) {
                case UpdateProposal u -> vp.sender() instanceof Sender.Member m && m.leafIndex() != own
                        && !removedLeaves.contains((long) m.leafIndex()) && lastUpdate.get(m.leafIndex()) == vp;
                case RemoveProposal r -> r.removed() != own && removeSeen.add(r.removed());
                case AddProposal a -> {
                    SignaturePublicKey key = a.keyPackage().leafNode().signatureKey();
                    OptionalInt member = tree.leafWithSignatureKey(key);
                    yield addKeys.add(key) && (member.isEmpty() || removedLeaves.contains((long) member.getAsInt()));
                }
                case PreSharedKeyProposal p -> psks.add(p.psk());
                case GroupContextExtensionsProposal x -> !inlineGce && vp == lastGce;
                case ReInitProposal r -> false;
                case ExternalInitProposal e -> false;
            };
            if (keep) {
                out.add(vp);
            }
        }
        if (out.isEmpty() && inline.isEmpty() && !reInits.isEmpty()) {
            out.add(reInits.get(reInits.size() - 1));
        }
        return out;
    }

    /** The Welcome for the members a Commit adds (RFC 9420 §12.4.3.1), if it adds any. */
    private static Optional<MlsMessage> welcome(Group g, int own, CommitOptions options, AppliedProposals applied,
            RatchetTree next, GroupContext newContext, byte[] tag, EpochKeys keys, CreatedPath created) {
        if (applied.addedLeaves().isEmpty()) {
            return Optional.empty();
        }
        CipherSuite suite = g.suite();
        List<Extension> extensions = options.ratchetTreeInWelcome() ? List.of(ratchetTree(next)) : List.of();
        GroupInfo groupInfo = GroupInfo.create(suite, g.signatureKeys().privateKey(), newContext, extensions, tag,
                own);
        List<Welcome.NewMember> members = new ArrayList<>(applied.addedLeaves().size());
        try {
            for (int i = 0; i < applied.addedLeaves().size(); i++) {
                int leaf = applied.addedLeaves().get(i);
                Optional<dev.ampoule.mls.message.PathSecret> pathSecret = Optional.empty();
                if (created != null) {
                    pathSecret = created.pathSecretForJoiner(leaf).map(p -> {
                        dev.ampoule.mls.message.PathSecret ps = new dev.ampoule.mls.message.PathSecret(p.copy());
                        p.destroy();
                        return ps;
                    });
                }
                GroupSecrets secrets = new GroupSecrets(new JoinerSecret(keys.joinerSecret().copy()), pathSecret,
                        applied.psks());
                members.add(new Welcome.NewMember(applied.addedKeyPackages().get(i), secrets));
            }
            Welcome welcome = Welcome.create(suite, keys.welcomeSecret(), groupInfo, members);
            return Optional.of(new MlsMessage.OfWelcome(welcome));
        } finally {
            members.forEach(m -> m.groupSecrets().destroy());
        }
    }

    // ---- the next epoch's secrets (§8, §12.4.2) -------------------------------------------------

    /**
     * The key schedule step of a received Commit: the init secret (from the current epoch, or from
     * the ExternalInit's KEM output, §8.3), the commit secret, the PSKs; then the confirmation tag
     * is checked against the new epoch's confirmation key.
     */
    static EpochSecrets nextEpoch(Group g, EpochState s, StagedPublicCommit sp, AppliedProposals applied,
            Secret commitSecret) {
        CipherSuite suite = g.suite();
        InitSecret init;
        boolean ownInit = applied.externalInit().isPresent();
        if (ownInit) {
            Secret exported = suite.hpkeExportReceive(s.epochSecrets().externalKeyPair(),
                    applied.externalInit().get().kemOutput(), EMPTY, Group.EXTERNAL_INIT_LABEL, suite.hashLength());
            init = new InitSecret(exported.copy());
            exported.destroy();
        } else {
            init = s.epochSecrets().initSecret();
        }
        PskSecret psk = null;
        try {
            psk = s.pskSecret(applied.psks(), g.config().pskLookup());
            EpochKeys keys = KeySchedule.advance(suite, init, commitSecret, psk, sp.context);
            try {
                keys.epochSecrets().verifyConfirmationTag(sp.context.confirmedTranscriptHash(), sp.confirmationTag);
            } catch (RuntimeException e) {
                keys.close();
                throw e;
            }
            return keys.releaseWelcomeSecrets();
        } finally {
            if (ownInit) {
                init.destroy();
            }
            if (psk != null) {
                psk.destroy();
            }
        }
    }

    // ---- an external joiner's Commit (§12.4.3.2) ------------------------------------------------

    static ExternalJoin joinExternal(GroupConfig config, GroupInfo groupInfo, Optional<RatchetTree> ratchetTree,
            Credential credential, SignatureKeyPair signatureKeys, ExternalJoinOptions options) {
        PublicState pub = PublicState.fromGroupInfo(config, groupInfo, ratchetTree);
        CipherSuite suite = pub.suite();
        Extension ext = groupInfo.extension(ExtensionType.EXTERNAL_PUB)
                .orElseThrow(() -> new ValidationException(GroupRule.EXTERNAL_PUB_MISSING));
        ExternalPub externalPub;
        try {
            externalPub = ext.parse(ExternalPub::decode);
        } catch (DecodeException e) {
            throw new ValidationException(GroupRule.EXTERNAL_PUB_MISSING, "malformed");
        }
        HpkeExport export = suite.hpkeExportSend(externalPub.externalPub(), EMPTY, Group.EXTERNAL_INIT_LABEL,
                suite.hashLength());
        Sender self = new Sender.NewMemberCommit();
        List<Proposal> proposals = new ArrayList<>();
        proposals.add(new ExternalInitProposal(export.kemOutput()));
        options.resyncLeaf().ifPresent(l -> proposals.add(new RemoveProposal(Integer.toUnsignedLong(l))));
        for (byte[] id : options.externalPsks()) {
            byte[] nonce = suite.randomBytes(suite.hashLength());
            proposals.add(new PreSharedKeyProposal(new PreSharedKeyId.External(id, nonce)));
        }
        List<CommittedProposal> list = new ArrayList<>();
        List<ProposalOrRef> covered = new ArrayList<>();
        for (Proposal p : proposals) {
            list.add(new CommittedProposal(p, self, Optional.empty()));
            covered.add(new ProposalOrRef.ByValue(p));
        }
        CreatedPath created = null;
        PskSecret psk = null;
        EpochKeys keys = null;
        InitSecret init = new InitSecret(export.exported().copy());
        export.exported().destroy();
        try {
            ProposalRules.checkList(list, OptionalInt.empty());
            RatchetTree next = pub.tree().copy();
            AppliedProposals applied = ProposalRules.apply(pub, next, list);
            int leafIndex = next.leftmostBlankLeafExtending();
            LeafNode template = new LeafNode(suite.generateHpkeKeyPair().publicKey(), signatureKeys.publicKey(),
                    credential, Group.ownCapabilities(config, credential, List.of(), options.leafExtensions()),
                    new LeafNodeSource.Commit(EMPTY), options.leafExtensions(), EMPTY);
            LeafValidation.validateCommitLeaf(config, suite, template, applied.resyncedLeaf(), applied.extensions(),
                    pub.summary());
            created = TreeKem.createPath(suite, next, leafIndex, template, signatureKeys.privateKey(), pub.groupId(),
                    Set.of(), pub.provisionalContext(applied.extensions()));
            Commit commit = new Commit(covered, Optional.of(created.updatePath()));
            FramedContent content = new FramedContent(pub.groupId(), pub.epoch(), self, options.authenticatedData(),
                    new Content.CommitContent(commit));
            byte[] signature = AuthenticatedContent.signCommit(suite, signatureKeys.privateKey(),
                    WireFormat.PUBLIC_MESSAGE, content, pub.context());
            byte[] confirmed = TranscriptHashes.confirmed(suite, pub.interimTranscriptHash(),
                    AuthenticatedContent.confirmedTranscriptHashInput(WireFormat.PUBLIC_MESSAGE, content, signature));
            GroupContext newContext = pub.context().next(next.treeHash(), confirmed, applied.extensions());
            psk = externalPsks(config, suite, applied.psks());
            keys = KeySchedule.advance(suite, init, created.commitSecret(), psk, newContext);
            byte[] tag = keys.epochSecrets().confirmationTag(confirmed);
            AuthenticatedContent ac = AuthenticatedContent.ofCommit(WireFormat.PUBLIC_MESSAGE, content, signature, tag);
            MlsMessage message = new MlsMessage.OfPublicMessage(PublicMessage.protectAsNonMember(ac));
            byte[] interim = TranscriptHashes.interimFromTag(suite, confirmed, tag);
            StagedPublicCommit sp = new StagedPublicCommit(pub.stamp(), ac, newContext, next, interim, tag, applied,
                    leafIndex, true);
            StagedCommit staged = new StagedCommit(sp, keys.releaseWelcomeSecrets(), created.privateState(), false,
                    leafIndex);
            keys = null;
            PendingCommit pending = new PendingCommit(message, Optional.empty(), Optional.empty(), staged);
            Group group = new Group(config, signatureKeys, EpochState.joiningExternally(pub, leafIndex, pending));
            return new ExternalJoin(group, message);
        } catch (RuntimeException e) {
            if (keys != null) {
                keys.close();
            }
            if (created != null) {
                created.privateState().destroy();
            }
            throw e;
        } finally {
            init.destroy();
            if (created != null) {
                created.close();
                created.commitSecret().destroy();
            }
            if (psk != null) {
                psk.destroy();
            }
        }
    }

    /** The psk_secret of an external joiner, which has only external PSKs. */
    private static PskSecret externalPsks(GroupConfig config, CipherSuite suite, List<PreSharedKeyId> ids) {
        List<dev.ampoule.mls.schedule.PskInput> inputs = new ArrayList<>(ids.size());
        for (PreSharedKeyId id : ids) {
            if (!(id instanceof PreSharedKeyId.External e)) {
                throw new ValidationException(GroupRule.PSK_UNAVAILABLE);
            }
            Secret psk = config.pskLookup().externalPsk(e.pskId())
                    .orElseThrow(() -> new ValidationException(GroupRule.PSK_UNAVAILABLE, id.toString()));
            inputs.add(new dev.ampoule.mls.schedule.PskInput(id, psk));
        }
        return dev.ampoule.mls.schedule.PreSharedKeys.pskSecret(suite, inputs);
    }
}
