package dev.ampoule.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.loadtest.DeliveryVerifier.Delivery;
import org.junit.jupiter.api.Test;

/** The verifier, fed synthetic events: it passes a clean run and catches each kind of wrong delivery. */
class DeliveryVerifierTest {

    /** A group whose load starts after seq 10, two devices; messages k = 100… accepted as seq 11…. */
    private final DeliveryVerifier verifier = new DeliveryVerifier();
    private final DeliveryVerifier.Ledger group = verifier.ledger(0, 10);
    private final DeliveryVerifier.Stream a = verifier.stream(0, group);
    private final DeliveryVerifier.Stream b = verifier.stream(1, group);

    private void accept(int n) {
        for (int i = 1; i <= n; i++) {
            group.accepted(10 + i, 100 + i);
        }
    }

    private static void deliver(DeliveryVerifier.Stream s, long... seqs) {
        for (long seq : seqs) {
            s.delivered(seq, 100 + seq - 10);
        }
    }

    @Test
    void everyMessageOnceInOrderPasses() {
        accept(3);
        deliver(a, 11, 12, 13);
        deliver(b, 11, 12, 13);
        assertTrue(verifier.caughtUp());
        DeliveryVerifier.Verdict v = verifier.finish();
        assertTrue(v.passed(), v.toString());
        assertEquals(3, v.sequenced());
        assertEquals(6, v.expectedDeliveries());
    }

    @Test
    void aLostDeliveryFails() {
        accept(3);
        deliver(a, 11, 12, 13);
        deliver(b, 11, 13); // 12 never reaches device 1
        assertFalse(verifier.caughtUp());
        DeliveryVerifier.Verdict v = verifier.finish();
        assertFalse(v.passed());
        assertEquals(1, v.lost());
        assertEquals(0, v.duplicated());
        assertTrue(v.examples().stream().anyMatch(e -> e.contains("device 1") && e.contains("first seq 12")), v.examples()::toString);
    }

    @Test
    void aMessageAcceptedButDeliveredToNobodyIsLostEverywhere() {
        accept(2);
        deliver(a, 11);
        deliver(b, 11);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(2, v.lost());
    }

    @Test
    void aDuplicateOnOneConnectionFails() {
        accept(2);
        deliver(a, 11, 12);
        assertEquals(Delivery.DUPLICATE, a.delivered(12, 102));
        deliver(b, 11, 12);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertFalse(v.passed());
        assertEquals(1, v.duplicated());
        assertEquals(0, v.lost());
    }

    @Test
    void anAcknowledgedMessageDeliveredAgainAfterReconnectingFails() {
        accept(3);
        deliver(a, 11, 12);
        a.ackConfirmed(12);
        a.connectionStarted();
        assertEquals(Delivery.DUPLICATE, a.delivered(12, 102));
        deliver(a, 13);
        deliver(b, 11, 12, 13);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(1, v.duplicated());
        assertFalse(v.passed());
    }

    @Test
    void anUnacknowledgedMessageDeliveredAgainAfterReconnectingIsAllowed() {
        accept(3);
        deliver(a, 11, 12);
        a.ackConfirmed(11);
        a.connectionStarted();
        assertEquals(Delivery.REDELIVERED, a.delivered(12, 102));
        assertEquals(Delivery.FIRST, a.delivered(13, 103));
        deliver(b, 11, 12, 13);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertTrue(v.passed(), v.toString());
        assertEquals(1, v.redelivered());
    }

    @Test
    void aMisorderedDeliveryFails() {
        accept(3);
        deliver(a, 11, 13);
        assertEquals(Delivery.FIRST_MISORDERED, a.delivered(12, 102));
        deliver(b, 11, 12, 13);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertFalse(v.passed());
        assertEquals(1, v.misordered());
        assertEquals(0, v.lost());
        assertEquals(0, v.duplicated());
    }

    @Test
    void anotherMessageUnderAnAcceptedSequenceNumberFails() {
        accept(2);
        deliver(a, 11);
        a.delivered(12, 999); // the sender was told seq 12 is message 102
        deliver(b, 11, 12);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertFalse(v.passed());
        assertEquals(1, v.mismatched());
    }

    @Test
    void misroutedCorruptAndUndecryptableDeliveriesFail() {
        accept(1);
        deliver(a, 11);
        deliver(b, 11);
        assertTrue(verifier.finish().passed());
        verifier.misrouted(0, "a delivery for another group");
        verifier.corrupt(1, "no load message");
        verifier.undecryptable(1, "bad tag");
        DeliveryVerifier.Verdict v = verifier.finish();
        assertFalse(v.passed());
        assertEquals(1, v.misrouted());
        assertEquals(1, v.corrupt());
        assertEquals(1, v.undecryptable());
    }

    // ---- membership churn: a device is owed what was sequenced while it was a member ----------------

