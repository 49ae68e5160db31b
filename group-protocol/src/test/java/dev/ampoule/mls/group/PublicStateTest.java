package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.TestClients.join;
import static dev.ampoule.mls.group.TestClients.keyPackage;
import static dev.ampoule.mls.group.TestClients.wire;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Public states are values: a copy of a group's public state never sees what is added to another
 * copy, and a Commit staged on one copy merges only there.
 */
class PublicStateTest {

    private static PublicMessage publicMessage(MlsMessage m) {
        return assertInstanceOf(MlsMessage.OfPublicMessage.class, wire(m)).message();
    }

    private static List<String> refs(PublicGroup g) {
        return g.pendingProposals().stream().map(p -> p.ref().toString()).toList();
    }

    @Test
    void copiesKeepTheirOwnProposalsAndCommits() {
        Group alice = TestClients.create("alice");
        KeyPackageBundle bob = keyPackage("bob");
        KeyPackageBundle carol = keyPackage("carol");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage()).build());
        alice.mergePendingCommit();
        Group bobGroup = join(add, bob);
        Group carolGroup = join(add, carol);

        PublicGroup relay = alice.publicGroup();
        PublicMessage bobsUpdate = publicMessage(bobGroup.proposeUpdate());
        VerifiedProposal first = relay.processProposal(bobsUpdate);
        PublicGroup fork = relay.copy();
        VerifiedProposal onRelay = relay.processProposal(publicMessage(carolGroup.proposeUpdate()));
        VerifiedProposal onFork = fork.processProposal(publicMessage(alice.proposeRemove(carolGroup.ownLeafIndex())));
        assertEquals(List.of(first.ref().toString(), onRelay.ref().toString()), refs(relay));
        assertEquals(List.of(first.ref().toString(), onFork.ref().toString()), refs(fork));
        // the same proposal again: the same value
        PublicState before = relay.state();
        relay.processProposal(bobsUpdate);
        assertSame(before, relay.state());

        // a Commit staged on the fork merges only into the fork
        MlsMessage commit = carolGroup.commit(CommitOptions.builder().includePendingProposals(false).forcePath(true)
                .build()).commit();
        StagedPublicCommit onTheFork = fork.stageCommit(publicMessage(commit));
        assertEquals(GroupRule.STAGED_COMMIT_STALE,
                assertThrows(ValidationException.class, () -> relay.merge(onTheFork)).rule());
        PublicState relayState = relay.state();
        fork.merge(onTheFork);
        assertSame(relayState, relay.state());
        assertEquals(relay.epoch() + 1, fork.epoch());
        assertEquals(List.of(), fork.pendingProposals());
    }
}
