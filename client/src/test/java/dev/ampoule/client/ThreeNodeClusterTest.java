package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.Poll;
import dev.ampoule.client.support.ClusterFixture;
import dev.ampoule.client.support.Convergence;
import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.support.RelayProcess;
import dev.ampoule.relay.support.StoppablePostgres;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three relay JVMs on one PostgreSQL, SDK clients spread over them. Under a steady load a node is
 * killed with SIGKILL, or stopped with SIGTERM, or PostgreSQL itself is stopped and started again;
 * every time, every send completes (retried by the SDK after a reconnect or an {@code UNAVAILABLE}),
 * every member receives every acknowledged message once and in order, and the clients of a lost
 * node are connected to another node again within 10 s. A coordinator's roster removal made through
 * one node's admin API fences the group for a sender on another node. The tests share one cluster
 * (a node a test stopped is started again before the next one) and use users and groups of their own.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ThreeNodeClusterTest {

    static final int MESSAGES = 90;

    @RegisterExtension
    static final RelayExtension e2e = RelayExtension.adHoc();

    private static StoppablePostgres postgres;
    private static ClusterFixture cluster;

    @BeforeAll
    static void startCluster() {
        postgres = new StoppablePostgres(e2e.dir().resolve("postgres")).start();
        cluster = e2e.startCluster(postgres.options());
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** Whatever an earlier test stopped runs again. */
    @BeforeEach
    void everythingRuns() {
        postgres.startIfStopped();
        cluster.start();
    }

    /** A team of a coordinator, a patient and a nurse, each preferring the node given ({@code prefix}: the test's users). */
    private record Team(Party coordinator, Party patient, Party nurse, GroupId id) {
    }

    private static Team team(String prefix, int coordinatorNode, int patientNode, int nurseNode) {
        Party coordinator = e2e.party(coordinatorNode, prefix + "-coordinator", "desk");
        Party patient = e2e.party(patientNode, prefix + "-patient", "phone");
        Party nurse = e2e.party(nurseNode, prefix + "-nurse", "tablet");
        GroupId id = RelayExtension.team(coordinator, prefix + "-ward", List.of(patient, nurse)); // ad hoc ids: one per name
        return new Team(coordinator, patient, nurse, id);
    }

    /** The coordinator sends {@link #MESSAGES} messages one after the other, acknowledged ones collected. */
    private static final class Load {
        final List<SentMessage> acknowledged = new CopyOnWriteArrayList<>();
        final CountDownLatch started = new CountDownLatch(20);
        final Thread sender;

        Load(Team team) {
            sender = new Thread(() -> {
                for (int i = 0; i < MESSAGES; i++) {
                    acknowledged.add(team.coordinator().client.send(team.id(), "reading " + i).join());
                    started.countDown();
                }
            }, "sender");
            sender.start();
            try {
                assertTrue(started.await(120, TimeUnit.SECONDS), "the load runs");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /** Waits for the sender; every send completed, every member got every message once and in order. */
        void assertEveryoneGotEverything(Team team) throws InterruptedException {
            sender.join(180_000);
            assertEquals(MESSAGES, acknowledged.size(), "every send completed");
            assertEquals(MESSAGES, acknowledged.stream().map(SentMessage::seq).distinct().count(), "no number twice");
            List<String> expected = IntStream.range(0, MESSAGES).mapToObj(i -> "reading " + i).toList();
            for (Party p : List.of(team.patient(), team.nurse())) {
                p.events.awaitTexts(team.id(), MESSAGES, 60);
                assertEquals(expected, p.events.texts(team.id()), p + ": every acknowledged message, once, in order");
            }
        }
    }

    private static long awaitMillis(String what, int seconds, BooleanSupplier condition) {
        return Poll.until(what, Duration.ofSeconds(seconds), condition).toMillis();
    }

    private static int connects(Party p) {
        return p.events.all(ClientEvent.Connected.class).size();
    }

    @Test
    void aNodeKilledUnderLoadLosesNothingAndItsClientsResumeElsewhereWithin10Seconds() throws Exception {
        Team team = team("kill", 0, 0, 1);
        Load load = new Load(team);
        int coordinatorConnects = connects(team.coordinator());
        int patientConnects = connects(team.patient());
        RelayProcess node0 = cluster.cluster().node(0);
        node0.kill(); // SIGKILL, mid-stream: the sender's and the patient's node
        int beforeKill = load.acknowledged.size();
        long back = awaitMillis("the killed node's clients connected to another node", 10,
                () -> connects(team.coordinator()) > coordinatorConnects && connects(team.patient()) > patientConnects);

        load.assertEveryoneGotEverything(team);
        assertTrue(beforeKill < MESSAGES, "the node died while messages were being sent");
        System.out.println("clients of the killed node reconnected in " + back + " ms");
    }

    @Test
    void aNodeStoppedWithSigtermDrainsWithoutLoss() throws Exception {
        Team team = team("drain", 0, 1, 2);
        Load load = new Load(team);
        int patientConnects = connects(team.patient());
        RelayProcess node1 = cluster.cluster().node(1);
        node1.terminate(); // the patient's node drains: Reconnect to its clients, writes finished, leaves
        assertTrue(node1.awaitExit(Duration.ofSeconds(60)), "the node stopped");
        assertTrue(node1.stoppedCleanly(), node1.tail(20));
        awaitMillis("the patient connected to another node", 10, () -> connects(team.patient()) > patientConnects);
        load.assertEveryoneGotEverything(team);
        cluster.cluster().awaitMembers(2, Duration.ofSeconds(30));
    }

    @Test
    void postgresStoppedAndStartedUnderLoadIsUnavailableMeanwhileThenLosesNothing() throws Exception {
        Team team = team("db", 0, 1, 2);
        double unavailableBefore = cluster.counter(RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "UNAVAILABLE");
        Load load = new Load(team);
        postgres.stop();
        RelayProcess node0 = cluster.cluster().node(0);
        awaitMillis("/ready turns 503", 30,
                () -> cluster.cluster().get(node0, "/ready").map(r -> r.statusCode() == 503).orElse(false));
        awaitMillis("the sender's node answers UNAVAILABLE", 30,
                () -> cluster.counter(RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "UNAVAILABLE") > unavailableBefore);
        postgres.start();
        awaitMillis("the node is ready again", 30,
                () -> cluster.cluster().get(node0, "/ready").map(r -> r.statusCode() == 200).orElse(false));
        load.assertEveryoneGotEverything(team);
    }

    @Test
    void aRosterRemovalThroughOneNodesAdminApiFencesSendersOnTheOtherNodes() {
        String teamId = cluster.createTeam("roster-coordinator");
        cluster.addToRoster(teamId, "roster-nurse", "practitioner");
        cluster.addToRoster(teamId, "roster-pharmacist", "pharmacist");
        java.util.function.Consumer<AmpouleClient.Builder> careTeam = b -> b.careTeamRules(true)
                .autoCommitDelay(Duration.ofMillis(600)).fenceTimeout(Duration.ofSeconds(30));
        Party coordinator = e2e.party(0, "roster-coordinator", "desk", careTeam);
        Party nurse = e2e.party(1, "roster-nurse", "tablet", careTeam);
        Party pharmacist = e2e.party(2, "roster-pharmacist", "counter", careTeam);
        GroupId group = coordinator.client.createGroup(teamId).join();
        for (Party p : List.of(nurse, pharmacist)) {
            p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(group), 30);
        }
        // the nodes may propose the roster's adds in several turns, each committed as it comes
        Convergence.awaitAgreement(List.of(coordinator, nurse, pharmacist), group);
        long formed = coordinator.client.group(group).join().epoch();

        // the coordinator and the nurse are away, so that no one commits the removal before the
        // nurse's message meets the fence; the removal is made through node 0's admin API
        coordinator.stop();
        nurse.stop();
        double fencedOnNode1 = cluster.counter(1, RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "GROUP_FENCED");
        cluster.removeFromRoster(0, teamId, "roster-pharmacist");
        assertTrue(cluster.fenced(group.bytes()), "fenced in the shared database when the admin call returns");

        // the nurse comes back on node 1 and sends at once, on its saved state: node 1 refuses it
        CompletableFuture<Void> back = nurse.launch();
        CompletableFuture<SentMessage> during = nurse.client.send(group, "potassium 5.4, hold the dose");
        back.join();
        ClientEvent.GroupFenced fenced = nurse.events.awaitFirst(ClientEvent.GroupFenced.class,
                f -> f.groupId().equals(group), 30);
        assertEquals(formed, fenced.epoch(), "refused in the old epoch");
        assertTrue(cluster.counter(1, RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "GROUP_FENCED") > fencedOnNode1,
                "node 1 refused it");
        SentMessage sent = during.join();
        assertEquals(formed + 1, sent.epoch(), "sent again once the nurse committed the removal");
        assertFalse(cluster.fenced(group.bytes()), "the Commit lifted the fence");

        coordinator.start();
        Convergence.await(List.of(coordinator, nurse), group, formed + 1);
        coordinator.events.awaitTexts(group, 1, 30);
        assertEquals(List.of("potassium 5.4, hold the dose"), coordinator.events.texts(group));
        assertTrue(pharmacist.events.texts(group).isEmpty(), "nothing reaches the removed pharmacist");
    }
}
