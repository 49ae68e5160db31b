package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.Welcome;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@code commit}, {@code process}, {@code merge} or {@code join} that fails leaves every
 * observable state of the group as it was — epoch, members, tree hash, epoch authenticator,
 * exporter output, pending proposals and commit, and the whole saved state {@code toBytes()} — on
 * many bad inputs: bit-flipped application messages, proposals, commits and Welcomes, messages of
 * past and future epochs, replays, refused commit options, stale and foreign staged commits. After
 * each batch the genuine input still works. For both handshake wire formats: with PrivateMessage
 * handshakes, a refused message must not consume a ratchet key either.
 */
class FailedOperationsTest {

    private static final int MUTATIONS = 150;

    /** What an application can observe of a group. */
    private record Observed(long epoch, List<String> members, String treeHash, String epochAuthenticator,
            String exporter, String savedDigest, Group.Status status, List<String> pendingProposals,
            boolean pendingCommit,
            List<Long> pastEpochs, List<Long> resumptionEpochs) {

        static Observed of(Group g) {
            HexFormat hex = HexFormat.of();
            return new Observed(g.epoch(),
                    g.members().stream().map(m -> m.leafIndex() + ":" + digest(m.leafNode().toBytes())).toList(),
                    hex.formatHex(g.groupContext().treeHash()), hex.formatHex(g.epochAuthenticator()),
                    hex.formatHex(g.exporter("ampoule test", utf8("context"), 32)), digest(g.toBytes()),
                    g.status(), g.pendingProposals().stream().map(p -> p.ref().toString()).toList(),
                    g.pendingCommit().isPresent(), g.retainedPastEpochs(), g.retainedResumptionEpochs());
        }
    }

    /** SHA-256 of {@code bytes}, in hex: compact in a failure message. */
    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs {@code operation}, which must fail, and checks that {@code group} did not change. */
    private static void refusedWithoutChange(Group group, String what, Executable operation) {
        Observed before = Observed.of(group);
        assertThrows(MlsException.class, operation, what + " must be refused");
        assertEquals(before, Observed.of(group), what + " changed the group");
    }

