package dev.ampoule.mls.group;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.EpochArchive.PastEpoch;
import dev.ampoule.mls.group.LeafValidation.CredentialSummary;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.ResumptionPsk;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.TreeKem;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The saved form of a member's group, for {@link Group#toBytes()} and {@link Group#restore}. A
 * hand-written TLS-style encoding behind a magic string and a version byte:
 * <pre>
 * opaque magic[8] = "AMPOULEG";              // "AMPOULEP" for a PublicGroup, which stops after the proposals
 * uint8 version = 1;
 * uint16 cipher_suite;
 * uint8 status;                       // 1 active, 2 external join pending, 3 reinit pending, 4 removed
 * uint32 own_leaf;
 * opaque signature_private_key&lt;V&gt;;  SignaturePublicKey signature_key;
 * GroupContext context;  optional&lt;Node&gt; ratchet_tree&lt;V&gt;;
 * opaque interim_transcript_hash&lt;V&gt;;  opaque confirmation_tag&lt;V&gt;;
 * AuthenticatedContent proposals&lt;V&gt;;                 // the epoch's proposal cache
 * optional&lt;PrivateTree&gt; private_tree;               // leaf key, node keys
 * optional&lt;EpochKeys&gt; epoch_keys;                   // EpochSecrets and SecretTree state
 * PastEpoch past_epochs&lt;V&gt;;                          // context, tree, sender data secret, secret tree
 * ResumptionPsk resumption_psks&lt;V&gt;;                  // uint64 epoch, opaque psk&lt;V&gt;
 * KeyPair pending_update_keys&lt;V&gt;;
 * optional&lt;Proposal&gt; reinit;
 * optional&lt;PendingCommit&gt; pending_commit;           // messages, new epoch's secrets, private tree
 * </pre>
 * It holds every secret of the group — the whole {@link EpochState} and the signature key pair:
 * the application must encrypt it at rest. A pending Commit is re-staged from its
 * AuthenticatedContent on restore (its public effects are recomputed, its secrets are restored).
 */
final class GroupCodec {

    private static final byte[] MAGIC = "AMPOULEG".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PUBLIC_MAGIC = "AMPOULEP".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    private GroupCodec() {}

    // ---- saving ----------------------------------------------------------------------------------

    static byte[] save(CipherSuite suite, SignatureKeyPair signatureKeys, EpochState s) {
        TlsWriter w = new TlsWriter(4096);
        try {
            w.raw(MAGIC).u8(VERSION).u16(suite.id().wire()).u8(s.status().ordinal() + 1).u32(s.ownLeaf());
            w.opaque(signatureKeys.privateKey().reveal()).write(signatureKeys.publicKey());
            writePublic(w, s.pub());
            int mark;
            writeOptionalPrivate(w, s.privateTree());
            w.bool(s.epochSecrets() != null);
            if (s.epochSecrets() != null) {
                s.epochSecrets().encodeState(w);
                s.secretTree().encodeState(w);
            }
            mark = w.beginVector();
            for (PastEpoch p : s.archive().entries()) {
                w.write(p.context()).write(p.tree()).opaque(p.senderDataSecret().reveal());
                p.secretTree().encodeState(w);
            }
            w.endVector(mark);
            mark = w.beginVector();
            for (Map.Entry<Long, ResumptionPsk> e : s.resumptionPsks().byEpoch().entrySet()) {
                w.u64(e.getKey()).opaque(e.getValue().reveal());
            }
            w.endVector(mark);
            mark = w.beginVector();
            for (HpkeKeyPair k : s.updateKeys().values()) {
                writeKeyPair(w, k);
            }
            w.endVector(mark);
            w.optional(s.reInit());
            w.bool(s.pending().isPresent());
            if (s.pending().isPresent()) {
                writePending(w, s.pending().get(), s.privateTree());
            }
            return w.toByteArray();
        } finally {
            w.wipe();
        }
    }

    /**
     * A Delivery Service's {@link PublicGroup}: {@code "AMPOULEP"}, version 1, then the public part of
     * the member format (context, tree, interim transcript hash, confirmation tag, proposals).
     */
    static byte[] savePublic(PublicState pub) {
        TlsWriter w = new TlsWriter(4096);
        w.raw(PUBLIC_MAGIC).u8(VERSION);
        writePublic(w, pub);
        return w.toByteArray();
    }

    static PublicState restorePublic(byte[] saved, GroupConfig config) {
        try {
            return restorePublicUnchecked(saved, config);
        } catch (ValidationException e) {
            throw new DecodeException("saved group state is inconsistent: " + e.rule().name());
        }
    }

