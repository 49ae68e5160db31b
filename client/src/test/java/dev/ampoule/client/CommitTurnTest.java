package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.ExternalProposals;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.relay.protocol.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Who commits the relay's proposals, decided by each member from its own view of the group: the
 * lowest leaf among the members no pending proposal removes first, a member being removed never;
 * and how a Commit of them reads (changes by the relay, the removed member's own removal).
 */
class CommitTurnTest {

    private static final CipherSuite SUITE =
            BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    private static final GroupConfig CONFIG = ClientEngine.groupConfig();

    private final SignatureKeyPair relayKeys = SUITE.generateSignatureKeyPair();
    private final ExternalSenders.ExternalSender relay = new ExternalSenders.ExternalSender(relayKeys.publicKey(),
            new Credential.Basic("ampoule-relay".getBytes(StandardCharsets.UTF_8)));

    private static Credential device(String identity) {
        return new Credential.Basic(identity.getBytes(StandardCharsets.UTF_8));
    }

    private static KeyPackageBundle keyPackage(String identity) {
        return KeyPackageBundle.builder(SUITE, device(identity), SUITE.generateSignatureKeyPair()).build();
    }

    private static Welcome welcome(PendingCommit pc) {
        return assertInstanceOf(MlsMessage.OfWelcome.class, pc.welcome().orElseThrow()).welcome();
    }

    /** A team of three devices whose group lists the relay as external sender: leaves 0, 1, 2. */
    private List<Group> team() {
        Group coordinator = Group.create(CONFIG, SUITE, "t-unit".getBytes(StandardCharsets.UTF_8),
                device("coordinator#desk"), SUITE.generateSignatureKeyPair(),
                List.of(new ExternalSenders(List.of(relay)).toExtension()));
        KeyPackageBundle nurse = keyPackage("nurse#tablet");
        KeyPackageBundle patient = keyPackage("patient#phone");
        PendingCommit pc = coordinator.commit(CommitOptions.builder().add(nurse.keyPackage())
                .add(patient.keyPackage()).build());
        coordinator.mergePendingCommit();
        return List.of(coordinator, Group.join(CONFIG, welcome(pc), nurse, Optional.empty()),
                Group.join(CONFIG, welcome(pc), patient, Optional.empty()));
    }

    private void deliver(MlsMessage proposal, List<Group> members) {
        MlsMessage wire = MlsMessage.fromBytes(proposal.toBytes());
        members.forEach(g -> g.process(wire));
    }

    @Test
    void theLowestLeafNotBeingRemovedCommitsAndTheRemovedMemberNever() {
        List<Group> g = team();
        for (Group member : g) {
            assertEquals(List.of(relay), member.publicGroup().externalSenders(), "every member accepts the relay");
            assertFalse(GroupSession.hasRelayProposals(member));
        }
        assertEquals(List.of(0, 1, 2), g.stream().map(GroupSession::commitRank).toList(), "by leaf index");

        // the relay removes the coordinator: the nurse is now first in line, the patient second
        deliver(ExternalProposals.remove(SUITE, g.get(0).groupId(), g.get(0).epoch(), 0, relayKeys.privateKey(), 0),
                g);
        assertEquals(List.of(-1, 0, 1), g.stream().map(GroupSession::commitRank).toList());
        assertTrue(GroupSession.removalPending(g.get(0)));
        assertFalse(GroupSession.removalPending(g.get(1)));
        assertTrue(GroupSession.hasRelayProposals(g.get(2)));

        // and adds the pharmacist: covered by the same Commit
        KeyPackageBundle pharmacist = keyPackage("pharmacist#counter");
        deliver(ExternalProposals.add(SUITE, g.get(0).groupId(), g.get(0).epoch(), 0, relayKeys.privateKey(),
                pharmacist.keyPackage()), g);
        assertEquals(java.util.Set.of(new DeviceId("pharmacist", "counter")), GroupSession.pendingAdditions(g.get(2)));

        PendingCommit commit = g.get(1).commit(CommitOptions.defaults());
        MlsMessage wire = MlsMessage.fromBytes(commit.commit().toBytes());
        StagedCommit atCoordinator = assertInstanceOf(StagedCommit.class, g.get(0).process(wire));
        MembershipChange seenByCoordinator = MembershipChange.of(atCoordinator, 0, this::identify);
        assertTrue(atCoordinator.removesSelf());
        assertTrue(seenByCoordinator.selfRemovedByRelay());
        StagedCommit atPatient = assertInstanceOf(StagedCommit.class, g.get(2).process(wire));
        MembershipChange seenByPatient = MembershipChange.of(atPatient, 2, this::identify);
        assertEquals(List.of(new DeviceId("coordinator", "desk")), seenByPatient.removedByRelay());
        assertEquals(List.of(MemberIdentity.unverified(new DeviceId("pharmacist", "counter"))),
                seenByPatient.addedByRelay());
        assertTrue(seenByPatient.added().isEmpty() && seenByPatient.removed().isEmpty());
        assertFalse(seenByPatient.selfRemovedByRelay());

        g.get(0).merge(atCoordinator);
        g.get(2).merge(atPatient);
        g.get(1).mergePendingCommit();
        assertEquals(Group.Status.REMOVED, g.get(0).status(), "the removed member keeps no new epoch");
        assertTrue(g.get(2).pendingProposals().isEmpty());
        Group joined = Group.join(CONFIG, welcome(commit), pharmacist, Optional.empty());
        assertEquals(g.get(1).epoch(), joined.epoch());
    }

    /** Members as a development-mode client identifies them (basic credentials: unverified). */
    private java.util.Optional<MemberIdentity> identify(dev.ampoule.mls.credential.Credential credential,
            dev.ampoule.mls.crypto.SignaturePublicKey key) {
        return MemberAuthentication.development().identify(credential, key, SUITE.id());
    }
}