    /** Bit flips of {@code genuine}, each refused by {@code receiver} without a change. */
    private static void mutationsRefused(Group receiver, MlsMessage genuine, long seed, String what) {
        byte[] bytes = genuine.toBytes();
        Random random = new Random(seed);
        Observed before = Observed.of(receiver);
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] bad = bytes.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            }
            int n = i;
            assertThrows(MlsException.class, () -> receiver.process(MlsMessage.fromBytes(bad)),
                    what + ", mutation " + n + " must be refused");
        }
        assertEquals(before, Observed.of(receiver), what + ": mutations changed the group");
    }

    private static Welcome welcomeOf(PendingCommit commit) {
        return assertInstanceOf(MlsMessage.OfWelcome.class, commit.welcome().orElseThrow()).welcome();
    }

    private static StagedCommit stage(Group g, MlsMessage commit) {
        return assertInstanceOf(StagedCommit.class, g.process(wire(commit)));
    }

    @ParameterizedTest
    @EnumSource(value = WireFormat.class, names = {"PUBLIC_MESSAGE", "PRIVATE_MESSAGE"})
    void refusedInputsLeaveTheGroupUnchanged(WireFormat handshake) {
        GroupConfig config = TestClients.CONFIG.toBuilder().handshakeFormat(handshake).build();
        Group alice = TestClients.create(config, "alice");
        KeyPackageBundle bobKeys = keyPackage("bob");
        KeyPackageBundle carolKeys = keyPackage("carol");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bobKeys.keyPackage()).add(carolKeys.keyPackage())
                .build());
        alice.mergePendingCommit();
        Group bob = Group.join(config, welcomeOf(add), bobKeys, Optional.empty());
        Group carol = Group.join(config, welcomeOf(add), carolKeys, Optional.empty());
        List<Group> all = List.of(alice, bob, carol);
        // some history: an epoch of messages, an Update, so that past epochs and ratchets hold state
        MlsMessage early = alice.encrypt(utf8("early"), new byte[0]);
        assertArrayEquals(utf8("early"), assertInstanceOf(Processed.ApplicationMessage.class,
                bob.process(wire(early))).data());
        MlsMessage update = carol.proposeUpdate();
        alice.process(wire(update));
        bob.process(wire(update));
        PendingCommit first = alice.commit(CommitOptions.defaults());
        bob.merge(stage(bob, first.commit()));
        carol.merge(stage(carol, first.commit()));
        alice.mergePendingCommit();
        for (Group g : all) {
            assertArrayEquals(alice.epochAuthenticator(), g.epochAuthenticator());
        }

        // ---- application messages: mutations, then the genuine one; a replay; a late one -----------
        MlsMessage app = alice.encrypt(utf8("dosage changed"), utf8("ad"));
        mutationsRefused(bob, app, 1, "application message");
        assertArrayEquals(utf8("dosage changed"),
                assertInstanceOf(Processed.ApplicationMessage.class, bob.process(wire(app))).data());
        refusedWithoutChange(bob, "a replayed application message", () -> bob.process(wire(app)));
        refusedWithoutChange(bob, "an application message from a past epoch already read",
                () -> bob.process(wire(early)));

        // ---- proposals ------------------------------------------------------------------------------
        MlsMessage proposal = carol.proposeRemove(alice.ownLeafIndex());
        mutationsRefused(bob, proposal, 2, "proposal");
        refusedWithoutChange(bob, "proposing to remove a leaf that is blank", () -> bob.proposeRemove(99));
        assertInstanceOf(Processed.ProposalMessage.class, bob.process(wire(proposal)));
        assertInstanceOf(Processed.ProposalMessage.class, alice.process(wire(proposal)));

        // ---- commits --------------------------------------------------------------------------------
        PendingCommit discarded = carol.commit(CommitOptions.builder().forcePath(true).build());
        carol.discardPendingCommit();
        PendingCommit commit = alice.commit(CommitOptions.builder().forcePath(true).build());
        mutationsRefused(bob, commit.commit(), 3, "commit");
        StagedCommit atCarol = stage(carol, commit.commit());
        refusedWithoutChange(bob, "merging a commit staged by another group", () -> bob.merge(atCarol));
        refusedWithoutChange(carol, "carol's own discarded commit coming back", () -> carol.process(
                wire(discarded.commit())));
        refusedWithoutChange(bob, "a welcome given to a member", () -> bob.process(wire(add.welcome().orElseThrow())));
        refusedWithoutChange(bob, "merging a pending commit that does not exist", bob::mergePendingCommit);
        refusedWithoutChange(bob, "discarding a pending commit that does not exist", bob::discardPendingCommit);

        // refused commit options, with and without a pending commit of one's own
        CipherSuite otherSuite = BcCipherSuites.of(CipherSuiteId.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448);
        KeyPackageBundle bobAgain = KeyPackageBundle.builder(SUITE, credential("bob"), bobKeys.signatureKeyPair())
                .build();
        List<CommitOptions> refused = List.of(
                CommitOptions.builder().remove(99).build(),
                CommitOptions.builder().add(bobAgain.keyPackage()).build(),
                CommitOptions.builder().add(keyPackage(otherSuite, "dave").keyPackage()).build(),
                CommitOptions.builder().resumptionPsk(77).build(),
                CommitOptions.builder().externalPsk(utf8("unknown psk")).build());
        for (CommitOptions options : refused) {
            refusedWithoutChange(bob, "commit " + options, () -> bob.commit(options));
        }
        bob.commit(CommitOptions.builder().forcePath(true).build());
        refusedWithoutChange(bob, "a second commit while one is pending",
                () -> bob.commit(CommitOptions.defaults()));
        for (CommitOptions options : refused) {
            refusedWithoutChange(bob, "commit with one pending " + options, () -> bob.commit(options));
        }

        // alice's commit wins the epoch: bob's pending commit is dropped by the merge
        StagedCommit atBob = stage(bob, commit.commit());
        bob.merge(atBob);
        carol.merge(atCarol);
        alice.mergePendingCommit();
        refusedWithoutChange(bob, "merging the same staged commit again", () -> bob.merge(atBob));
        refusedWithoutChange(bob, "a commit of the previous epoch", () -> bob.process(wire(commit.commit())));
        refusedWithoutChange(bob, "a proposal of the previous epoch", () -> bob.process(wire(proposal)));
        for (Group g : all) {
            assertArrayEquals(alice.epochAuthenticator(), g.epochAuthenticator());
        }

        // ---- a future epoch: carol is ahead of bob ----------------------------------------------------
        PendingCommit ahead = carol.commit(CommitOptions.defaults());
        StagedCommit staleAtBob = stage(bob, ahead.commit());
        carol.mergePendingCommit();
        MlsMessage fromTheFuture = carol.encrypt(utf8("next epoch"), new byte[0]);
        MlsMessage proposalFromTheFuture = carol.proposeRemove(alice.ownLeafIndex());
        refusedWithoutChange(bob, "an application message of a future epoch", () -> bob.process(wire(fromTheFuture)));
        refusedWithoutChange(bob, "a proposal of a future epoch", () -> bob.process(wire(proposalFromTheFuture)));
        bob.merge(staleAtBob);
        alice.merge(stage(alice, ahead.commit()));
        assertArrayEquals(utf8("next epoch"),
                assertInstanceOf(Processed.ApplicationMessage.class, bob.process(wire(fromTheFuture))).data());

        // ---- Welcomes: mutations refused, the KeyPackage still usable, the genuine one joins ----------
        assertInstanceOf(Processed.ProposalMessage.class, bob.process(wire(proposalFromTheFuture)));
        assertInstanceOf(Processed.ProposalMessage.class, alice.process(wire(proposalFromTheFuture)));
        KeyPackageBundle daveKeys = keyPackage("dave");
        PendingCommit addDave = bob.commit(CommitOptions.builder().includePendingProposals(false)
                .add(daveKeys.keyPackage()).build());
        byte[] welcome = addDave.welcome().orElseThrow().toBytes();
        Random random = new Random(4);
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] bad = welcome.clone();
            bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            assertThrows(MlsException.class, () -> {
                MlsMessage m = MlsMessage.fromBytes(bad);
                Group.join(config, assertInstanceOf(MlsMessage.OfWelcome.class, m).welcome(), daveKeys,
                        Optional.empty());
            }, "welcome mutation " + i);
        }
        assertThrows(ValidationException.class, () -> Group.join(config, welcomeOf(addDave), keyPackage("erin"),
                Optional.empty()), "a Welcome for another KeyPackage");
        bob.mergePendingCommit();
        alice.merge(stage(alice, addDave.commit()));
        carol.merge(stage(carol, addDave.commit()));
        Group dave = Group.join(config, welcomeOf(addDave), daveKeys, Optional.empty());
        for (Group g : List.of(alice, bob, carol)) {
            assertArrayEquals(dave.epochAuthenticator(), g.epochAuthenticator());
        }
        assertTrue(dave.isActive());
    }
}
