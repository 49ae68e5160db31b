package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.ClusterFixture;
import dev.ampoule.client.support.Party;
import dev.ampoule.relay.support.RelayProcess;
import dev.ampoule.relay.support.StoppablePostgres;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three relay JVMs on one PostgreSQL, SDK clients spread over them, a member sending steadily;
 * then a node is killed with SIGKILL, or stopped with SIGTERM, or PostgreSQL itself is stopped and
 * started again. Every time: every send completes (retried by the SDK after a reconnect or an
 * {@code UNAVAILABLE}), every member receives every acknowledged message once and in order, and the
 * clients of a lost node are connected to another node again within 10 s.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterFailoverTest {

    static final int MESSAGES = 90;

    @TempDir
    Path dir;

    private final List<Party> parties = new ArrayList<>();
    private ClusterFixture cluster;
    private StoppablePostgres postgres;

    @AfterEach
    void tearDown() {
        parties.forEach(Party::close);
        if (cluster != null) {
            cluster.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private Party party(int node, String user, String device) {
        Party p = new Party(cluster.uri(node), cluster::token, dir.resolve("clients"), user, device)
                .configure(b -> b.careTeamRules(false)).start();
        parties.add(p);
        return p;
    }

    /** The coordinator (on node 0) creates a team with a patient on node 0 and a nurse on node 1. */
    private GroupId team(Party coordinator, Party patient, Party nurse) {
        GroupId team = coordinator.client.createGroup("ward-3").join();
        coordinator.client.addMembers(team, List.of("patient", "nurse")).join();
        for (Party p : List.of(patient, nurse)) {
            p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 30);
        }
        return team;
    }

    /** Sends {@link #MESSAGES} messages one after the other; counts down {@code started} as they are acknowledged. */
    private Thread sender(Party from, GroupId team, List<SentMessage> acknowledged, CountDownLatch started) {
        Thread t = new Thread(() -> {
            for (int i = 0; i < MESSAGES; i++) {
                acknowledged.add(from.client.send(team, "reading " + i).join());
                started.countDown();
            }
        }, "sender");
        t.start();
        return t;
    }

    private static List<String> expected() {
        return IntStream.range(0, MESSAGES).mapToObj(i -> "reading " + i).toList();
    }

    private static long awaitMillis(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long t0 = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(seconds)) {
                throw new AssertionError(what + " within " + seconds + " s");
            }
            Thread.sleep(20);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private void assertEveryoneGotEverything(GroupId team, List<SentMessage> acknowledged, Party... receivers) {
        assertEquals(MESSAGES, acknowledged.size(), "every send completed");
        assertEquals(MESSAGES, acknowledged.stream().map(SentMessage::seq).distinct().count(), "no number twice");
        for (Party p : receivers) {
            p.events.awaitTexts(team, MESSAGES, 60);
            assertEquals(expected(), p.events.texts(team), p + ": every acknowledged message, once, in order");
        }
    }

    @Test
    void aNodeKilledUnderLoadLosesNothingAndItsClientsResumeElsewhereWithin10Seconds(Vertx vertx) throws Exception {
        cluster = new ClusterFixture(vertx, dir.resolve("cluster"), Map.of()).start();
        Party coordinator = party(0, "coordinator", "desk");
        Party patient = party(0, "patient", "phone");
        Party nurse = party(1, "nurse", "tablet");
        GroupId team = team(coordinator, patient, nurse);

        List<SentMessage> acknowledged = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(25);
        Thread sender = sender(coordinator, team, acknowledged, started);
        assertTrue(started.await(120, TimeUnit.SECONDS));
        int coordinatorConnects = coordinator.events.all(ClientEvent.Connected.class).size();
        int patientConnects = patient.events.all(ClientEvent.Connected.class).size();
        RelayProcess node0 = cluster.cluster().node(0);
        node0.kill(); // SIGKILL, mid-stream: the sender's and the patient's node
        int beforeKill = acknowledged.size();
        long back = awaitMillis("the killed node's clients connected to another node", 10,
                () -> coordinator.events.all(ClientEvent.Connected.class).size() > coordinatorConnects
                        && patient.events.all(ClientEvent.Connected.class).size() > patientConnects);
        sender.join(180_000);

        assertTrue(beforeKill < MESSAGES, "the node died while messages were being sent");
        assertEveryoneGotEverything(team, acknowledged, patient, nurse);
        assertTrue(back <= 10_000, "reconnected in " + back + " ms");
        System.out.println("clients of the killed node reconnected in " + back + " ms");
    }

    @Test
    void aNodeStoppedWithSigtermDrainsWithoutLoss(Vertx vertx) throws Exception {
        cluster = new ClusterFixture(vertx, dir.resolve("cluster"), Map.of()).start();
        Party coordinator = party(0, "coordinator", "desk");
        Party patient = party(1, "patient", "phone");
        Party nurse = party(2, "nurse", "tablet");
        GroupId team = team(coordinator, patient, nurse);

        List<SentMessage> acknowledged = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(25);
        Thread sender = sender(coordinator, team, acknowledged, started);
        assertTrue(started.await(120, TimeUnit.SECONDS));
        int patientConnects = patient.events.all(ClientEvent.Connected.class).size();
        RelayProcess node1 = cluster.cluster().node(1);
        node1.terminate(); // the patient's node drains: Reconnect to its clients, writes finished, leaves
        assertTrue(node1.awaitExit(Duration.ofSeconds(60)), "the node stopped");
        assertTrue(node1.stoppedCleanly(), node1.tail(20));
        awaitMillis("the patient connected to another node", 10,
                () -> patient.events.all(ClientEvent.Connected.class).size() > patientConnects);
        sender.join(180_000);
        assertEveryoneGotEverything(team, acknowledged, patient, nurse);
        cluster.cluster().awaitMembers(2, Duration.ofSeconds(30));
    }

    @Test
    void postgresStoppedAndStartedUnderLoadIsUnavailableMeanwhileThenLosesNothing(Vertx vertx) throws Exception {
        postgres = new StoppablePostgres(dir.resolve("postgres")).start();
        cluster = new ClusterFixture(vertx, dir.resolve("cluster"), Map.of(), postgres.options()).start();
        Party coordinator = party(0, "coordinator", "desk");
        Party patient = party(1, "patient", "phone");
        Party nurse = party(2, "nurse", "tablet");
        GroupId team = team(coordinator, patient, nurse);

        List<SentMessage> acknowledged = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(20);
        Thread sender = sender(coordinator, team, acknowledged, started);
        assertTrue(started.await(120, TimeUnit.SECONDS));
        postgres.stop();
        RelayProcess node0 = cluster.cluster().node(0);
        awaitMillis("/ready turns 503", 30,
                () -> cluster.cluster().get(node0, "/ready").map(r -> r.statusCode() == 503).orElse(false));
        awaitMillis("the sender's node answers UNAVAILABLE", 30,
                () -> cluster.counter("relay.rejections", "code", "UNAVAILABLE") > 0);
        postgres.start();
        awaitMillis("the node is ready again", 30,
                () -> cluster.cluster().get(node0, "/ready").map(r -> r.statusCode() == 200).orElse(false));
        sender.join(180_000);
        assertEveryoneGotEverything(team, acknowledged, patient, nurse);
    }
}
