package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.flipLast;
import static dev.ampoule.mls.group.Forge.freshHpkeKey;
import static dev.ampoule.mls.group.Forge.key;
import static dev.ampoule.mls.group.Forge.nonMember;
import static dev.ampoule.mls.group.Forge.plus;
import static dev.ampoule.mls.group.Forge.reexternal;
import static dev.ampoule.mls.group.Forge.resign;
import static dev.ampoule.mls.group.Forge.updateLeaf;
import static dev.ampoule.mls.group.Forge.withExtensions;
import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.MatrixCase.Attempt;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.MessageRule;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.ProposalOrRef;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ScheduleRule;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeRule;
import dev.ampoule.mls.treekem.TreeKemRule;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The outside world: external senders' proposals (RFC 9420 §12.1.8), new members' join requests,
 * GroupInfos for external joins (§12.4.3.2) as the joiner and the relay read them, and external
 * commits as members and the relay receive them.
 */
final class ExternalCases {

    private ExternalCases() {}

    /** A trio whose external_senders extension lists {@code relayKeys} at index 0. */
    private static Trio withExternalSender(SignatureKeyPair relayKeys) {
        return Trio.builder().config(CONFIG.toBuilder().externalSenders(List.of(
                new ExternalSenders.ExternalSender(relayKeys.publicKey(), credential("relay")))).build()).build();
    }

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("external senders, joins and commits");

