package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.commitAndDeliver;
import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.schedule.RatchetWindow;
import dev.ampoule.mls.schedule.ScheduleRule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Out-of-order application messages within an epoch, and late ones from retained past epochs (§15.3). */
class LateMessagesTest {

    private static List<Group> pair(GroupConfig config) {
        Group alice = TestClients.create(config, "alice");
        KeyPackageBundle bob = keyPackage("bob");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).build());
        alice.mergePendingCommit();
        return List.of(alice, join(config, add, bob));
    }

    private static byte[] read(Group g, MlsMessage m) {
        return assertInstanceOf(Processed.ApplicationMessage.class, g.process(wire(m))).data();
    }

    @Test
    void reorderedWithinTheWindowDecryptOnce() {
        GroupConfig config = CONFIG.toBuilder().ratchetWindow(new RatchetWindow(4, 100)).build();
        List<Group> g = pair(config);
        List<MlsMessage> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sent.add(g.get(0).encrypt(utf8("m" + i), new byte[0]));
        }
        assertArrayEquals(utf8("m5"), read(g.get(1), sent.get(5)));
        for (int i = 4; i >= 1; i--) {
            assertArrayEquals(utf8("m" + i), read(g.get(1), sent.get(i)));
        }
        ValidationException tooOld = assertThrows(ValidationException.class, () -> g.get(1).process(wire(sent.get(0))));
        assertEquals(ScheduleRule.GENERATION_TOO_OLD, tooOld.rule());
        ValidationException replay = assertThrows(ValidationException.class, () -> g.get(1).process(wire(sent.get(3))));
        assertEquals(ScheduleRule.GENERATION_CONSUMED, replay.rule());
        ValidationException echo = assertThrows(ValidationException.class, () -> g.get(0).process(wire(sent.get(5))));
        assertEquals(ScheduleRule.GENERATION_CONSUMED, echo.rule());
    }

    @Test
    void retainedPastEpochsThenDestroyed() {
        List<Group> g = pair(CONFIG);
        Group alice = g.get(0);
        Group bob = g.get(1);
        MlsMessage atEpoch1 = alice.encrypt(utf8("epoch 1"), new byte[0]);
        commitAndDeliver(alice, CommitOptions.defaults(), List.of(bob));
        MlsMessage atEpoch2 = alice.encrypt(utf8("epoch 2"), new byte[0]);
        commitAndDeliver(bob, CommitOptions.defaults(), List.of(alice));
        assertEquals(3, bob.epoch());
        assertEquals(List.of(1L, 2L), bob.retainedPastEpochs());
        assertArrayEquals(utf8("epoch 1"), read(bob, atEpoch1));
        assertArrayEquals(utf8("epoch 2"), read(bob, atEpoch2));

        MlsMessage lateAtEpoch2 = alice.encrypt(utf8("ignored"), new byte[0]);
        MlsMessage secondAtEpoch1 = atEpoch1;
        commitAndDeliver(alice, CommitOptions.defaults(), List.of(bob));
        assertEquals(List.of(2L, 3L), bob.retainedPastEpochs());
        ValidationException gone = assertThrows(ValidationException.class, () -> bob.process(wire(secondAtEpoch1)));
        assertEquals(GroupRule.EPOCH_NOT_AVAILABLE, gone.rule());
        assertArrayEquals(utf8("ignored"), read(bob, lateAtEpoch2));
    }

    @Test
    void noRetentionAndNoPastHandshakes() {
        GroupConfig config = CONFIG.toBuilder().pastEpochs(0).handshakeFormat(WireFormat.PRIVATE_MESSAGE).build();
        List<Group> g = pair(config);
        Group alice = g.get(0);
        Group bob = g.get(1);
        MlsMessage late = alice.encrypt(utf8("late"), new byte[0]);
        MlsMessage staleProposal = alice.proposeRemove(bob.ownLeafIndex());
        commitAndDeliver(bob, CommitOptions.defaults(), List.of(alice));
        assertEquals(List.of(), bob.retainedPastEpochs());
        assertEquals(GroupRule.EPOCH_NOT_AVAILABLE,
                assertThrows(ValidationException.class, () -> bob.process(wire(late))).rule());
        assertEquals(GroupRule.EPOCH_NOT_AVAILABLE,
                assertThrows(ValidationException.class, () -> bob.process(wire(staleProposal))).rule());
    }

    @Test
    void handshakeOfARetainedEpochIsRefused() {
        GroupConfig config = CONFIG.toBuilder().handshakeFormat(WireFormat.PRIVATE_MESSAGE).build();
        List<Group> g = pair(config);
        MlsMessage staleProposal = g.get(0).proposeRemove(g.get(1).ownLeafIndex());
        commitAndDeliver(g.get(1), CommitOptions.defaults(), List.of(g.get(0)));
        assertEquals(GroupRule.HANDSHAKE_FROM_PAST_EPOCH,
                assertThrows(ValidationException.class, () -> g.get(1).process(wire(staleProposal))).rule());
    }
}
