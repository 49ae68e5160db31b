package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.commitAndDeliver;
import static dev.ampoule.mls.group.TestClients.deliverProposal;
import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.framing.MlsMessage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Group#toBytes()} and {@link Group#restore}: a restored member continues the group. */
class GroupPersistenceTest {

    private static List<Group> threeMembers() {
        Group alice = TestClients.create("alice");
        KeyPackageBundle bob = keyPackage("bob");
        KeyPackageBundle carol = keyPackage("carol");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage()).build());
        alice.mergePendingCommit();
        return List.of(alice, join(add, bob), join(add, carol));
    }

    private static Group reload(Group g) {
        Group restored = Group.restore(g.toBytes(), CONFIG);
        assertEquals(g.epoch(), restored.epoch());
        assertEquals(g.ownLeafIndex(), restored.ownLeafIndex());
        assertArrayEquals(g.epochAuthenticator(), restored.epochAuthenticator());
        assertArrayEquals(g.toBytes(), restored.toBytes());
        return restored;
    }

    @Test
    void restoredMemberContinues() {
        List<Group> g = threeMembers();
        Group alice = g.get(0);
        Group carol = g.get(2);
        MlsMessage early = alice.encrypt(utf8("before the save"), new byte[0]);
        MlsMessage update = g.get(1).proposeUpdate();
        deliverProposal(update, List.of(alice, carol));
        Group bob = reload(g.get(1));

        PendingCommit commit = commitAndDeliver(alice, CommitOptions.defaults(), List.of(bob, carol));
        assertEquals(List.of(bob.ownLeafIndex()), commit.staged().updatedLeaves());
        bob = reload(bob);
        assertArrayEquals(utf8("before the save"),
                assertInstanceOf(Processed.ApplicationMessage.class, bob.process(wire(early))).data());
        commitAndDeliver(bob, CommitOptions.defaults(), List.of(alice, carol));
        MlsMessage hello = bob.encrypt(utf8("after restore"), new byte[0]);
        assertArrayEquals(utf8("after restore"),
                assertInstanceOf(Processed.ApplicationMessage.class, carol.process(wire(hello))).data());
    }

    @Test
    void pendingCommitSurvivesRestore() {
        List<Group> g = threeMembers();
        KeyPackageBundle dave = keyPackage("dave");
        PendingCommit pending = g.get(0).commit(CommitOptions.builder().add(dave.keyPackage())
                .remove(g.get(2).ownLeafIndex()).build());
        Group alice = Group.restore(g.get(0).toBytes(), CONFIG);
        assertTrue(alice.pendingCommit().isPresent());
        // The echo of the pending commit is recognised after the restore too.
        StagedCommit echoed = assertInstanceOf(StagedCommit.class, alice.process(wire(pending.commit())));
        alice.merge(echoed);
        Group bob = g.get(1);
        bob.merge(assertInstanceOf(StagedCommit.class, bob.process(wire(pending.commit()))));
        Group daveGroup = join(pending, dave);
        assertArrayEquals(bob.epochAuthenticator(), alice.epochAuthenticator());
        assertArrayEquals(bob.epochAuthenticator(), daveGroup.epochAuthenticator());
        commitAndDeliver(alice, CommitOptions.defaults(), List.of(bob, daveGroup));
    }

    @Test
    void pendingExternalJoinSurvivesRestore() {
        List<Group> g = threeMembers();
        ExternalJoin join = Group.joinExternal(CONFIG, g.get(0).groupInfo(true), java.util.Optional.empty(),
                TestClients.credential("erin"), TestClients.SUITE.generateSignatureKeyPair(),
                ExternalJoinOptions.defaults());
        Group erin = Group.restore(join.group().toBytes(), CONFIG);
        assertEquals(Group.Status.EXTERNAL_JOIN_PENDING, erin.status());
        for (Group member : g) {
            member.merge(assertInstanceOf(StagedCommit.class, member.process(wire(join.commit()))));
        }
        erin.mergePendingCommit();
        assertArrayEquals(g.get(0).epochAuthenticator(), erin.epochAuthenticator());
    }

    @Test
    void malformedStateIsADecodeError() {
        byte[] saved = threeMembers().get(1).toBytes();
        byte[] badMagic = saved.clone();
        badMagic[0] ^= 1;
        assertThrows(DecodeException.class, () -> Group.restore(badMagic, CONFIG));
        assertThrows(DecodeException.class, () -> Group.restore(Arrays.copyOf(saved, saved.length - 1), CONFIG));
        byte[] trailing = Arrays.copyOf(saved, saved.length + 1);
        assertThrows(DecodeException.class, () -> Group.restore(trailing, CONFIG));
        byte[] badVersion = saved.clone();
        badVersion[8] = 9;
        assertThrows(DecodeException.class, () -> Group.restore(badVersion, CONFIG));
        for (int cut = 0; cut < saved.length; cut += Math.max(1, saved.length / 300)) {
            byte[] truncated = Arrays.copyOf(saved, cut);
            assertThrows(DecodeException.class, () -> Group.restore(truncated, CONFIG), "cut at " + cut);
        }
        // A flipped bit either leaves a state that restores or is refused as malformed, never more.
        for (int at = 0; at < saved.length; at += Math.max(1, saved.length / 300)) {
            byte[] flipped = saved.clone();
            flipped[at] ^= 0x10;
            try {
                Group.restore(flipped, CONFIG);
            } catch (DecodeException expected) {
                // refused
            }
        }
        PublicGroup relay = threeMembers().get(0).publicGroup();
        byte[] publicState = relay.toBytes();
        assertArrayEquals(publicState, PublicGroup.restore(publicState, CONFIG).toBytes());
        assertThrows(DecodeException.class, () -> PublicGroup.restore(saved, CONFIG));
    }
}
