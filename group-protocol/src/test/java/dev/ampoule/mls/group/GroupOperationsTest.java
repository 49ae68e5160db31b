package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.commitAndDeliver;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.deliverProposal;
import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Remove, Update, PSK, GroupContextExtensions and ReInit proposals; external proposals and commits. */
class GroupOperationsTest {

    /** alice (creator), bob, carol, all at epoch 1. */
    private static List<Group> threeMembers(GroupConfig config) {
        Group alice = TestClients.create(config, "alice");
        KeyPackageBundle bob = keyPackage("bob");
        KeyPackageBundle carol = keyPackage("carol");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage()).build());
        alice.mergePendingCommit();
        return List.of(alice, join(config, add, bob), join(config, add, carol));
    }

    @Test
    void removedMemberCannotReadWhatFollows() {
        List<Group> g = threeMembers(CONFIG);
        Group alice = g.get(0);
        Group bob = g.get(1);
        Group carol = g.get(2);
        MlsMessage proposal = alice.proposeRemove(bob.ownLeafIndex());
        deliverProposal(proposal, List.of(bob, carol));
        assertThrows(ValidationException.class, () -> alice.encrypt(utf8("too early"), new byte[0]));

        PendingCommit commit = alice.commit(CommitOptions.defaults());
        StagedCommit atBob = assertInstanceOf(StagedCommit.class, bob.process(wire(commit.commit())));
        assertTrue(atBob.removesSelf());
        bob.merge(atBob);
        assertEquals(Group.Status.REMOVED, bob.status());
        carol.merge(assertInstanceOf(StagedCommit.class, carol.process(wire(commit.commit()))));
        alice.mergePendingCommit();
        assertArrayEquals(alice.epochAuthenticator(), carol.epochAuthenticator());
        assertEquals(2, alice.members().size());

        MlsMessage secret = alice.encrypt(utf8("after removal"), new byte[0]);
        ValidationException e = assertThrows(ValidationException.class, () -> bob.process(wire(secret)));
        assertEquals(GroupRule.EPOCH_NOT_AVAILABLE, e.rule());
        assertArrayEquals(utf8("after removal"),
                assertInstanceOf(Processed.ApplicationMessage.class, carol.process(wire(secret))).data());
        assertThrows(ValidationException.class, () -> bob.encrypt(utf8("x"), new byte[0]));
    }

    @Test
    void updateProposalCommittedByAnother() {
        List<Group> g = threeMembers(CONFIG);
        Group alice = g.get(0);
        Group bob = g.get(1);
        Group carol = g.get(2);
        var before = bob.groupContext().treeHash();
        MlsMessage update = bob.proposeUpdate();
        deliverProposal(update, List.of(alice, carol));
        PendingCommit commit = commitAndDeliver(alice, CommitOptions.defaults(), List.of(bob, carol));
        assertEquals(List.of(bob.ownLeafIndex()), commit.staged().updatedLeaves());
        assertInstanceOf(UpdateProposal.class, commit.staged().proposals().get(0).proposal());
        assertFalse(java.util.Arrays.equals(before, bob.groupContext().treeHash()));
        // Bob's new leaf key works: he decrypts the next commit's path.
        commitAndDeliver(carol, CommitOptions.defaults(), List.of(alice, bob));
        MlsMessage m = bob.encrypt(utf8("still here"), new byte[0]);
        assertArrayEquals(utf8("still here"),
                assertInstanceOf(Processed.ApplicationMessage.class, alice.process(wire(m))).data());
    }

    @Test
    void committerLeavesOutItsOwnUpdateAndPrefersRemoves() {
        List<Group> g = threeMembers(CONFIG);
        Group alice = g.get(0);
        Group bob = g.get(1);
        Group carol = g.get(2);
        MlsMessage ownUpdate = alice.proposeUpdate();
        deliverProposal(ownUpdate, List.of(bob, carol));
        MlsMessage carolUpdate = carol.proposeUpdate();
        deliverProposal(carolUpdate, List.of(alice, bob));
        MlsMessage removeCarol = bob.proposeRemove(carol.ownLeafIndex());
        deliverProposal(removeCarol, List.of(alice, carol));
        PendingCommit commit = alice.commit(CommitOptions.defaults());
        assertEquals(1, commit.staged().proposals().size());
        assertInstanceOf(RemoveProposal.class, commit.staged().proposals().get(0).proposal());
        bob.merge(assertInstanceOf(StagedCommit.class, bob.process(wire(commit.commit()))));
        alice.mergePendingCommit();
        assertArrayEquals(alice.epochAuthenticator(), bob.epochAuthenticator());
    }

    @Test
    void externalAndResumptionPsks() {
        byte[] pskId = utf8("care-team-psk");
        GroupConfig config = CONFIG.toBuilder()
                .pskLookup(PskLookup.of(List.of(new PskLookup.ExternalPsk(pskId, Secret.copyOf(utf8("shared"))))))
                .build();
        List<Group> g = threeMembers(config);
        Group alice = g.get(0);
        MlsMessage psk = alice.proposeExternalPsk(pskId);
        deliverProposal(psk, List.of(g.get(1), g.get(2)));
        PendingCommit commit = commitAndDeliver(alice, CommitOptions.defaults(), List.of(g.get(1), g.get(2)));
        assertInstanceOf(PreSharedKeyProposal.class, commit.staged().proposals().get(0).proposal());

        // A resumption PSK of epoch 1, carried by value, plus a path.
        PendingCommit resumption = commitAndDeliver(g.get(1),
                CommitOptions.builder().resumptionPsk(1).forcePath(true).build(), List.of(alice, g.get(2)));
        PreSharedKeyId id = resumption.staged().psks().get(0);
        assertEquals(1, ((PreSharedKeyId.Resumption) id).pskEpoch());

        // A member without the external PSK cannot process a commit that injects it.
        GroupConfig noPsk = CONFIG;
        List<Group> h = threeMembers(noPsk);
        ValidationException e = assertThrows(ValidationException.class,
                () -> h.get(0).commit(CommitOptions.builder().externalPsk(pskId).build()));
        assertEquals(GroupRule.PSK_UNAVAILABLE, e.rule());
    }

    @Test
    void groupContextExtensionsAndRequiredCapabilities() {
        List<Group> g = threeMembers(CONFIG);
        Group alice = g.get(0);
        SignatureKeyPair relayKeys = SUITE.generateSignatureKeyPair();
        ExternalSenders senders = new ExternalSenders(
                List.of(new ExternalSenders.ExternalSender(relayKeys.publicKey(), credential("relay"))));
        RequiredCapabilities basicOnly = new RequiredCapabilities(List.of(), List.of(), List.of(1));
        MlsMessage gce = alice.proposeGroupContextExtensions(List.of(senders.toExtension(), basicOnly.toExtension()));
        deliverProposal(gce, List.of(g.get(1), g.get(2)));
        PendingCommit commit = commitAndDeliver(alice, CommitOptions.defaults(), List.of(g.get(1), g.get(2)));
        assertTrue(commit.staged().newGroupContextExtensions().isPresent());
        assertEquals(1, g.get(2).publicGroup().externalSenders().size());

        // An unsupported required capability is refused when proposed.
        RequiredCapabilities unknown = new RequiredCapabilities(List.of(0x7F00), List.of(), List.of());
        ValidationException e = assertThrows(ValidationException.class,
                () -> alice.proposeGroupContextExtensions(List.of(unknown.toExtension())));
        assertEquals(GroupRule.GROUP_EXTENSIONS_UNSUPPORTED, e.rule());
    }

    @Test
    void reInitEndsTheGroup() {
        List<Group> g = threeMembers(CONFIG);
        Group bob = g.get(1);
        MlsMessage reInit = bob.proposeReInit(utf8("new-group"), CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256,
                List.of());
        deliverProposal(reInit, List.of(g.get(0), g.get(2)));
        PendingCommit commit = commitAndDeliver(g.get(0), CommitOptions.defaults(), List.of(bob, g.get(2)));
        assertTrue(commit.staged().reInit().isPresent());
        for (Group member : g) {
            assertEquals(Group.Status.REINIT_PENDING, member.status());
            assertEquals(CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256.wire(),
                    member.reInit().orElseThrow().cipherSuite());
        }
        assertThrows(ValidationException.class, () -> bob.encrypt(utf8("x"), new byte[0]));
    }

    @Test
    void lastResortKeyPackageJoinsTwoGroups() {
        KeyPackageBundle bob = KeyPackageBundle.builder(SUITE, credential("bob"), SUITE.generateSignatureKeyPair())
                .lastResort(true).build();
        assertTrue(bob.isLastResort());
        Group first = TestClients.create("first");
        Group second = TestClients.create("second");
        PendingCommit toFirst = first.commit(CommitOptions.builder().add(bob.keyPackage()).build());
        first.mergePendingCommit();
        PendingCommit toSecond = second.commit(CommitOptions.builder().add(bob.keyPackage()).build());
        second.mergePendingCommit();
        Group bobFirst = join(toFirst, bob);
        Group bobSecond = join(toSecond, bob);
        // Bob's own path in the first group retires his leaf key there, not in the second group.
        commitAndDeliver(bobFirst, CommitOptions.defaults(), List.of(first));
        commitAndDeliver(second, CommitOptions.builder().forcePath(true).build(), List.of(bobSecond));
        KeyPackageBundle once = keyPackage("once");
        PendingCommit add = first.commit(CommitOptions.builder().add(once.keyPackage()).build());
        first.mergePendingCommit();
        join(add, once);
        assertTrue(once.initKeyPair().privateKey().isDestroyed());
        assertFalse(bob.initKeyPair().privateKey().isDestroyed());
    }

    @Test
    void reInitializeIntoANewSuite() {
        List<Group> g = threeMembers(CONFIG);
        Group bob = g.get(1);
        CipherSuiteId chacha = CipherSuiteId.MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519;
        var newSuite = dev.ampoule.mls.crypto.bc.BcCipherSuites.of(chacha);
        deliverProposal(bob.proposeReInit(utf8("group-v2"), chacha, List.of()), List.of(g.get(0), g.get(2)));
        commitAndDeliver(g.get(0), CommitOptions.defaults(), List.of(bob, g.get(2)));

        KeyPackageBundle bob2 = TestClients.keyPackage(newSuite, "bob");
        KeyPackageBundle carol2 = TestClients.keyPackage(newSuite, "carol");
        ResumedGroup resumed = g.get(0).reInitialize(CONFIG, newSuite.generateSignatureKeyPair(),
                List.of(bob2.keyPackage(), carol2.keyPackage()));
        resumed.group().mergePendingCommit();
        // Without the old group the resumption PSK is unknown.
        assertEquals(GroupRule.PSK_UNAVAILABLE, assertThrows(ValidationException.class,
                () -> Group.join(CONFIG, TestClients.welcome(resumed.commit()), carol2, Optional.empty())).rule());
        Group newBob = bob.joinResumed(CONFIG, TestClients.welcome(resumed.commit()), bob2, Optional.empty());
        Group newCarol = g.get(2).joinResumed(CONFIG, TestClients.welcome(resumed.commit()), carol2, Optional.empty());
        assertEquals(1, newBob.epoch());
        assertEquals(chacha.wire(), newBob.groupContext().cipherSuite());
        assertArrayEquals(resumed.group().epochAuthenticator(), newBob.epochAuthenticator());
        assertArrayEquals(resumed.group().epochAuthenticator(), newCarol.epochAuthenticator());
    }

    @Test
    void branchASubgroup() {
        List<Group> g = threeMembers(CONFIG);
        Group alice = g.get(0);
        KeyPackageBundle bob2 = keyPackage("bob");
        ResumedGroup sub = alice.branch(CONFIG, utf8("subgroup"), List.of(bob2.keyPackage()));
        sub.group().mergePendingCommit();
        Group subBob = g.get(1).joinResumed(CONFIG, TestClients.welcome(sub.commit()), bob2, Optional.empty());
        assertArrayEquals(sub.group().epochAuthenticator(), subBob.epochAuthenticator());
        assertEquals(2, subBob.members().size());

        KeyPackageBundle bob3 = keyPackage("bob");
        KeyPackageBundle mallory = keyPackage("mallory");
        ResumedGroup bad = alice.branch(CONFIG, utf8("subgroup-2"), List.of(bob3.keyPackage(), mallory.keyPackage()));
        assertEquals(GroupRule.RESUMPTION_MISMATCH, assertThrows(ValidationException.class,
                () -> g.get(1).joinResumed(CONFIG, TestClients.welcome(bad.commit()), bob3, Optional.empty())).rule());
        // A plain Welcome is not a resumption.
        KeyPackageBundle carol2 = keyPackage("carol");
        PendingCommit plain = TestClients.create("zed")
                .commit(CommitOptions.builder().add(carol2.keyPackage()).build());
        assertEquals(GroupRule.RESUMPTION_MISMATCH, assertThrows(ValidationException.class,
                () -> g.get(2).joinResumed(CONFIG, TestClients.welcome(plain), carol2, Optional.empty())).rule());
    }

    @Test
    void externalSenderRemovesAndAdds() {
        SignatureKeyPair relayKeys = SUITE.generateSignatureKeyPair();
        GroupConfig config = CONFIG.toBuilder()
                .externalSenders(
                        List.of(new ExternalSenders.ExternalSender(relayKeys.publicKey(), credential("relay"))))
                .build();
        List<Group> g = threeMembers(config);
        Group alice = g.get(0);
        Group bob = g.get(1);
        Group carol = g.get(2);
        PublicGroup relay = alice.publicGroup();

        MlsMessage remove = ExternalProposals.remove(SUITE, alice.groupId(), alice.epoch(), 0,
                relayKeys.privateKey(), carol.ownLeafIndex());
        relay.processProposal(((MlsMessage.OfPublicMessage) remove).message());
        deliverProposal(remove, List.of(alice, bob, carol));
        KeyPackageBundle dave = keyPackage("dave");
        MlsMessage add = ExternalProposals.add(SUITE, alice.groupId(), alice.epoch(), 0, relayKeys.privateKey(),
                dave.keyPackage());
        relay.processProposal(((MlsMessage.OfPublicMessage) add).message());
        deliverProposal(add, List.of(alice, bob, carol));
        assertEquals(2, bob.pendingProposals().size());
        assertInstanceOf(Sender.External.class, bob.pendingProposals().get(0).sender());

        PendingCommit commit = bob.commit(CommitOptions.defaults());
        StagedPublicCommit atRelay = relay.stageCommit(((MlsMessage.OfPublicMessage) commit.commit()).message());
        relay.merge(atRelay);
        for (Group member : List.of(alice, carol)) {
            member.merge(assertInstanceOf(StagedCommit.class, member.process(wire(commit.commit()))));
        }
        bob.mergePendingCommit();
        assertTrue(bob.pendingProposals().isEmpty());
        assertEquals(Group.Status.REMOVED, carol.status());
        Group daveGroup = join(config, commit, dave);
        assertArrayEquals(bob.epochAuthenticator(), daveGroup.epochAuthenticator());
        assertArrayEquals(bob.groupContext().toBytes(), relay.groupContext().toBytes());
        assertEquals(3, relay.members().size());

        // An unknown external sender index is refused.
        MlsMessage forged = ExternalProposals.remove(SUITE, alice.groupId(), alice.epoch(), 1,
                relayKeys.privateKey(), 0);
        ValidationException e = assertThrows(ValidationException.class, () -> alice.process(wire(forged)));
        assertEquals(GroupRule.EXTERNAL_SENDER_UNKNOWN, e.rule());
    }

    @Test
    void newMemberProposalCommittedByMember() {
        List<Group> g = threeMembers(CONFIG);
        Group alice = g.get(0);
        KeyPackageBundle dave = keyPackage("dave");
        MlsMessage request = ExternalProposals.joinRequest(dave, alice.groupId(), alice.epoch());
        deliverProposal(request, g);
        PendingCommit commit = commitAndDeliver(alice, CommitOptions.defaults(), List.of(g.get(1), g.get(2)));
        Group daveGroup = join(commit, dave);
        assertArrayEquals(alice.epochAuthenticator(), daveGroup.epochAuthenticator());
    }

    @Test
    void externalCommitJoinAndResync() {
        List<Group> g = threeMembers(CONFIG);
        Group alice = g.get(0);
        Group bob = g.get(1);
        Group carol = g.get(2);
        PublicGroup relay = alice.publicGroup();

        GroupInfo info = alice.groupInfo(true);
        SignatureKeyPair daveKeys = SUITE.generateSignatureKeyPair();
        ExternalJoin join = Group.joinExternal(CONFIG, info, Optional.empty(), credential("dave"), daveKeys,
                ExternalJoinOptions.defaults());
        Group dave = join.group();
        assertEquals(Group.Status.EXTERNAL_JOIN_PENDING, dave.status());
        relay.merge(relay.stageCommit(((MlsMessage.OfPublicMessage) join.commit()).message()));
        for (Group member : List.of(alice, bob, carol)) {
            StagedCommit staged = assertInstanceOf(StagedCommit.class, member.process(wire(join.commit())));
            assertTrue(staged.isExternal());
            member.merge(staged);
        }
        dave.mergePendingCommit();
        assertTrue(dave.isActive());
        assertArrayEquals(alice.epochAuthenticator(), dave.epochAuthenticator());
        assertArrayEquals(alice.groupContext().toBytes(), relay.groupContext().toBytes());
        assertEquals(4, alice.members().size());

        // Carol lost her state: she rejoins with a new signature key, removing her old leaf.
        int oldLeaf = carol.ownLeafIndex();
        SignatureKeyPair carolKeys = SUITE.generateSignatureKeyPair();
        ExternalJoin resync = Group.joinExternal(CONFIG, bob.groupInfo(false), Optional.of(bob.publicGroup().tree()),
                credential("carol"), carolKeys, ExternalJoinOptions.builder().resync(oldLeaf).build());
        for (Group member : List.of(alice, bob, dave)) {
            member.merge(assertInstanceOf(StagedCommit.class, member.process(wire(resync.commit()))));
        }
        StagedCommit atOldCarol = assertInstanceOf(StagedCommit.class, carol.process(wire(resync.commit())));
        assertTrue(atOldCarol.removesSelf());
        Group newCarol = resync.group();
        newCarol.mergePendingCommit();
        assertArrayEquals(alice.epochAuthenticator(), newCarol.epochAuthenticator());
        assertEquals(4, alice.members().size());
        assertEquals(oldLeaf, newCarol.ownLeafIndex());

        // A resync by someone else's identity is refused.
        ValidationException e = assertThrows(ValidationException.class,
                () -> Group.joinExternal(CONFIG, alice.groupInfo(true), Optional.empty(), credential("mallory"),
                        SUITE.generateSignatureKeyPair(),
                        ExternalJoinOptions.builder().resync(bob.ownLeafIndex()).build()));
        assertEquals(GroupRule.CREDENTIAL_NOT_SUCCESSOR, e.rule());
    }

    @Test
    void handshakeAsPrivateMessage() {
        GroupConfig config = CONFIG.toBuilder().handshakeFormat(WireFormat.PRIVATE_MESSAGE).build();
        List<Group> g = threeMembers(config);
        MlsMessage remove = g.get(1).proposeRemove(g.get(2).ownLeafIndex());
        assertInstanceOf(MlsMessage.OfPrivateMessage.class, remove);
        deliverProposal(remove, List.of(g.get(0), g.get(2)));
        PendingCommit commit = g.get(0).commit(CommitOptions.defaults());
        assertInstanceOf(MlsMessage.OfPrivateMessage.class, commit.commit());
        g.get(1).merge(assertInstanceOf(StagedCommit.class, g.get(1).process(wire(commit.commit()))));
        g.get(0).mergePendingCommit();
        assertArrayEquals(g.get(0).epochAuthenticator(), g.get(1).epochAuthenticator());
        assertNotEquals(g.get(0).epoch(), g.get(2).epoch());
    }
}
