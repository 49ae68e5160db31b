package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.SUITE;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.GroupSecrets;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalOrRef;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.JoinerSecret;
import dev.ampoule.mls.schedule.KeySchedule;
import dev.ampoule.mls.schedule.MembershipKey;
import dev.ampoule.mls.schedule.PreSharedKeys;
import dev.ampoule.mls.schedule.WelcomeSecret;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.treekem.UpdatePath;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Crafting bad inputs with the real keys: a modified struct is signed again (and membership-tagged
 * again for a member sender) so that the check under test, not the signature, refuses it.
 */
final class Forge {

    private Forge() {}

    static SignaturePrivateKey key(Group g) {
        return g.signatureKeys().privateKey();
    }

    /** A member's current leaf. */
    static LeafNode leaf(Group g) {
        return g.state().pub().tree().leaf(g.ownLeafIndex()).orElseThrow();
    }

    static HpkePublicKey freshHpkeKey() {
        return SUITE.generateHpkeKeyPair().publicKey();
    }

    // ---- framing ------------------------------------------------------------------------------

    /** FramedContent for {@code view}'s group and epoch. */
    static FramedContent content(Group view, Sender sender, Content content) {
        return new FramedContent(view.groupId(), view.epoch(), sender, new byte[0], content);
    }

    /**
     * {@code content} signed with {@code key} under {@code context} as a PublicMessage: a commit
     * gets {@code confirmationTag}; a member sender gets a membership tag with {@code membershipKey}.
     */
    static MlsMessage publicMessage(GroupContext context, Optional<MembershipKey> membershipKey, FramedContent content,
            SignaturePrivateKey key, byte[] confirmationTag) {
        AuthenticatedContent ac;
        if (content.content() instanceof Content.CommitContent) {
            byte[] signature = AuthenticatedContent.signCommit(SUITE, key, WireFormat.PUBLIC_MESSAGE, content, context);
            ac = AuthenticatedContent.ofCommit(WireFormat.PUBLIC_MESSAGE, content, signature, confirmationTag);
        } else {
            ac = AuthenticatedContent.sign(SUITE, key, WireFormat.PUBLIC_MESSAGE, content, context);
        }
        PublicMessage pm = content.sender() instanceof Sender.Member
                ? PublicMessage.protect(SUITE, ac, context, membershipKey.orElseThrow())
                : PublicMessage.protectAsNonMember(ac);
        return new MlsMessage.OfPublicMessage(pm);
    }

    /** {@code content} signed with {@code key}, tagged with {@code view}'s membership key. */
    static MlsMessage signed(Group view, FramedContent content, SignaturePrivateKey key) {
        return publicMessage(view.groupContext(), Optional.of(view.state().epochSecrets().membershipKey()), content,
                key,
                new byte[SUITE.hashLength()]);
    }

    /** A proposal of {@code sender}, signed and tagged with its keys (no validation on its side). */
    static MlsMessage proposal(Group sender, Proposal proposal) {
        return signed(sender, content(sender, new Sender.Member(sender.ownLeafIndex()),
                new Content.ProposalContent(proposal)), key(sender));
    }

    /** A proposal from a non-member sender, signed with {@code key}. */
    static MlsMessage nonMember(Group view, Sender sender, SignaturePrivateKey key, Content content) {
        return publicMessage(view.groupContext(), Optional.empty(), content(view, sender, content), key,
                new byte[SUITE.hashLength()]);
    }

    /**
     * A commit of {@code sender} covering {@code proposals}, signed and tagged with its keys; the
     * confirmation tag is zeros (it is checked last, after every rule under test).
     */
    static MlsMessage commit(Group sender, List<ProposalOrRef> proposals, Optional<UpdatePath> path) {
        return signed(sender, content(sender, new Sender.Member(sender.ownLeafIndex()),
                new Content.CommitContent(new Commit(proposals, path))), key(sender));
    }

    static List<ProposalOrRef> byValue(Proposal... proposals) {
        List<ProposalOrRef> out = new ArrayList<>();
        for (Proposal p : proposals) {
            out.add(new ProposalOrRef.ByValue(p));
        }
        return out;
    }

