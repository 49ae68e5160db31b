package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Convergence;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.client.support.Relays;
import dev.ampoule.relay.support.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two members commit in the same epoch at once: the relay accepts exactly one Commit per epoch;
 * the loser processes the winner's Commit, rebuilds its own on the new epoch and succeeds; every
 * member ends in the same state.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CommitRaceTest {

    /** Members remove each other in these ad hoc groups (a relay without rosters). */
    @RegisterExtension
    final RelayExtension e2e = RelayExtension.adHoc();

    @Test
    void twoCommitsBuiltOnTheSameEpochExactlyOneWinsAndAllConverge() {
        RelayFixture relay = e2e.relay();
        Party coordinator = e2e.party("coordinator", "desk");
        Party practitioner = e2e.party("practitioner", "laptop");
        e2e.party("patient", "phone");
        Party pharmacist = e2e.party("pharmacist", "counter");
        Party caregiver = e2e.party("caregiver", "phone");
        GroupId team = RelayExtension.team(coordinator, "care-team-race", e2e.parties());
        long epoch = coordinator.client.group(team).join().epoch();
        assertEquals(epoch, practitioner.client.group(team).join().epoch());

        // both build their Commit on the same epoch while the relay is away, then race when it is back:
        // the relay starts only once each has saved its pending Commit (a client saves it before sending),
        // else the first sent could reach the other before it built its own on the old epoch
        relay.stop();
        CompletableFuture<CommitResult> a = coordinator.client.removeMembers(team, List.of("pharmacist"));
        CompletableFuture<CommitResult> b = practitioner.client.removeMembers(team, List.of("caregiver"));
        Poll.until("both Commits built on epoch " + epoch, Duration.ofSeconds(60),
                () -> pendingCommit(coordinator, team, epoch) && pendingCommit(practitioner, team, epoch));
        relay.start();
        CommitResult ra = a.join();
        CommitResult rb = b.join();

        assertTrue(ra.changed() && rb.changed());
        assertEquals(Set.of(0, 1), Set.of(ra.conflicts(), rb.conflicts()), "exactly one won the epoch at once");
        CommitResult winner = ra.conflicts() == 0 ? ra : rb;
        CommitResult loser = ra.conflicts() == 0 ? rb : ra;
        assertEquals(epoch + 1, winner.epoch());
        assertEquals(epoch + 2, loser.epoch(), "the loser's Commit was rebuilt on the winner's epoch");
        assertTrue(loser.seq() > winner.seq());

        pharmacist.events.awaitFirst(ClientEvent.RemovedFromGroup.class, r -> r.groupId().equals(team), 20);
        caregiver.events.awaitFirst(ClientEvent.RemovedFromGroup.class, r -> r.groupId().equals(team), 20);
        e2e.parties().remove(pharmacist);
        e2e.parties().remove(caregiver);
        assertConverged(team, epoch + 2, Set.of("coordinator#desk", "practitioner#laptop", "patient#phone"));
        for (Party p : e2e.parties()) {
            assertTrue(p.events.all(ClientEvent.MessageRejected.class).isEmpty(), p + " rejected nothing");
        }
    }

    @ParameterizedTest
    @EnumSource(Relays.Deployment.class)
    void simultaneousCommitsOnlineConverge(Relays.Deployment deployment) {
        e2e.deploy(deployment);
        Party coordinator = e2e.party("coordinator", "desk");
        Party practitioner = e2e.party("practitioner", "laptop");
        e2e.party("patient", "phone");
        e2e.party("pharmacist", "counter");
        e2e.party("caregiver", "phone");
        GroupId team = coordinator.client.createGroup("care-team-online").join();
        coordinator.client.addMembers(team, List.of("practitioner", "patient")).join();
        practitioner.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        long epoch = coordinator.client.group(team).join().epoch();

        // round 1: different members added by two members at the same moment
        CompletableFuture<CommitResult> a = coordinator.client.addMembers(team, List.of("pharmacist"));
        CompletableFuture<CommitResult> b = practitioner.client.addMembers(team, List.of("caregiver"));
        CommitResult ra = a.join();
        CommitResult rb = b.join();
        assertTrue(ra.changed() && rb.changed());
        assertEquals(Set.of(epoch + 1, epoch + 2), Set.of(ra.epoch(), rb.epoch()), "one Commit per epoch");
        assertConverged(team, epoch + 2, Set.of("coordinator#desk", "practitioner#laptop", "patient#phone",
                "pharmacist#counter", "caregiver#phone"));

        // round 2: both remove the same member at once: exactly one Commit does it
        CompletableFuture<CommitResult> c = coordinator.client.removeMembers(team, List.of("caregiver"));
        CompletableFuture<CommitResult> d = practitioner.client.removeMembers(team, List.of("caregiver"));
        CommitResult rc = c.join();
        CommitResult rd = d.join();
        assertEquals(1, (rc.changed() ? 1 : 0) + (rd.changed() ? 1 : 0), "exactly one removal was committed");
        e2e.parties().removeIf(p -> p.user.equals("caregiver"));
        assertConverged(team, epoch + 3, Set.of("coordinator#desk", "practitioner#laptop", "patient#phone",
                "pharmacist#counter"));
    }

    /** Whether {@code p} saved a Commit of its own pending on {@code epoch}. */
    private static boolean pendingCommit(Party p, GroupId team, long epoch) {
        return SavedGroupState.load(p, team).filter(g -> g.epoch() == epoch && g.pendingCommit().isPresent())
                .isPresent();
    }

    /** Every party is in {@code epoch} with the same authenticator and exactly {@code members}. */
    private void assertConverged(GroupId team, long epoch, Set<String> members) {
        Convergence.await(e2e.parties(), team, epoch, members);
    }
}
