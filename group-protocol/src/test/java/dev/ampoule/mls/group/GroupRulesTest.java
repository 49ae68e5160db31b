package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.commitAndDeliver;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.error.Rule;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalOrRef;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.ScheduleRule;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.UpdatePath;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Commits and messages that break a rule are refused with the rule named, and the receiving group
 * is left exactly as it was: the genuine Commit still applies afterwards.
 */
class GroupRulesTest {

    private static List<Group> threeMembers() {
        Group alice = TestClients.create("alice");
        KeyPackageBundle bob = keyPackage("bob");
        KeyPackageBundle carol = keyPackage("carol");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage()).build());
        alice.mergePendingCommit();
        return List.of(alice, join(add, bob), join(add, carol));
    }

    /** A Commit from {@code sender}, signed and membership-tagged, with a meaningless confirmation tag. */
    private static MlsMessage forged(Group sender, List<ProposalOrRef> proposals, Optional<UpdatePath> path) {
        FramedContent content = new FramedContent(sender.groupId(), sender.epoch(),
                new Sender.Member(sender.ownLeafIndex()), new byte[0],
                new Content.CommitContent(new Commit(proposals, path)));
        byte[] signature = AuthenticatedContent.signCommit(SUITE, sender.signatureKeys().privateKey(),
                WireFormat.PUBLIC_MESSAGE, content, sender.groupContext());
        AuthenticatedContent ac = AuthenticatedContent.ofCommit(WireFormat.PUBLIC_MESSAGE, content, signature,
                new byte[SUITE.hashLength()]);
        return new MlsMessage.OfPublicMessage(PublicMessage.protect(SUITE, ac, sender.groupContext(),
                sender.state().epochSecrets().membershipKey()));
    }

    private static List<ProposalOrRef> byValue(Proposal... proposals) {
        List<ProposalOrRef> out = new ArrayList<>();
        for (Proposal p : proposals) {
            out.add(new ProposalOrRef.ByValue(p));
        }
        return out;
    }

    private static void assertRefused(Rule rule, Group receiver, MlsMessage message) {
        long epoch = receiver.epoch();
        byte[] authenticator = receiver.epochAuthenticator();
        ValidationException e = assertThrows(ValidationException.class, () -> receiver.process(wire(message)));
        assertEquals(rule, e.rule(), e.getMessage());
        assertEquals(epoch, receiver.epoch());
        assertArrayEquals(authenticator, receiver.epochAuthenticator());
    }

    @Test
    void proposalListRules() {
        List<Group> g = threeMembers();
        Group alice = g.get(0);
        Group bob = g.get(1);
        KeyPackage dave = keyPackage("dave").keyPackage();
        PreSharedKeyId psk = new PreSharedKeyId.External(utf8("id"), new byte[SUITE.hashLength()]);

        assertRefused(GroupRule.PROPOSAL_REF_UNKNOWN, bob,
                forged(alice, List.of(new ProposalOrRef.ByReference(new ProposalRef(new byte[32]))), Optional.empty()));
        assertRefused(GroupRule.PATH_REQUIRED, bob, forged(alice, byValue(new RemoveProposal(2)), Optional.empty()));
        assertRefused(GroupRule.PATH_REQUIRED, bob, forged(alice, List.of(), Optional.empty()));
        assertRefused(GroupRule.COMMIT_REMOVES_COMMITTER, bob, forged(alice, byValue(new RemoveProposal(0)),
                Optional.empty()));
        assertRefused(GroupRule.DUPLICATE_UPDATE_OR_REMOVE, bob,
                forged(alice, byValue(new RemoveProposal(2), new RemoveProposal(2)), Optional.empty()));
        assertRefused(GroupRule.REMOVE_BLANK_LEAF, bob,
                forged(alice, byValue(new RemoveProposal(7)), Optional.empty()));
        assertRefused(GroupRule.DUPLICATE_ADD, bob,
                forged(alice, byValue(new AddProposal(dave), new AddProposal(dave)), Optional.empty()));
        KeyPackage bobAgain = KeyPackageBundle.builder(SUITE, credential("bob"), bob.signatureKeys()).build()
                .keyPackage();
        assertRefused(GroupRule.ADD_EXISTING_MEMBER, bob, forged(alice, byValue(new AddProposal(bobAgain)),
                Optional.empty()));
        assertRefused(GroupRule.DUPLICATE_PSK, bob,
                forged(alice, byValue(new PreSharedKeyProposal(psk), new PreSharedKeyProposal(psk)), Optional.empty()));
        assertRefused(GroupRule.MULTIPLE_GROUP_CONTEXT_EXTENSIONS, bob, forged(alice,
                byValue(new GroupContextExtensionsProposal(List.of()), new GroupContextExtensionsProposal(List.of())),
                Optional.empty()));
        assertRefused(GroupRule.REINIT_NOT_ALONE, bob, forged(alice, byValue(
                new ReInitProposal(utf8("g2"), 1, CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.wire(),
                        List.of()), new AddProposal(dave)), Optional.empty()));
        assertRefused(GroupRule.EXTERNAL_INIT_OUTSIDE_EXTERNAL_COMMIT, bob,
                forged(alice, byValue(new ExternalInitProposal(new byte[32])), Optional.empty()));
        PreSharedKeyId reinitPsk = new PreSharedKeyId.Resumption(ResumptionPskUsage.REINIT, alice.groupId(), 1,
                new byte[SUITE.hashLength()]);
        assertRefused(GroupRule.PSK_USAGE, bob, forged(alice, byValue(new PreSharedKeyProposal(reinitPsk)),
                Optional.empty()));
        assertRefused(GroupRule.PSK_UNAVAILABLE, bob, forged(alice, byValue(new PreSharedKeyProposal(psk)),
                Optional.empty()));

        // After all of that, the genuine Commit applies.
        commitAndDeliver(alice, CommitOptions.builder().add(dave).build(), List.of(bob, g.get(2)));
    }

    @Test
    void tamperedCommitsAreRefused() {
        List<Group> g = threeMembers();
        Group alice = g.get(0);
        Group bob = g.get(1);
        PendingCommit commit = alice.commit(CommitOptions.defaults());
        PublicMessage genuine = ((MlsMessage.OfPublicMessage) commit.commit()).message();

        AuthenticatedContent ac = genuine.authenticatedContent();
        byte[] badTag = ac.confirmationTag().clone();
        badTag[0] ^= 1;
        MlsMessage wrongTag = new MlsMessage.OfPublicMessage(PublicMessage.protect(SUITE,
                AuthenticatedContent.ofCommit(WireFormat.PUBLIC_MESSAGE, ac.content(), ac.auth().signature(), badTag),
                alice.groupContext(), alice.state().epochSecrets().membershipKey()));
        assertRefused(ScheduleRule.CONFIRMATION_TAG_MISMATCH, bob, wrongTag);

        byte[] badMac = genuine.membershipTag().orElseThrow().clone();
        badMac[0] ^= 1;
        assertRefused(FramingRule.MEMBERSHIP_TAG, bob, new MlsMessage.OfPublicMessage(
                new PublicMessage(genuine.content(), genuine.auth(), Optional.of(badMac))));

        // The relay cannot check tags but checks the signature.
        PublicGroup relay = bob.publicGroup();
        byte[] badSignature = ac.auth().signature().clone();
        badSignature[0] ^= 1;
        PublicMessage forgedSignature = PublicMessage.protect(SUITE, AuthenticatedContent.ofCommit(
                WireFormat.PUBLIC_MESSAGE, ac.content(), badSignature, ac.confirmationTag()), alice.groupContext(),
                alice.state().epochSecrets().membershipKey());
        assertEquals(FramingRule.SIGNATURE,
                assertThrows(ValidationException.class, () -> relay.stageCommit(forgedSignature)).rule());

        StagedCommit staged = assertInstanceOf(StagedCommit.class, bob.process(wire(commit.commit())));
        bob.merge(staged);
        alice.mergePendingCommit();
        assertArrayEquals(alice.epochAuthenticator(), bob.epochAuthenticator());
        assertEquals(GroupRule.STAGED_COMMIT_STALE,
                assertThrows(ValidationException.class, () -> bob.merge(staged)).rule());
        assertEquals(GroupRule.STAGED_COMMIT_STALE,
                assertThrows(ValidationException.class, () -> g.get(2).merge(staged)).rule());
    }

    @Test
    void ownStateRules() {
        List<Group> g = threeMembers();
        Group alice = g.get(0);
        alice.proposeUpdate();
        assertEquals(GroupRule.PENDING_PROPOSALS,
                assertThrows(ValidationException.class, () -> alice.encrypt(utf8("x"), new byte[0])).rule());
        alice.commit(CommitOptions.defaults());
        assertEquals(GroupRule.PENDING_COMMIT,
                assertThrows(ValidationException.class, () -> alice.commit(CommitOptions.defaults())).rule());
        alice.discardPendingCommit();
        assertEquals(GroupRule.NO_PENDING_COMMIT,
                assertThrows(ValidationException.class, alice::mergePendingCommit).rule());
        assertEquals(GroupRule.RESUMPTION_EPOCH_UNAVAILABLE,
                assertThrows(ValidationException.class, () -> alice.proposeResumptionPsk(42)).rule());
        assertEquals(GroupRule.UNEXPECTED_WIRE_FORMAT, assertThrows(ValidationException.class,
                () -> alice.process(new MlsMessage.OfKeyPackage(keyPackage("x").keyPackage()))).rule());
    }

    @Test
    void joinRules() {
        Group alice = TestClients.create("alice");
        KeyPackageBundle bob = keyPackage("bob");
        PendingCommit add = alice.commit(
                CommitOptions.builder().add(bob.keyPackage()).ratchetTreeInWelcome(false).build());
        alice.mergePendingCommit();
        assertEquals(GroupRule.RATCHET_TREE_MISSING,
                assertThrows(ValidationException.class, () -> join(add, bob)).rule());
        RatchetTree wrong = RatchetTree.create(SUITE, alice.publicGroup().tree().leaf(0).orElseThrow());
        assertEquals(GroupRule.TREE_HASH_MISMATCH, assertThrows(ValidationException.class,
                () -> Group.join(CONFIG, TestClients.welcome(add), bob, Optional.of(wrong))).rule());
        Group joined = Group.join(CONFIG, TestClients.welcome(add), bob, Optional.of(alice.publicGroup().tree()));
        assertArrayEquals(alice.epochAuthenticator(), joined.epochAuthenticator());

        // An expired KeyPackage cannot be added; one living too long neither.
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofDays(400)), ZoneOffset.UTC);
        Group future = TestClients.create(CONFIG.toBuilder().clock(later).build(), "future");
        assertEquals(GroupRule.LEAF_LIFETIME, assertThrows(ValidationException.class,
                () -> future.commit(CommitOptions.builder().add(keyPackage("old").keyPackage()).build())).rule());
        KeyPackage longLived = KeyPackageBundle.builder(SUITE, credential("long"), SUITE.generateSignatureKeyPair())
                .lifetime(Duration.ofDays(3650)).build().keyPackage();
        assertEquals(GroupRule.LEAF_LIFETIME_TOO_LONG, assertThrows(ValidationException.class,
                () -> alice.commit(CommitOptions.builder().add(longLived).build())).rule());
    }
}