    private static PublicState restorePublicUnchecked(byte[] saved, GroupConfig config) {
        return TlsReader.decodeExactly(saved, r -> {
            if (!Arrays.equals(r.raw(PUBLIC_MAGIC.length), PUBLIC_MAGIC)) {
                throw new DecodeException("not a saved public group");
            }
            int version = r.u8();
            if (version != VERSION) {
                throw new DecodeException("unsupported saved group version " + version);
            }
            return readPublic(r, config);
        });
    }

    private static void writePublic(TlsWriter w, PublicState pub) {
        w.write(pub.context()).write(pub.tree());
        w.opaque(pub.interimTranscriptHash()).opaque(pub.confirmationTag());
        int mark = w.beginVector();
        for (ProposalCache.Entry e : pub.proposals().entries()) {
            w.write(e.content());
        }
        w.endVector(mark);
    }

    private static PublicState readPublic(TlsReader r, GroupConfig config) {
        GroupContext context = GroupContext.decode(r);
        CipherSuite suite = BcCipherSuites.byWire(context.cipherSuite())
                .orElseThrow(() -> new DecodeException("unsupported cipher suite " + context.cipherSuite()));
        RatchetTree tree = RatchetTree.decode(suite, r);
        if (!Arrays.equals(tree.treeHash(), context.treeHash())) {
            throw new DecodeException("saved ratchet tree does not match its GroupContext");
        }
        byte[] interim = r.opaque();
        byte[] tag = r.opaque();
        PublicState pub = PublicState.of(config, suite, context, tree, interim, tag, CredentialSummary.of(tree));
        TlsReader proposals = r.vectorBody();
        while (proposals.hasRemaining()) {
            AuthenticatedContent ac = AuthenticatedContent.decode(proposals);
            if (!(ac.content().content() instanceof Content.ProposalContent pc)) {
                throw new DecodeException("a cached proposal that is not a proposal");
            }
            pub = pub.withProposal(new VerifiedProposal(ac.proposalRef(suite), pc.proposal(), ac.sender(),
                    context.epoch()), ac);
        }
        return pub;
    }

    private static void writeKeyPair(TlsWriter w, HpkeKeyPair k) {
        w.opaque(k.privateKey().reveal()).write(k.publicKey());
    }

    private static void writeOptionalPrivate(TlsWriter w, TreeKemPrivate p) {
        w.bool(p != null);
        if (p == null) {
            return;
        }
        w.u32(p.leafIndex());
        writeKeyPair(w, p.leafKey());
        int mark = w.beginVector();
        for (int node : p.nodes()) {
            w.u32(node);
            writeKeyPair(w, p.nodeKey(node).orElseThrow());
        }
        w.endVector(mark);
    }

    private static void writePending(TlsWriter w, PendingCommit p, TreeKemPrivate current) {
        StagedCommit s = p.staged;
        w.write(p.commit()).optional(p.welcome()).optional(p.groupInfo());
        w.write(s.publicCommit.content);
        s.epochSecrets.encodeState(w);
        writeOptionalPrivate(w, s.privateTree == current ? null : s.privateTree);
    }

    // ---- restoring ----------------------------------------------------------------------------

    static Group restore(byte[] saved, GroupConfig config) {
        try {
            return TlsReader.decodeExactly(saved, r -> read(r, config));
        } catch (ValidationException e) {
            throw new DecodeException("saved group state is inconsistent: " + e.rule().name());
        }
    }