    /** Messages 11-12, device 1 removed by the Commit at 13, messages 14-15, added back by the Commit at 16, message 17. */
    private void churn() {
        accept(2);
        group.committed(13);
        b.removed(13);
        group.accepted(14, 104);
        group.accepted(15, 105);
        group.committed(16);
        b.added(16);
        group.accepted(17, 107);
    }

    private static void deliverChurned(DeliveryVerifier.Stream s, long... seqs) {
        for (long seq : seqs) {
            s.delivered(seq, seq == 13 || seq == 16 ? DeliveryVerifier.COMMIT : 100 + seq - 10);
        }
    }

    /** Message 11, device 1 removed by the Commit at 12 and not added back, message 13; delivered up to 12 to it, all to device 0. */
    private void removedForGood() {
        accept(1);
        group.committed(12);
        b.removed(12);
        group.accepted(13, 103);
        deliverChurned(a, 11);
        a.delivered(12, DeliveryVerifier.COMMIT);
        a.delivered(13, 103);
        deliverChurned(b, 11);
        b.delivered(12, DeliveryVerifier.COMMIT);
    }

    @Test
    void aRemovedDeviceIsOwedUpToItsRemovalAndFromAfterItsReAdd() {
        churn();
        deliverChurned(a, 11, 12, 13, 14, 15, 16, 17);
        deliverChurned(b, 11, 12, 13, 17); // the removing Commit included; nothing of (13, 16]
        b.welcomed(16);
        assertTrue(verifier.caughtUp());
        assertEquals(17, b.contiguous(), "the gap is passed: the device may acknowledge 17");
        DeliveryVerifier.Verdict v = verifier.finish();
        assertTrue(v.passed(), v.toString());
        assertEquals(7, v.sequenced());
        assertEquals(7 + 4, v.expectedDeliveries());
    }

    @Test
    void aDeliveryWhileOutOfTheGroupIsMisrouted() {
        churn();
        deliverChurned(a, 11, 12, 13, 14, 15, 16, 17);
        deliverChurned(b, 11, 12, 13, 14, 17); // 14 was sequenced while device 1 was out
        DeliveryVerifier.Verdict v = verifier.finish();
        assertFalse(v.passed());
        assertEquals(1, v.misrouted());
        assertEquals(0, v.lost());
        assertTrue(v.examples().stream().anyMatch(e -> e.contains("device 1") && e.contains("seq 14")
                && e.contains("out of the group")), v.examples()::toString);
    }

    @Test
    void theAddingCommitItselfIsNotForTheAddedDevice() {
        churn();
        deliverChurned(a, 11, 12, 13, 14, 15, 16, 17);
        deliverChurned(b, 11, 12, 13, 16, 17);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(1, v.misrouted());
    }

    @Test
    void aDeliveryAfterARemovalWithoutReAddIsMisrouted() {
        removedForGood();
        b.delivered(13, 103);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(1, v.misrouted());
        assertEquals(0, v.mismatched());
        assertEquals(0, v.lost());
        assertEquals(3 + 2, v.expectedDeliveries());
    }

    @Test
    void aMissingDeliveryWithinMembershipIsLost() {
        churn();
        deliverChurned(a, 11, 12, 13, 14, 15, 16, 17);
        deliverChurned(b, 11, 12, 17); // the removing Commit (13) never reached device 1
        assertFalse(verifier.caughtUp());
        assertEquals(12, b.contiguous(), "no acknowledgement past what is missing");
        DeliveryVerifier.Verdict v = verifier.finish();
        assertFalse(v.passed());
        assertEquals(1, v.lost());
        assertEquals(0, v.misrouted());
        assertTrue(v.examples().stream().anyMatch(e -> e.contains("device 1") && e.contains("first seq 13")),
                v.examples()::toString);
    }

    @Test
    void aMessageAfterTheReAddNeverDeliveredIsLost() {
        churn();
        deliverChurned(a, 11, 12, 13, 14, 15, 16, 17);
        deliverChurned(b, 11, 12, 13);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(1, v.lost());
        assertTrue(v.examples().stream().anyMatch(e -> e.contains("first seq 17")), v.examples()::toString);
    }

    @Test
    void whileOutTheDeviceIsOwedNothingAndAcknowledgesNoFurtherThanItsRemoval() {
        removedForGood();
        assertTrue(verifier.caughtUp(), "13, sequenced while device 1 is out, is not awaited");
        assertEquals(12, b.contiguous(), "the gap is still open: a later re-add may come before 13's successors");
        assertTrue(verifier.finish().passed());
    }

    @Test
    void aWelcomeNamingNoAddingCommitIsAMismatch() {
        churn();
        deliverChurned(a, 11, 12, 13, 14, 15, 16, 17);
        deliverChurned(b, 11, 12, 13, 17);
        b.welcomed(15);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(1, v.mismatched());
    }

