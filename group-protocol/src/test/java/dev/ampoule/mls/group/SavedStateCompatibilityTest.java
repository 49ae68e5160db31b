package dev.ampoule.mls.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.framing.MlsMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * States saved before a member's epoch became one {@link EpochState} restore, save to the same
 * bytes, and go on working. The files under {@code src/test/resources/saved-state-v1} were written
 * by the earlier code: a three-member group in epoch 2 with history (a past epoch, two resumption
 * PSKs), Bob's state with two cached Update proposals (one his own, with its private leaf key) and a
 * pending Commit, Alice's state with the same proposals, the relay's {@link PublicGroup}, and an
 * application message of Alice that Bob has not read yet.
 */
class SavedStateCompatibilityTest {

    /** Leaf lifetimes are not checked: the files are older than the test run. */
    private static final GroupConfig CONFIG = GroupConfig.builder()
            .authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
            .verifyLifetimes(false)
            .build();

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = SavedStateCompatibilityTest.class.getResourceAsStream("/saved-state-v1/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void savedMembersAndRelayRestoreSaveAlikeAndContinue() throws IOException {
        byte[] savedBob = fixture("bob.group");
        byte[] savedAlice = fixture("alice.group");
        byte[] savedRelay = fixture("relay.public");
        Group bob = Group.restore(savedBob, CONFIG);
        Group alice = Group.restore(savedAlice, CONFIG);
        PublicGroup relay = PublicGroup.restore(savedRelay, CONFIG);
        assertArrayEquals(savedBob, bob.toBytes(), "bob's state saves to the same bytes");
        assertArrayEquals(savedAlice, alice.toBytes(), "alice's state saves to the same bytes");
        assertArrayEquals(savedRelay, relay.toBytes(), "the relay's state saves to the same bytes");

        assertEquals(2, bob.epoch());
        assertEquals(List.of(1L), bob.retainedPastEpochs());
        assertEquals(List.of(1L, 2L), bob.retainedResumptionEpochs());
        assertEquals(2, bob.pendingProposals().size());
        assertTrue(bob.pendingCommit().isPresent());
        assertArrayEquals(alice.epochAuthenticator(), bob.epochAuthenticator());
        assertEquals(alice.members(), bob.members());

        Processed.ApplicationMessage unread = assertInstanceOf(Processed.ApplicationMessage.class,
                bob.process(MlsMessage.fromBytes(fixture("unread.message"))));
        assertArrayEquals("read me after restoring".getBytes(StandardCharsets.UTF_8), unread.data());

        // Bob's pending Commit, restored with its secrets, is the one the earlier code computed.
        MlsMessage commit = MlsMessage.fromBytes(bob.pendingCommit().orElseThrow().commit().toBytes());
        alice.merge(assertInstanceOf(StagedCommit.class, alice.process(commit)));
        relay.merge(relay.stageCommit(assertInstanceOf(MlsMessage.OfPublicMessage.class, commit).message()));
        bob.mergePendingCommit();
        byte[] expected = fixture("epoch-authenticator-after-bobs-commit");
        assertArrayEquals(expected, alice.epochAuthenticator());
        assertArrayEquals(expected, bob.epochAuthenticator());
        assertEquals(3, relay.epoch());
        assertArrayEquals(alice.groupContext().toBytes(), relay.groupContext().toBytes());
        assertEquals(List.of(1L, 2L), bob.retainedPastEpochs());
        assertEquals(List.of(1L, 2L, 3L), bob.retainedResumptionEpochs());

        MlsMessage next = bob.encrypt("after the restore".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertArrayEquals("after the restore".getBytes(StandardCharsets.UTF_8), assertInstanceOf(
                Processed.ApplicationMessage.class, alice.process(MlsMessage.fromBytes(next.toBytes()))).data());
    }
}
