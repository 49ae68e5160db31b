package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.commitAndDeliver;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.deliverProposal;
import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.group.LeafValidation.CredentialSummary;
import dev.ampoule.mls.tree.Capabilities;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The members' credential summary (RFC 9420 §7.3, §13.3) carried from epoch to epoch with the
 * leaves each Commit changes equals the one computed from all leaves of the new tree.
 */
class CredentialSummaryTest {

    private static void assertCarriedSummaryExact(Group g) {
        CredentialSummary carried = g.state().pub().summary();
        CredentialSummary full = CredentialSummary.of(g.state().pub().tree());
        assertEquals(full.inUse(), carried.inUse());
        assertEquals(full.supportedByAll(), carried.supportedByAll());
    }

    @Test
    void followsAddsRemovesUpdatesAndExternalJoins() {
        Group alice = TestClients.create("alice");
        Capabilities basicOnly = new Capabilities(List.of(Capabilities.MLS10), List.of(SUITE.id().wire()), List.of(),
                List.of(), List.of(Credential.BASIC));
        KeyPackageBundle bob = KeyPackageBundle.builder(SUITE, credential("bob"), SUITE.generateSignatureKeyPair())
                .capabilities(basicOnly).build();
        KeyPackageBundle carol = keyPackage("carol");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage()).build());
        alice.mergePendingCommit();
        assertCarriedSummaryExact(alice);
        assertEquals(Set.of(Credential.BASIC), alice.state().pub().summary().supportedByAll());
        Group bobGroup = join(add, bob);
        Group carolGroup = join(add, carol);
        assertCarriedSummaryExact(carolGroup);

        // Bob's Update, committed by Carol; then an empty Commit.
        deliverProposal(bobGroup.proposeUpdate(), List.of(alice, carolGroup));
        commitAndDeliver(carolGroup, CommitOptions.defaults(), List.of(alice, bobGroup));
        commitAndDeliver(alice, CommitOptions.defaults(), List.of(bobGroup, carolGroup));
        for (Group g : List.of(alice, bobGroup, carolGroup)) {
            assertCarriedSummaryExact(g);
        }

        // Removing the only member without X.509 support widens what all members support.
        commitAndDeliver(alice, CommitOptions.builder().remove(bobGroup.ownLeafIndex()).build(),
                List.of(bobGroup, carolGroup));
        assertCarriedSummaryExact(alice);
        assertEquals(Set.of(Credential.BASIC, Credential.X509), alice.state().pub().summary().supportedByAll());

        // An external joiner takes the freed leaf.
        ExternalJoin dave = Group.joinExternal(CONFIG, alice.groupInfo(true), Optional.empty(), credential("dave"),
                SUITE.generateSignatureKeyPair(), ExternalJoinOptions.defaults());
        for (Group g : List.of(alice, carolGroup)) {
            g.merge(assertInstanceOf(StagedCommit.class, g.process(wire(dave.commit()))));
            assertCarriedSummaryExact(g);
        }
        assertEquals(3, alice.members().size());
    }
}