    /** The reference of a proposal message. */
    static ProposalOrRef ref(MlsMessage proposal) {
        ProposalRef ref = publicMessage(proposal).authenticatedContent().proposalRef(SUITE);
        return new ProposalOrRef.ByReference(ref);
    }

    static PublicMessage publicMessage(MlsMessage m) {
        return ((MlsMessage.OfPublicMessage) m).message();
    }

    static Commit commitOf(MlsMessage m) {
        return ((Content.CommitContent) publicMessage(m).content().content()).commit();
    }

    /** A genuine commit of {@code sender}, which is then discarded at the sender. */
    static MlsMessage genuineCommit(Group sender, CommitOptions options) {
        PendingCommit pending = sender.commit(options);
        sender.discardPendingCommit();
        return pending.commit();
    }

    /** A genuine commit of {@code sender} with an UpdatePath and nothing else. */
    static MlsMessage genuinePathCommit(Group sender) {
        return genuineCommit(sender, CommitOptions.builder().includePendingProposals(false).forcePath(true).build());
    }

    /**
     * {@code genuine} (a member's commit) with its Commit edited, signed and tagged again by
     * {@code sender}; the confirmation tag is kept (now wrong, but checked after every other rule).
     */
    static MlsMessage recommit(Group sender, MlsMessage genuine, UnaryOperator<Commit> edit) {
        PublicMessage pm = publicMessage(genuine);
        FramedContent fc = pm.content();
        FramedContent edited = new FramedContent(fc.groupId(), fc.epoch(), fc.sender(), fc.authenticatedData(),
                new Content.CommitContent(edit.apply(commitOf(genuine))));
        return publicMessage(sender.groupContext(), Optional.of(sender.state().epochSecrets().membershipKey()), edited,
                key(sender), pm.auth().confirmationTag().orElseThrow());
    }

    /** {@code genuine} (a member's commit) with another confirmation tag, signed and tagged again by {@code sender}. */
    static MlsMessage withConfirmationTag(Group sender, MlsMessage genuine, byte[] confirmationTag) {
        return publicMessage(sender.groupContext(), Optional.of(sender.state().epochSecrets().membershipKey()),
                publicMessage(genuine).content(), key(sender), confirmationTag);
    }

    /** An external commit with its Commit edited, signed again by the joiner under {@code context}. */
    static MlsMessage reexternal(GroupContext context, SignaturePrivateKey joinerKey, MlsMessage genuine,
            UnaryOperator<Commit> edit) {
        PublicMessage pm = publicMessage(genuine);
        FramedContent fc = pm.content();
        FramedContent edited = new FramedContent(fc.groupId(), fc.epoch(), fc.sender(), fc.authenticatedData(),
                new Content.CommitContent(edit.apply(commitOf(genuine))));
        return publicMessage(context, Optional.empty(), edited, joinerKey, pm.auth().confirmationTag().orElseThrow());
    }

    /** {@code commit} with its path edited. */
    static Commit editPath(Commit commit, UnaryOperator<UpdatePath> edit) {
        return new Commit(commit.proposals(), Optional.of(edit.apply(commit.path().orElseThrow())));
    }

    /** {@code path} with its leaf edited and signed again with {@code key} for {@code groupId} and {@code leafIndex}. */
    static UpdatePath editPathLeaf(UpdatePath path, UnaryOperator<LeafParts> edit, SignaturePrivateKey key,
            byte[] groupId, int leafIndex) {
        return new UpdatePath(edit.apply(LeafParts.of(path.leafNode())).sign(key, groupId, leafIndex), path.nodes());
    }

    /** {@code path} with node {@code index} replaced. */
    static UpdatePath withNode(UpdatePath path, int index, UpdatePath.UpdatePathNode node) {
        List<UpdatePath.UpdatePathNode> nodes = new ArrayList<>(path.nodes());
        nodes.set(index, node);
        return new UpdatePath(path.leafNode(), nodes);
    }

    /** {@code commit} with {@code more} proposals by value appended. */
    static Commit plus(Commit commit, Proposal... more) {
        List<ProposalOrRef> all = new ArrayList<>(commit.proposals());
        all.addAll(byValue(more));
        return new Commit(all, commit.path());
    }

    // ---- leaves and KeyPackages ------------------------------------------------------------------

