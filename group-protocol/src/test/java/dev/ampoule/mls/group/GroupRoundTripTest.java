package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.utf8;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.framing.MlsMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Create, add by Welcome, commit, process and exchange application messages, suite 1. */
class GroupRoundTripTest {

    @Test
    void threeMembersAgreeAndExchangeMessages() {
        Group alice = TestClients.create("alice");
        KeyPackageBundle bob = keyPackage("bob");
        KeyPackageBundle carol = keyPackage("carol");

        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage()).build());
        assertEquals(2, add.staged().addedMembers().size());
        assertEquals(0, alice.epoch());
        alice.mergePendingCommit();
        assertEquals(1, alice.epoch());
        Group bobGroup = join(add, bob);
        Group carolGroup = join(add, carol);
        assertArrayEquals(alice.epochAuthenticator(), bobGroup.epochAuthenticator());
        assertArrayEquals(alice.epochAuthenticator(), carolGroup.epochAuthenticator());
        assertEquals(3, bobGroup.members().size());

        MlsMessage hello = alice.encrypt(utf8("hello"), utf8("ad"));
        for (Group g : List.of(bobGroup, carolGroup)) {
            Processed p = g.process(wire(hello));
            Processed.ApplicationMessage app = assertInstanceOf(Processed.ApplicationMessage.class, p);
            assertArrayEquals(utf8("hello"), app.data());
            assertArrayEquals(utf8("ad"), app.authenticatedData());
            assertEquals(0, app.senderLeaf());
        }

        // Bob commits an empty commit (path update); Alice and Carol process it.
        PendingCommit update = bobGroup.commit(CommitOptions.defaults());
        for (Group g : List.of(alice, carolGroup)) {
            StagedCommit staged = assertInstanceOf(StagedCommit.class, g.process(wire(update.commit())));
            g.merge(staged);
        }
        bobGroup.mergePendingCommit();
        assertEquals(2, bobGroup.epoch());
        assertArrayEquals(alice.epochAuthenticator(), bobGroup.epochAuthenticator());
        assertArrayEquals(alice.epochAuthenticator(), carolGroup.epochAuthenticator());
        assertArrayEquals(alice.exporter("test", utf8("ctx"), 32), carolGroup.exporter("test", utf8("ctx"), 32));

        MlsMessage fromCarol = carolGroup.encrypt(utf8("from carol"), new byte[0]);
        for (Group g : List.of(alice, bobGroup)) {
            Processed.ApplicationMessage app = assertInstanceOf(Processed.ApplicationMessage.class,
                    g.process(wire(fromCarol)));
            assertArrayEquals(utf8("from carol"), app.data());
        }
        assertTrue(alice.isActive());
    }

    @Test
    void twoMembersEpochZeroGroupInfoAndEcho() {
        Group alice = TestClients.create("alice");
        KeyPackageBundle bob = keyPackage("bob");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).build());
        // The Delivery Service echoes the commit back to its sender.
        StagedCommit echoed = assertInstanceOf(StagedCommit.class, alice.process(wire(add.commit())));
        alice.merge(echoed);
        Group bobGroup = join(add, bob);
        assertArrayEquals(alice.epochAuthenticator(), bobGroup.epochAuthenticator());
    }
}
