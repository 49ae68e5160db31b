package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.framing.MlsMessage;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Corrupted handshake and application messages fail with an {@link MlsException} only, and leave the
 * group as it was: the genuine message still processes afterwards.
 */
class GroupFuzzTest {

    @Test
    void corruptedMessagesAreRefusedCleanly() {
        Group alice = TestClients.create("alice");
        KeyPackageBundle bob = keyPackage("bob");
        KeyPackageBundle carol = keyPackage("carol");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage()).build());
        alice.mergePendingCommit();
        Group bobGroup = join(add, bob);
        Group carolGroup = join(add, carol);

        MlsMessage app = alice.encrypt(utf8("payload"), utf8("ad"));
        corrupt(bobGroup, app);
        assertArrayEquals(utf8("payload"),
                assertInstanceOf(Processed.ApplicationMessage.class, bobGroup.process(app)).data());

        MlsMessage proposal = carolGroup.proposeUpdate();
        corrupt(bobGroup, proposal);
        bobGroup.process(proposal);
        alice.process(proposal);
        PendingCommit commit = alice.commit(CommitOptions.builder().add(keyPackage("dave").keyPackage()).build());
        corrupt(bobGroup, commit.commit());
        bobGroup.merge(assertInstanceOf(StagedCommit.class, bobGroup.process(commit.commit())));
        alice.mergePendingCommit();
        assertArrayEquals(alice.epochAuthenticator(), bobGroup.epochAuthenticator());

        MlsMessage welcome = commit.welcome().orElseThrow();
        byte[] bytes = welcome.toBytes();
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            byte[] bad = bytes.clone();
            bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            try {
                MlsMessage m = MlsMessage.fromBytes(bad);
                if (m instanceof MlsMessage.OfWelcome w) {
                    Group.join(TestClients.CONFIG, w.welcome(), keyPackage("nobody"), java.util.Optional.empty());
                }
            } catch (MlsException expected) {
                // refused
            }
        }
    }

    private static void corrupt(Group receiver, MlsMessage genuine) {
        long epoch = receiver.epoch();
        byte[] bytes = genuine.toBytes();
        Random random = new Random(bytes.length);
        int refused = 0;
        for (int i = 0; i < 400; i++) {
            byte[] bad = bytes.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                bad[random.nextInt(bad.length)] ^= (byte) (1 << random.nextInt(8));
            }
            try {
                Processed p = receiver.process(MlsMessage.fromBytes(bad));
                // A flip in the padding or an unauthenticated-but-harmless spot cannot yield a commit.
                assertEquals(false, p instanceof StagedCommit, "a corrupted commit was staged");
            } catch (MlsException expected) {
                refused++;
            }
            assertEquals(epoch, receiver.epoch());
        }
        assertEquals(true, refused > 300, "most corruptions must be refused: " + refused);
    }
}
