package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.support.RelayProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The relay runs as a separate process (its real {@code Main}) and is killed with SIGKILL while a
 * member sends; restarted on the same data directory and port, it has lost no acknowledged
 * message: the SDK clients reconnect by themselves, the sender's interrupted sends complete, and
 * the other member receives every message once, in order.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayKillTest {

    @RegisterExtension
    final RelayExtension e2e = RelayExtension.adHoc();

    @Test
    void relayKilledWithSigkillAndRestartedLosesNoAcknowledgedMessage() throws Exception {
        Path dataDir = e2e.dir().resolve("relay");
        DevKeys keys = DevKeys.loadOrCreate(dataDir); // the relay process uses this development key
        RelayProcess relay = e2e.closeAfter(new RelayProcess(dataDir, RelayProcess.freePort())).start();
        URI uri = relay.webSocketUri();
        java.util.function.Function<String, String> tokens = user -> keys.mint(e2e.vertx(), user, "ampoule-dev",
                "ampoule-relay", Duration.ofHours(1));
        Party coordinator = e2e.track(new Party(uri, tokens, e2e.clientsDir(), "coordinator", "desk")).start();
        Party patient = e2e.track(new Party(uri, tokens, e2e.clientsDir(), "patient", "phone")).start();
        GroupId team = coordinator.client.createGroup("care-team-crash").join();
        coordinator.client.addMembers(team, List.of("patient")).join();
        patient.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);

        int total = 150;
        List<SentMessage> acknowledged = new CopyOnWriteArrayList<>();
        CountDownLatch twenty = new CountDownLatch(20);
        Thread sender = new Thread(() -> {
            for (int i = 0; i < total; i++) {
                acknowledged.add(coordinator.client.send(team, "reading " + i).join());
                twenty.countDown();
            }
        });
        sender.start();
        assertTrue(twenty.await(60, TimeUnit.SECONDS));
        relay.kill(); // SIGKILL, in the middle of the stream
        int beforeKill = acknowledged.size();
        relay.start();
        sender.join(120_000);

        assertEquals(total, acknowledged.size(), "every send completed once the relay was back");
        assertTrue(beforeKill >= 20 && beforeKill < total, "the relay died while messages were being sent");
        patient.events.awaitTexts(team, total, 60);
        assertEquals(IntStream.range(0, total).mapToObj(i -> "reading " + i).toList(), patient.events.texts(team),
                "every acknowledged message arrives, once, in order");
        assertTrue(coordinator.events.all(ClientEvent.Connected.class).size() >= 2, "the sender reconnected");
        assertTrue(patient.events.all(ClientEvent.Connected.class).size() >= 2, "the receiver reconnected");
        assertEquals(coordinator.client.group(team).join().epochAuthenticator(),
                patient.client.group(team).join().epochAuthenticator());
    }
}