        // ---- external senders (§12.1.8.1) ----------------------------------------------------------
        c.both("external sender index beyond external_senders", GroupRule.EXTERNAL_SENDER_UNKNOWN, () -> {
            SignatureKeyPair relay = SUITE.generateSignatureKeyPair();
            Trio t = withExternalSender(relay);
            return t.deliver(t.bob, ExternalProposals.remove(SUITE, t.bob.groupId(), t.bob.epoch(), 1,
                    relay.privateKey(), 2));
        });
        c.both("external sender in a group without external_senders", GroupRule.EXTERNAL_SENDER_UNKNOWN, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, ExternalProposals.remove(SUITE, t.bob.groupId(), t.bob.epoch(), 0,
                    SUITE.generateSignatureKeyPair().privateKey(), 2));
        });
        c.both("external proposal signed by a key not listed", FramingRule.SIGNATURE, () -> {
            Trio t = withExternalSender(SUITE.generateSignatureKeyPair());
            return t.deliver(t.bob, ExternalProposals.remove(SUITE, t.bob.groupId(), t.bob.epoch(), 0,
                    SUITE.generateSignatureKeyPair().privateKey(), 2));
        });
        c.both("external sender proposing an Update", FramingRule.EXTERNAL_PROPOSAL_TYPE, () -> {
            SignatureKeyPair relay = SUITE.generateSignatureKeyPair();
            Trio t = withExternalSender(relay);
            return t.deliver(t.bob, nonMember(t.bob, new Sender.External(0), relay.privateKey(),
                    new Content.ProposalContent(new UpdateProposal(updateLeaf(t.carol, p -> p)))));
        });
        c.member("external sender asked to sign an Update", FramingRule.EXTERNAL_PROPOSAL_TYPE, () -> {
            SignatureKeyPair relay = SUITE.generateSignatureKeyPair();
            Trio t = withExternalSender(relay);
            return t.local(() -> ExternalProposals.fromExternalSender(SUITE, t.bob.groupId(), t.bob.epoch(), 0,
                    relay.privateKey(), new UpdateProposal(updateLeaf(t.carol, p -> p))));
        });
        c.both("external sender sending a commit", FramingRule.SENDER_CONTENT_MISMATCH, () -> {
            SignatureKeyPair relay = SUITE.generateSignatureKeyPair();
            Trio t = withExternalSender(relay);
            return t.deliver(t.bob, nonMember(t.bob, new Sender.External(0), relay.privateKey(),
                    new Content.CommitContent(new Commit(Forge.byValue(new RemoveProposal(2)), Optional.empty()))));
        });
        c.both("external sender's Add of an expired KeyPackage", GroupRule.LEAF_LIFETIME, () -> {
            SignatureKeyPair relay = SUITE.generateSignatureKeyPair();
            Trio t = withExternalSender(relay);
            return t.deliver(t.bob, ExternalProposals.add(SUITE, t.bob.groupId(), t.bob.epoch(), 0,
                    relay.privateKey(), expired("dave").keyPackage()));
        });

        // ---- new members asking to be added (§12.1.8) ---------------------------------------------
        c.both("new_member_proposal carrying a Remove", FramingRule.SENDER_CONTENT_MISMATCH, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, nonMember(t.bob, new Sender.NewMemberProposal(),
                    SUITE.generateSignatureKeyPair().privateKey(),
                    new Content.ProposalContent(new RemoveProposal(2))));
        });
        c.both("new_member_proposal not signed by the KeyPackage's key", FramingRule.SIGNATURE, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, nonMember(t.bob, new Sender.NewMemberProposal(),
                    SUITE.generateSignatureKeyPair().privateKey(),
                    new Content.ProposalContent(new AddProposal(TestClients.keyPackage("dave").keyPackage()))));
        });
        c.both("new_member_proposal with an expired KeyPackage", GroupRule.LEAF_LIFETIME, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, ExternalProposals.joinRequest(expired("dave"), t.bob.groupId(), t.bob.epoch()));
        });

        // ---- GroupInfos for an external join: the joiner, and the relay learning the group ---------
        c.relayAccepts("GroupInfo without external_pub", GroupRule.EXTERNAL_PUB_MISSING, () -> info((t, i) ->
                resign(withExtensions(i, i.extensions().stream()
                        .filter(e -> e.type() != ExtensionType.EXTERNAL_PUB).toList()), key(t.alice))));
        c.relayAccepts("GroupInfo with a malformed external_pub", GroupRule.EXTERNAL_PUB_MISSING, () -> info((t, i) ->
                resign(withExtensions(i, i.extensions().stream().map(e -> e.type() == ExtensionType.EXTERNAL_PUB
                        ? new Extension(ExtensionType.EXTERNAL_PUB, new byte[] {40, 1}) : e).toList()), key(t.alice))));
        c.both("GroupInfo with a corrupted signature", MessageRule.GROUP_INFO_SIGNATURE, () -> info((t, i) ->
                new GroupInfo(i.groupContext(), i.extensions(), i.confirmationTag(), i.signer(),
                        flipLast(i.signature()))));
        c.both("GroupInfo signed for a blank leaf", GroupRule.GROUP_INFO_SIGNER_BLANK, () -> info((t, i) ->
                resign(new GroupInfo(i.groupContext(), i.extensions(), i.confirmationTag(), 3, new byte[0]),
                        key(t.alice))));
        c.both("GroupInfo with duplicate extension types", GroupRule.DUPLICATE_EXTENSION_TYPE, () -> info((t, i) -> {
            List<Extension> twice = new ArrayList<>(i.extensions());
            twice.add(i.extension(ExtensionType.EXTERNAL_PUB).orElseThrow());
            return resign(withExtensions(i, twice), key(t.alice));
        }));
        c.both("GroupInfo of an unsupported cipher suite", CryptoRule.UNSUPPORTED_CIPHER_SUITE, () -> info((t, i) -> {
            GroupContext g = i.groupContext();
            return resign(Forge.withContext(i, new GroupContext(0x7777, g.groupId(), g.epoch(), g.treeHash(),
                    g.confirmedTranscriptHash(), g.extensions())), key(t.alice));
        }));
        c.both("GroupInfo without a ratchet tree, none given", GroupRule.RATCHET_TREE_MISSING,
                () -> info((t, i) -> t.alice.groupInfo(false)));
        c.both("GroupInfo with a tree given out of band that lacks a member", GroupRule.TREE_HASH_MISMATCH, () -> {
            Trio t = Trio.create();
            // The signer's leaf is intact, so the GroupInfo signature verifies; the tree hash does not match.
            RatchetTree stale = t.alice.publicGroup().tree();
            stale.remove(2);
            return joinFrom(t, t.alice.groupInfo(false), Optional.of(stale));
        });
        c.both("GroupInfo with a tree given out of band from another group", MessageRule.GROUP_INFO_SIGNATURE, () -> {
            // RFC 9420 §12.4.3.1 checks the signature with the signer's leaf of the tree first.
            Trio t = Trio.create();
            return joinFrom(t, t.alice.groupInfo(false), Optional.of(Trio.create().alice.publicGroup().tree()));
        });
        c.both("GroupInfo tree with a signature key twice", TreeRule.DUPLICATE_SIGNATURE_KEY, () -> info((t, i) -> {
            RatchetTree tree = RatchetTree.decode(SUITE, i.extension(ExtensionType.RATCHET_TREE).orElseThrow().data());
            LeafNode carol = tree.leaf(2).orElseThrow();
            tree.update(2, Forge.LeafParts.of(carol).signatureKey(Forge.leaf(t.bob).signatureKey())
                    .sign(key(t.bob), t.alice.groupId(), 2));
            List<Extension> extensions = i.extensions().stream().map(e -> e.type() == ExtensionType.RATCHET_TREE
                    ? new Extension(ExtensionType.RATCHET_TREE, tree.toBytes()) : e).toList();
            return resign(withExtensions(Forge.withContext(i, i.groupContext().withTreeHash(tree.treeHash())),
                    extensions), key(t.alice));
        }));
        c.member("resync removing another client's leaf", GroupRule.CREDENTIAL_NOT_SUCCESSOR, () -> {
            Trio t = Trio.create();
            return t.local(() -> Group.joinExternal(CONFIG, t.alice.groupInfo(true), Optional.empty(),
                    credential("mallory"), SUITE.generateSignatureKeyPair(),
                    ExternalJoinOptions.builder().resync(t.bob.ownLeafIndex()).build()));
        });

        // ---- external commits (§12.2, §12.4.3.2) -------------------------------------------------------
        c.both("external commit without ExternalInit", GroupRule.EXTERNAL_COMMIT_EXTERNAL_INIT, () -> external(
                (t, commit) -> new Commit(List.of(), commit.path())));
        c.both("external commit with two ExternalInits", GroupRule.EXTERNAL_COMMIT_EXTERNAL_INIT, () -> external(
                (t, commit) -> plus(commit, new ExternalInitProposal(freshHpkeKey().bytes()))));
        c.both("external commit with an Add", GroupRule.EXTERNAL_COMMIT_PROPOSAL_TYPE, () -> external(
                (t, commit) -> plus(commit, new AddProposal(TestClients.keyPackage("erin").keyPackage()))));
        c.both("external commit with two Removes", GroupRule.EXTERNAL_COMMIT_PROPOSAL_TYPE, () -> external(
                (t, commit) -> plus(commit, new RemoveProposal(1), new RemoveProposal(2))));
        c.both("external commit referencing a proposal", GroupRule.EXTERNAL_COMMIT_BY_REFERENCE, () -> external(
                (t, commit) -> {
                    List<ProposalOrRef> list = new ArrayList<>(commit.proposals());
                    list.add(new ProposalOrRef.ByReference(new ProposalRef(new byte[32])));
                    return new Commit(list, commit.path());
                }));
        c.both("external commit with the same PreSharedKey twice", GroupRule.DUPLICATE_PSK, () -> external(
                (t, commit) -> {
                    PreSharedKeyId psk = new PreSharedKeyId.External(utf8("psk"), new byte[SUITE.hashLength()]);
                    return plus(commit, new PreSharedKeyProposal(psk), new PreSharedKeyProposal(psk));
                }));
        c.both("external commit without a path", GroupRule.PATH_REQUIRED, () -> external(
                (t, commit) -> new Commit(commit.proposals(), Optional.empty())));
        c.both("external commit removing a blank leaf", GroupRule.REMOVE_BLANK_LEAF, () -> external(
                (t, commit) -> plus(commit, new RemoveProposal(3))));
        c.both("external commit removing a member of another identity", GroupRule.CREDENTIAL_NOT_SUCCESSOR,
                () -> external((t, commit) -> plus(commit, new RemoveProposal(1))));
        c.both("external commit path leaf with source update", GroupRule.LEAF_SOURCE, () -> {
            SignatureKeyPair dave = SUITE.generateSignatureKeyPair();
            return external(dave, (t, commit) -> Forge.editPath(commit, p -> Forge.editPathLeaf(p,
                    l -> l.source(new LeafNodeSource.Update()), dave.privateKey(), t.alice.groupId(), 3)));
        });
        c.both("external commit signed by another key", FramingRule.SIGNATURE, () -> {
            Trio t = Trio.create();
            ExternalJoin join = Group.joinExternal(CONFIG, t.alice.groupInfo(true), Optional.empty(),
                    credential("dave"), SUITE.generateSignatureKeyPair(), ExternalJoinOptions.defaults());
            return t.deliver(t.bob, reexternal(t.alice.groupContext(), SUITE.generateSignatureKeyPair().privateKey(),
                    join.commit(), commit -> commit)).then(() -> joined(t, join));
        });
        c.both("external commit by a client using a member's signature key", TreeKemRule.SIGNATURE_KEY_IN_USE, () -> {
            Trio t = Trio.create();
            ExternalJoin join = Group.joinExternal(CONFIG, t.alice.groupInfo(true), Optional.empty(),
                    credential("bob"), t.bob.signatureKeys(), ExternalJoinOptions.defaults());
            return t.deliver(t.bob, join.commit());
        });
        c.relayAccepts("external commit with a replaced kem_output", ScheduleRule.CONFIRMATION_TAG_MISMATCH, () ->
                external((t, commit) -> new Commit(Forge.byValue(new ExternalInitProposal(freshHpkeKey().bytes())),
                        commit.path())));
        c.relayAccepts("external commit with a kem_output that does not decode", CryptoRule.HPKE_OPEN_FAILED, () ->
                external((t, commit) -> new Commit(Forge.byValue(new ExternalInitProposal(new byte[5])),
                        commit.path())));
        c.relayAccepts("external commit injecting a PSK the members lack", GroupRule.PSK_UNAVAILABLE, () -> {
            Trio t = Trio.create();
            byte[] pskId = utf8("joiner only");
            GroupConfig joiner = CONFIG.toBuilder().pskLookup(PskLookup.of(List.of(
                    new PskLookup.ExternalPsk(pskId, Secret.copyOf(utf8("secret")))))).build();
            ExternalJoin join = Group.joinExternal(joiner, t.alice.groupInfo(true), Optional.empty(),
                    credential("dave"), SUITE.generateSignatureKeyPair(),
                    ExternalJoinOptions.builder().externalPsk(pskId).build());
            return t.deliver(t.bob, join.commit());
        });
        return c.cases();
    }

    private static KeyPackageBundle expired(String name) {
        return KeyPackageBundle.builder(SUITE, credential(name), SUITE.generateSignatureKeyPair())
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofDays(-200))).build();
    }

    @FunctionalInterface
    private interface InfoEdit {
        GroupInfo edit(Trio t, GroupInfo info);
    }

    /** Alice's GroupInfo (with external_pub and the tree) edited; dave joins from it, the relay reads it. */
    private static Attempt info(InfoEdit edit) {
        Trio t = Trio.create();
        return joinFrom(t, edit.edit(t, t.alice.groupInfo(true)), Optional.empty());
    }

    private static Attempt joinFrom(Trio t, GroupInfo info, Optional<RatchetTree> tree) {
        return t.local(() -> Group.joinExternal(CONFIG, info, tree, credential("dave"), SUITE.generateSignatureKeyPair(),
                ExternalJoinOptions.defaults()))
                .withRelayAction(() -> PublicGroup.fromGroupInfo(CONFIG, info, tree))
                .then(() -> joined(t, Group.joinExternal(CONFIG, t.alice.groupInfo(true), Optional.empty(),
                        credential("dave"), SUITE.generateSignatureKeyPair(), ExternalJoinOptions.defaults())));
    }

    @FunctionalInterface
    private interface CommitEdit {
        Commit edit(Trio t, Commit commit);
    }

    private static Attempt external(CommitEdit edit) {
        return external(SUITE.generateSignatureKeyPair(), edit);
    }

    /**
     * Dave's genuine external commit with its Commit edited and signed again with his key, to bob
     * and the relay; afterwards the genuine one applies.
     */
    private static Attempt external(SignatureKeyPair dave, CommitEdit edit) {
        Trio t = Trio.create();
        ExternalJoin join = Group.joinExternal(CONFIG, t.alice.groupInfo(true), Optional.empty(), credential("dave"),
                dave, ExternalJoinOptions.defaults());
        UnaryOperator<Commit> e = commit -> edit.edit(t, commit);
        return t.deliver(t.bob, reexternal(t.alice.groupContext(), dave.privateKey(), join.commit(), e))
                .then(() -> joined(t, join));
    }

    /** The genuine external join applies at every member and the relay; the joiner agrees; the group works. */
    static void joined(Trio t, ExternalJoin join) {
        MlsMessage commit = join.commit();
        t.relay.ifPresent(r -> r.merge(r.stageCommit(Forge.publicMessage(wire(commit)))));
        for (Group g : t.members()) {
            g.merge((StagedCommit) g.process(wire(commit)));
        }
        join.group().mergePendingCommit();
        assertArrayEquals(t.alice.epochAuthenticator(), join.group().epochAuthenticator());
        t.liveness();
    }
}
