package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.relay.auth.DevKeys;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay runs as a separate process (its real {@code Main}) and is killed with SIGKILL while a
 * member sends; restarted on the same data directory and port, it has lost no acknowledged
 * message: the SDK clients reconnect by themselves, the sender's interrupted sends complete, and
 * the other member receives every message once, in order.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayKillTest {

    @TempDir
    Path dir;

    private final List<Party> parties = new ArrayList<>();
    private Process relay;

    @AfterEach
    void tearDown() {
        parties.forEach(Party::close);
        if (relay != null) {
            relay.destroyForcibly();
        }
    }

    private Process startRelay(Path dataDir, int port) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.ampoule.relay.Main",
                "run", "--host", "127.0.0.1", "--port", Integer.toString(port), "--data-dir", dataDir.toString())
                .redirectErrorStream(true)
                .start();
        CountDownLatch listening = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.contains("relay listening")) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // the process died
            }
        });
        reader.setDaemon(true);
        reader.start();
        assertTrue(listening.await(60, TimeUnit.SECONDS), "the relay process started");
        return p;
    }

    @Test
    void relayKilledWithSigkillAndRestartedLosesNoAcknowledgedMessage(Vertx vertx) throws Exception {
        Path dataDir = dir.resolve("relay");
        int port = RelayFixture.freePort();
        DevKeys keys = DevKeys.loadOrCreate(dataDir); // the relay process uses this development key
        relay = startRelay(dataDir, port);
        URI uri = URI.create("ws://127.0.0.1:" + port + "/v1/ws");
        java.util.function.Function<String, String> tokens = user -> keys.mint(vertx, user, "ampoule-dev",
                "ampoule-relay", Duration.ofHours(1));
        Party coordinator = new Party(uri, tokens, dir.resolve("clients"), "coordinator", "desk").start();
        Party patient = new Party(uri, tokens, dir.resolve("clients"), "patient", "phone").start();
        parties.add(coordinator);
        parties.add(patient);
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
        relay.destroyForcibly().waitFor(); // SIGKILL, in the middle of the stream
        int beforeKill = acknowledged.size();
        Thread.sleep(300);
        relay = startRelay(dataDir, port);
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