    @Test
    void aCommitDeliveredUnderAMessagesSequenceNumberIsAMismatch() {
        churn();
        a.delivered(11, DeliveryVerifier.COMMIT);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(1, v.mismatched());
        assertTrue(v.examples().stream().anyMatch(e -> e.contains("a Commit")), v.examples()::toString);
    }

    // ---- roster removal: the device is cut off somewhere between the DELETE and the relay's proposal --

    /**
     * Messages 11-12 known when device 1's user is taken off the roster (low = 12), messages 13-14
     * sequenced around the cut, the relay's Remove proposal at 15, the Commit of it at 16, message
     * 17, the Add proposal at 18, the Commit adding device 1 back at 19, message 20.
     */
    private void rosterChurn() {
        accept(2);
        b.cutOff(12);
        group.accepted(13, 103);
        group.accepted(14, 104);
        b.proposedRemoval(15);
        group.committed(16);
        group.accepted(17, 107);
        group.committed(19);
        b.added(19);
        group.accepted(20, 110);
    }

    private static void deliverRoster(DeliveryVerifier.Stream s, long... seqs) {
        for (long seq : seqs) {
            s.delivered(seq, seq == 15 || seq == 18 ? DeliveryVerifier.PROPOSAL
                    : seq == 16 || seq == 19 ? DeliveryVerifier.COMMIT : 100 + seq - 10);
        }
    }

    @Test
    void aCutOffDeviceIsOwedAPrefixUpToTheProposalAndFromAfterItsReAdd() {
        rosterChurn();
        deliverRoster(a, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        deliverRoster(b, 11, 12, 13, 20); // cut after 13 (stored before the removal), 14 after it
        b.welcomed(19);
        assertTrue(verifier.caughtUp());
        assertEquals(20, b.contiguous(), "past the closed gap (13, 19]");
        DeliveryVerifier.Verdict v = verifier.finish();
        assertTrue(v.passed(), v.toString());
        assertEquals(10, v.sequenced());
        assertEquals(10 + 3 + 1, v.expectedDeliveries());
    }

    @Test
    void aCutOffDeviceMayGetNothingAfterWhatWasKnownBeforeTheRemoval() {
        rosterChurn();
        deliverRoster(a, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        deliverRoster(b, 11, 12, 20);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertTrue(v.passed(), v.toString());
        assertEquals(10 + 2 + 1, v.expectedDeliveries());
    }

    @Test
    void aGapBelowTheCutIsLost() {
        rosterChurn();
        deliverRoster(a, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        deliverRoster(b, 11, 13, 14, 20); // 14 delivered: the cut is after it, so 12 was owed
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(1, v.lost(), v.toString());
        assertEquals(0, v.misrouted());
    }

    @Test
    void theRemoveProposalOrAnythingAfterItIsMisroutedToTheCutOffDevice() {
        rosterChurn();
        deliverRoster(a, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
        deliverRoster(b, 11, 12, 13, 14, 15, 17, 20);
        DeliveryVerifier.Verdict v = verifier.finish();
        assertEquals(2, v.misrouted(), v.toString());
        assertEquals(0, v.lost());
        assertTrue(v.examples().stream().anyMatch(e -> e.contains("device 1") && e.contains("seq 15")),
                v.examples()::toString);
    }

    @Test
    void whileCutOffTheDeviceAcknowledgesNoFurtherThanWhatItGot() {
        accept(2);
        b.cutOff(12);
        group.accepted(13, 103);
        b.proposedRemoval(14);
        deliverRoster(a, 11, 12, 13, 14);
        deliverRoster(b, 11, 12);
        assertEquals(12, b.contiguous());
        assertTrue(verifier.caughtUp(), "13 may have been stored after the cut: not awaited");
        deliverRoster(b, 13);
        assertEquals(13, b.contiguous(), "the gap is open: no acknowledgement past what the device got");
        assertTrue(verifier.caughtUp());
        DeliveryVerifier.Verdict v = verifier.finish();
        assertTrue(v.passed(), v.toString());
        assertEquals(4 + 3, v.expectedDeliveries());
    }

    @Test
    void beforeTheRemoveProposalIsKnownTheCutFollowsWhatTheDeviceGot() {
        accept(2);
        deliverRoster(b, 11);
        b.cutOff(12);
        assertEquals(11, b.contiguous(), "12 was sequenced before the removal: owed");
        deliverRoster(b, 12);
        group.accepted(13, 103);
        deliverRoster(b, 13);
        assertEquals(13, b.contiguous());
        b.proposedRemoval(14);
        deliverRoster(a, 11, 12, 13, 14);
        assertTrue(verifier.caughtUp());
        DeliveryVerifier.Verdict v = verifier.finish();
        assertTrue(v.passed(), v.toString());
        assertEquals(4 + 3, v.expectedDeliveries());
    }

    @Test
    void aRemoveProposalWithoutACutOffIsAMismatch() {
        accept(2);
        b.proposedRemoval(13);
        assertEquals(1, verifier.finish().mismatched());
    }
}