    private static Group read(TlsReader r, GroupConfig config) {
        if (!Arrays.equals(r.raw(MAGIC.length), MAGIC)) {
            throw new DecodeException("not a saved group");
        }
        int version = r.u8();
        if (version != VERSION) {
            throw new DecodeException("unsupported saved group version " + version);
        }
        int wire = r.u16();
        CipherSuite suite = BcCipherSuites.byWire(wire)
                .orElseThrow(() -> new DecodeException("unsupported cipher suite " + wire));
        int statusCode = r.u8();
        if (statusCode < 1 || statusCode > Group.Status.values().length) {
            throw new DecodeException("invalid status");
        }
        Group.Status status = Group.Status.values()[statusCode - 1];
        int ownLeaf = r.u32AsInt();
        SignatureKeyPair signatureKeys = new SignatureKeyPair(new SignaturePrivateKey(r.opaque()),
                SignaturePublicKey.decode(r));
        PublicState pub = readPublic(r, config);
        if (pub.context().cipherSuite() != wire) {
            throw new DecodeException("cipher suite mismatch");
        }
        TreeKemPrivate privateTree = readOptionalPrivate(r, suite);
        EpochSecrets epochSecrets = null;
        SecretTree secretTree = null;
        if (r.bool()) {
            epochSecrets = EpochSecrets.decodeState(suite, r);
            secretTree = SecretTree.decodeState(suite, config.ratchetWindow(), r);
        }
        List<PastEpoch> past = new ArrayList<>();
        TlsReader pastEpochs = r.vectorBody();
        while (pastEpochs.hasRemaining()) {
            GroupContext pastContext = GroupContext.decode(pastEpochs);
            RatchetTree pastTree = RatchetTree.decode(suite, pastEpochs);
            SenderDataSecret senderData = new SenderDataSecret(secret(pastEpochs, suite.hashLength()));
            SecretTree pastSecrets = SecretTree.decodeState(suite, config.ratchetWindow(), pastEpochs);
            past.add(new PastEpoch(pastContext, pastTree, senderData, pastSecrets));
        }
        while (past.size() > config.pastEpochs()) {
            past.remove(0).destroy();
        }
        Map<Long, ResumptionPsk> psks = new LinkedHashMap<>();
        TlsReader pskVector = r.vectorBody();
        while (pskVector.hasRemaining()) {
            psks.put(pskVector.u64(), new ResumptionPsk(secret(pskVector, suite.hashLength())));
        }
        Map<HpkePublicKey, HpkeKeyPair> updateKeys = new LinkedHashMap<>();
        TlsReader updates = r.vectorBody();
        while (updates.hasRemaining()) {
            HpkeKeyPair k = readKeyPair(updates);
            updateKeys.put(k.publicKey(), k);
        }
        Optional<ReInitProposal> reInit = Optional.empty();
        Optional<Proposal> reInitProposal = r.optional(Proposal::decode);
        if (reInitProposal.isPresent()) {
            if (!(reInitProposal.get() instanceof ReInitProposal ri)) {
                throw new DecodeException("reinit is not a ReInit proposal");
            }
            reInit = Optional.of(ri);
        }
        Optional<PendingCommit> pending = r.bool() ? Optional.of(readPending(r, suite, pub, privateTree))
                : Optional.empty();
        if (privateTree != null && status == Group.Status.ACTIVE) {
            privateTree.verifyAgainst(suite, pub.tree());
        }
        return new Group(config, signatureKeys, new EpochState(pub, status, ownLeaf, privateTree, epochSecrets,
                secretTree, reInit, updateKeys, pending, new EpochArchive(past), new ResumptionPsks(psks)));
    }

    private static byte[] secret(TlsReader r, int length) {
        byte[] s = r.opaque();
        if (s.length != length) {
            throw new DecodeException("secret of unexpected length");
        }
        return s;
    }

    private static HpkeKeyPair readKeyPair(TlsReader r) {
        return new HpkeKeyPair(new HpkePrivateKey(r.opaque()), HpkePublicKey.decode(r));
    }

    private static TreeKemPrivate readOptionalPrivate(TlsReader r, CipherSuite suite) {
        if (!r.bool()) {
            return null;
        }
        int leaf = r.u32AsInt();
        HpkeKeyPair leafKey = readKeyPair(r);
        Map<Integer, HpkeKeyPair> nodes = new HashMap<>();
        TlsReader body = r.vectorBody();
        while (body.hasRemaining()) {
            nodes.put(body.u32AsInt(), readKeyPair(body));
        }
        return TreeKemPrivate.of(leaf, leafKey, nodes);
    }

    private static PendingCommit readPending(TlsReader r, CipherSuite suite, PublicState pub,
            TreeKemPrivate current) {
        MlsMessage message = MlsMessage.decode(r);
        Optional<MlsMessage> welcome = r.optional(MlsMessage::decode);
        Optional<GroupInfo> groupInfo = r.optional(GroupInfo::decode);
        AuthenticatedContent ac = AuthenticatedContent.decode(r);
        if (ac.contentType() != ContentType.COMMIT) {
            throw new DecodeException("the pending commit is not a commit");
        }
        EpochSecrets secrets = EpochSecrets.decodeState(suite, r);
        TreeKemPrivate privateTree = readOptionalPrivate(r, suite);
        byte[] groupId = pub.groupId();
        StagedPublicCommit sp = pub.stage(ac, (next, leaf, path, applied, provisional) ->
                next.apply(TreeKem.verifyPath(suite, next, leaf, path, groupId, applied.addedLeafSet())));
        StagedCommit staged = new StagedCommit(sp, secrets, privateTree == null ? current : privateTree, false,
                sp.committerLeaf);
        return new PendingCommit(message, welcome, groupInfo, staged);
    }
}