    /** The signed fields of a leaf node, to build variants of a genuine leaf. */
    record LeafParts(HpkePublicKey encryptionKey, SignaturePublicKey signatureKey, Credential credential,
            Capabilities capabilities, LeafNodeSource source, List<Extension> extensions) {

        static LeafParts of(LeafNode leaf) {
            return new LeafParts(leaf.encryptionKey(), leaf.signatureKey(), leaf.credential(), leaf.capabilities(),
                    leaf.source(), leaf.extensions());
        }

        LeafParts encryptionKey(HpkePublicKey key) {
            return new LeafParts(key, signatureKey, credential, capabilities, source, extensions);
        }

        LeafParts signatureKey(SignaturePublicKey key) {
            return new LeafParts(encryptionKey, key, credential, capabilities, source, extensions);
        }

        LeafParts credential(Credential c) {
            return new LeafParts(encryptionKey, signatureKey, c, capabilities, source, extensions);
        }

        LeafParts capabilities(Capabilities c) {
            return new LeafParts(encryptionKey, signatureKey, credential, c, source, extensions);
        }

        LeafParts source(LeafNodeSource s) {
            return new LeafParts(encryptionKey, signatureKey, credential, capabilities, s, extensions);
        }

        LeafParts extensions(List<Extension> e) {
            return new LeafParts(encryptionKey, signatureKey, credential, capabilities, source, e);
        }

        /** Signed for {@code groupId} and {@code leafIndex} (ignored for the key_package source). */
        LeafNode sign(SignaturePrivateKey key, byte[] groupId, int leafIndex) {
            return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, extensions, new byte[0])
                    .signed(SUITE, key, groupId, leafIndex);
        }
    }

    /** An Update leaf of {@code member}: its leaf with a fresh key and source update, edited, then signed by it. */
    static LeafNode updateLeaf(Group member, UnaryOperator<LeafParts> edit) {
        LeafParts parts = LeafParts.of(leaf(member)).encryptionKey(freshHpkeKey()).source(new LeafNodeSource.Update());
        return edit.apply(parts).sign(key(member), member.groupId(), member.ownLeafIndex());
    }

    /** The signed fields of a KeyPackage. */
    record KeyPackageParts(int version, int cipherSuite, HpkePublicKey initKey, LeafNode leaf,
            List<Extension> extensions) {

        static KeyPackageParts of(KeyPackage kp) {
            return new KeyPackageParts(kp.version(), kp.cipherSuite(), kp.initKey(), kp.leafNode(), kp.extensions());
        }

        KeyPackageParts version(int v) {
            return new KeyPackageParts(v, cipherSuite, initKey, leaf, extensions);
        }

        KeyPackageParts initKey(HpkePublicKey k) {
            return new KeyPackageParts(version, cipherSuite, k, leaf, extensions);
        }

        KeyPackageParts leaf(LeafNode l) {
            return new KeyPackageParts(version, cipherSuite, initKey, l, extensions);
        }

        KeyPackageParts extensions(List<Extension> e) {
            return new KeyPackageParts(version, cipherSuite, initKey, leaf, e);
        }

        KeyPackage sign(SignaturePrivateKey key) {
            KeyPackage unsigned = new KeyPackage(version, cipherSuite, initKey, leaf, extensions, new byte[0]);
            return new KeyPackage(version, cipherSuite, initKey, leaf, extensions,
                    SUITE.signWithLabel(key, KeyPackage.SIGN_LABEL, unsigned.toBeSigned()));
        }
    }

    /**
     * A KeyPackage of a fresh client {@code name} whose leaf is edited (and signed again), then the
     * KeyPackage edited and signed again, all with the client's real key.
     */
    static KeyPackage keyPackage(String name, UnaryOperator<LeafParts> leafEdit,
            UnaryOperator<KeyPackageParts> edit) {
        KeyPackageBundle b = TestClients.keyPackage(name);
        SignaturePrivateKey key = b.signatureKeyPair().privateKey();
        // The group id and leaf index are signed only for the update and commit sources.
        LeafNode leaf = leafEdit.apply(LeafParts.of(b.keyPackage().leafNode())).sign(key, new byte[0], 0);
        return edit.apply(KeyPackageParts.of(b.keyPackage()).leaf(leaf)).sign(key);
    }

    static KeyPackage keyPackageWithLeaf(String name, UnaryOperator<LeafParts> leafEdit) {
        return keyPackage(name, leafEdit, p -> p);
    }

    // ---- Welcome and GroupInfo ------------------------------------------------------------------

    static GroupSecrets openSecrets(Welcome welcome, KeyPackageBundle joiner) {
        return welcome.decryptGroupSecrets(SUITE, joiner.keyPackage(), joiner.initKeyPair());
    }

    /** The GroupInfo of a Welcome without PSKs, opened as the joiner would. */
    static GroupInfo openGroupInfo(Welcome welcome, KeyPackageBundle joiner) {
        GroupSecrets secrets = openSecrets(welcome, joiner);
        try (WelcomeSecret ws = KeySchedule.welcomeSecret(SUITE, secrets.joinerSecret(), PreSharedKeys.none(SUITE))) {
            return welcome.decryptGroupInfo(SUITE, ws);
        } finally {
            secrets.destroy();
        }
    }

    /**
     * A Welcome for {@code joiner} whose GroupInfo is sealed with the welcome secret of
     * {@code sealWith} (no PSKs) and whose entry carries {@code entry}.
     */
    static Welcome seal(GroupInfo info, KeyPackageBundle joiner, JoinerSecret sealWith, GroupSecrets entry) {
        try (WelcomeSecret ws = KeySchedule.welcomeSecret(SUITE, sealWith, PreSharedKeys.none(SUITE))) {
            List<Welcome.NewMember> members = List.of(new Welcome.NewMember(joiner.keyPackage(), entry));
            try {
                return Welcome.create(SUITE, ws, info, members);
            } catch (InternalException reuse) {
                // Re-sealing a GroupInfo under the genuine Welcome's key and nonce is a deliberate nonce
                // reuse here; the JDK refuses it once per cipher object, and the next one accepts it.
                return Welcome.create(SUITE, ws, info, members);
            }
        }
    }

    /**
     * {@code genuine} (a Welcome without PSKs for {@code joiner}) rebuilt with its GroupInfo and
     * GroupSecrets edited; the GroupInfo stays sealed under the genuine joiner secret.
     */
    static Welcome rewelcome(Welcome genuine, KeyPackageBundle joiner, UnaryOperator<GroupInfo> info,
            UnaryOperator<GroupSecrets> secrets) {
        GroupInfo groupInfo = openGroupInfo(genuine, joiner);
        GroupSecrets original = openSecrets(genuine, joiner);
        try {
            return seal(info.apply(groupInfo), joiner, original.joinerSecret(), secrets.apply(original));
        } finally {
            original.destroy();
        }
    }

    /** {@code info} with its fields replaced, signed again with {@code key}. */
    static GroupInfo resign(GroupInfo info, SignaturePrivateKey key) {
        return GroupInfo.create(SUITE, key, info.groupContext(), info.extensions(), info.confirmationTag(),
                info.signer());
    }

    static GroupInfo withContext(GroupInfo info, GroupContext context) {
        return new GroupInfo(context, info.extensions(), info.confirmationTag(), info.signer(), info.signature());
    }

    static GroupInfo withExtensions(GroupInfo info, List<Extension> extensions) {
        return new GroupInfo(info.groupContext(), extensions, info.confirmationTag(), info.signer(), info.signature());
    }

    // ---- bytes ----------------------------------------------------------------------------------

    static byte[] flip(byte[] bytes, int index) {
        byte[] out = bytes.clone();
        out[index] ^= 0x01;
        return out;
    }

    static byte[] flipLast(byte[] bytes) {
        return flip(bytes, bytes.length - 1);
    }

    /** The index of the first occurrence of {@code needle} in {@code haystack}. */
    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    /** {@code haystack} with the first occurrence of {@code needle} replaced by {@code with} (same length). */
    static byte[] replace(byte[] haystack, byte[] needle, byte[] with) {
        if (needle.length != with.length) {
            throw new AssertionError("lengths differ");
        }
        byte[] out = haystack.clone();
        System.arraycopy(with, 0, out, indexOf(haystack, needle), with.length);
        return out;
    }
}
