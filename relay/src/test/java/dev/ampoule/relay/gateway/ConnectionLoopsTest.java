package dev.ampoule.relay.gateway;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RawHttp;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code connectionLoops}, the relay's event loops in all: its sockets served by two loops besides
 * the one its state is on (3), by one besides it (2), or all on that one (1). Devices on either
 * loop exchange messages in order, and every HTTP route answers whichever loop accepted its
 * connection.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConnectionLoopsTest {

    private static final int MESSAGES = 30;

    @TempDir
    Path dir;

    private static Map<String, Long> perLoop(RelayHarness relay) {
        return await(relay.verticle().onContext(ds -> Future.succeededFuture(
                relay.verticle().gateway().connectionsPerLoop())));
    }

    private static final byte[] NONE = new byte[0];

    private static String text(RawHttp.Answer a) {
        return new String(a.body(), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void devicesOnBothLoopsExchangeMessagesInOrder(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("connectionLoops", 3)).start();
        String owner = await(relay.verticle().onContext(ds -> Future.succeededFuture(Thread.currentThread().getName())));
        Bytes gid = Bytes.ofHex("10c0");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop", "carol#tablet", "dave#phone")) {
            Map<String, Long> loops = perLoop(relay);
            assertEquals(2, loops.size(), "the four devices are served by two loops: " + loops.keySet());
            assertFalse(loops.containsKey(owner), "the relay's own loop serves no sockets: " + loops.keySet());
            assertEquals(4L, loops.values().stream().mapToLong(Long::longValue).sum());

            // every device sends; every device receives all of it (its own too), each sender's messages in order
            List<Set<Bytes>> sent = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                sent.add(new HashSet<>());
            }
            for (int round = 0; round < MESSAGES; round++) {
                for (int i = 0; i < 4; i++) {
                    Frame.SendApplication m = team.member(i).message("round " + round + " from " + i);
                    sent.get(i).add(m.message());
                    team.device(i).ok(m);
                }
            }
            for (int i = 0; i < 4; i++) {
                long last = -1;
                List<String> texts = new ArrayList<>();
                int own = 0;
                for (int k = 0; k < 4 * MESSAGES; k++) {
                    Frame.Deliver d = team.device(i).next(Frame.Deliver.class);
                    assertTrue(d.seq() > last, "delivered in the group's order");
                    last = d.seq();
                    if (sent.get(i).contains(d.message())) {
                        own++; // its own message: the device cannot decrypt it, it had it already
                    } else {
                        texts.add(team.member(i).receive(d).orElseThrow());
                    }
                    if (k % 10 == 9) {
                        team.device(i).ok(new Frame.AckGroup(gid, d.seq()));
                    }
                }
                assertEquals(MESSAGES, own, "device " + i + " got its own messages back once each");
                for (int from = 0; from < 4; from++) {
                    if (from == i) {
                        continue;
                    }
                    List<String> fromSender = new ArrayList<>();
                    for (String t : texts) {
                        if (t.endsWith(" from " + from)) {
                            fromSender.add(t);
                        }
                    }
                    List<String> expected = new ArrayList<>();
                    for (int round = 0; round < MESSAGES; round++) {
                        expected.add("round " + round + " from " + from);
                    }
                    assertEquals(expected, fromSender, "device " + i + " got every message of device " + from
                            + " once, in order");
                }
                assertEquals(null, team.device(i).poll(100), "nothing more");
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void oneLoopServesEverySocketOnTheRelaysOwn(Vertx vertx, VertxTestContext ctx) {
        threeDevicesOn(vertx, 1, "10c1", (owner, loops) -> assertEquals(Map.of(owner, 3L), loops,
                "every socket on the relay's own loop"));
        ctx.completeNow();
    }

    @Test
    void twoLoopsInAllServeEverySocketOnTheOtherOne(Vertx vertx, VertxTestContext ctx) {
        threeDevicesOn(vertx, 2, "10c2", (owner, loops) -> {
            assertEquals(1, loops.size(), "one loop besides the relay's own serves the sockets: " + loops.keySet());
            assertFalse(loops.containsKey(owner), "the relay's own loop serves no sockets: " + loops.keySet());
            assertEquals(3L, loops.values().iterator().next());
        });
        ctx.completeNow();
    }

    /**
     * Forms a team of three devices on a relay of {@code connectionLoops} loops, checks where their
     * sockets are (the relay's own loop's name, the sockets per loop), then has the first device's
     * message reach the other two.
     */
    private void threeDevicesOn(Vertx vertx, int connectionLoops, String groupHex,
            BiConsumer<String, Map<String, Long>> placement) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("connectionLoops", connectionLoops)).start();
        String owner = await(relay.verticle().onContext(ds -> Future.succeededFuture(Thread.currentThread().getName())));
        try (Team team = Team.form(relay, Bytes.ofHex(groupHex), "alice#phone", "bob#laptop", "carol#tablet")) {
            placement.accept(owner, perLoop(relay));
            String text = "on " + connectionLoops + " loops";
            team.device(0).ok(team.member(0).message(text));
            for (int i = 1; i < 3; i++) {
                assertEquals(text, team.member(i).receive(team.device(i).next(Frame.Deliver.class)).orElseThrow());
            }
        } finally {
            relay.stop();
        }
    }

    @Test
    void everyRouteAnswersOnEitherLoop(Vertx vertx, VertxTestContext ctx) throws IOException {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("connectionLoops", 3)).start();
        String token = relay.token("carol", "h1", List.of());
        Map<String, String> auth = Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
        Set<String> ticketLoops = new HashSet<>();
        try {
            // consecutive connections go to the loops in turn: four reach both, twice each
            for (int c = 0; c < 4; c++) {
                try (RawHttp http = new RawHttp(relay.port(), (int) HttpCalls.LIMIT.toMillis())) {
                    assertEquals(200, http.send("GET", "/health", Map.of(), NONE).status());
                    RawHttp.Answer ready = http.send("GET", "/ready", Map.of(), NONE);
                    assertEquals(200, ready.status());
                    assertTrue(text(ready).contains("\"READY\""), text(ready));
                    assertTrue(text(http.send("GET", "/metrics", Map.of(), NONE)).contains("ampoule_connections "));
                    assertEquals(401, http.send("POST", "/v1/tickets", Map.of(), NONE).status());
                    RawHttp.Answer created = http.send("POST", "/v1/teams", auth, bytes("{\"name\": \"Ward " + c + "\"}"));
                    assertEquals(201, created.status(), text(created));
                    String team = new JsonObject(text(created)).getString("id");
                    assertEquals(413, http.send("POST", "/v1/teams", auth,
                            bytes("{\"name\": \"" + "x".repeat(70_000) + "\"}")).status(), "the body limit holds");
                    assertEquals(401, http.send("GET", "/v1/teams/" + team, Map.of(), NONE).status());
                    assertEquals(200, http.send("GET", "/v1/teams/" + team, auth, NONE).status());
                }
                try (RawHttp http = new RawHttp(relay.port(), (int) HttpCalls.LIMIT.toMillis())) {
                    RawHttp.Answer granted = http.send("POST", "/v1/tickets", auth, NONE);
                    assertEquals(200, granted.status(), text(granted));
                    // the ticket opens a WebSocket, on whichever loop takes it
                    String ticket = new JsonObject(text(granted)).getString("ticket");
                    try (TestDevice d = await(TestDevice.open(vertx, relay.port(),
                            "/v1/ws?ticket=" + ticket + "&device=desk" + c))) {
                        assertEquals(Frame.Error.class, d.call(new Frame.FetchGroupInfo(Bytes.ofHex("ffff")))
                                .getClass(), "an authenticated session answers");
                        DeviceId id = DeviceId.of("carol", "desk" + c).orElseThrow();
                        ticketLoops.add(await(relay.verticle().onContext(ds -> Future.succeededFuture(
                                relay.verticle().gateway().loopOf(id).orElseThrow()))));
                    }
                }
            }
            assertEquals(2, ticketLoops.size(), "sessions by ticket were served on both loops: " + ticketLoops);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
