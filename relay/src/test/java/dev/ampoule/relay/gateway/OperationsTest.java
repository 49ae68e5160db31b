package dev.ampoule.relay.gateway;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Health, readiness, metrics, graceful shutdown, TTL and compaction. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OperationsTest {

    @TempDir
    Path dir;

    private static String get(Vertx vertx, int port, String path, int status) {
        HttpClient http = vertx.createHttpClient();
        try {
            HttpCalls.Answer a = HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, path));
            assertEquals(status, a.status(), path);
            return a.text();
        } finally {
            http.close();
        }
    }

    @Test
    void healthReadinessAndMetrics(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        try (Team team = Team.form(relay, Bytes.ofHex("0b5e"), "alice#phone", "bob#laptop")) {
            team.device(0).ok(team.member(0).message("counted"));
            team.device(1).next(Frame.Deliver.class);
            assertTrue(get(vertx, relay.port(), "/health", 200).contains("UP"));
            assertTrue(get(vertx, relay.port(), "/ready", 200).contains("READY"));
            String metrics = get(vertx, relay.port(), "/metrics", 200);
            for (String name : List.of("ampoule_connections 2.0", "ampoule_frames_in_total{type=\"SendApplication\"}",
                    "ampoule_frames_out_total{type=\"Deliver\"}", "ampoule_messages_accepted_total{kind=\"application\"}",
                    "ampoule_fanout_latency_seconds_count", "ampoule_store_latency_seconds_count{op=\"append\"}",
                    "ampoule_groups 1.0", "ampoule_store_disk_bytes", "ampoule_rejections_total{code=\"FORBIDDEN\"}",
                    "ampoule_event_loop_delay_seconds_count{loop=\"vert.x-eventloop-thread-",
                    "ampoule_event_loop_cpu_seconds_total{loop=\"vert.x-eventloop-thread-")) {
                assertTrue(metrics.contains(name), name);
            }
            assertTrue(!metrics.contains("alice") && !metrics.contains("0b5e"), "no user or group id in metrics");
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void gracefulShutdownTellsDevicesToReconnectAndLosesNothing(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("shutdownGraceSeconds", 1)).start();
        Bytes gid = Bytes.ofHex("0d0e");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
        long seq = team.device(0).ok(team.member(0).message("before the restart"));
        team.device(1).close();
        relay.stop();
        Frame.Reconnect r = team.device(0).next(Frame.Reconnect.class);
        assertTrue(r.retryAfterMillis() >= 1_000);
        team.device(0).awaitClosed();

        relay.start();
        try (TestDevice bob = relay.connect("bob", "laptop")) {
            Frame.Deliver d = bob.next(Frame.Deliver.class);
            assertEquals(seq, d.seq());
            assertEquals(Optional.of("before the restart"), team.member(1).receive(d));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void messagesExpireAfterTheTtl(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("messageTtlSeconds", 1)
                .put("expirySweepSeconds", 1)).start();
        Bytes gid = Bytes.ofHex("0771");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            team.device(1).close();
            long seq = team.device(0).ok(team.member(0).message("short-lived"));
            Thread.sleep(2_500);
            try (TestDevice bob = relay.connect("bob", "laptop")) {
                assertNull(bob.poll(500), "expired before bob came back");
                bob.error(new Frame.Resume(Optional.of(gid), seq), ErrorCode.NOT_RETAINED);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void compactionKeepsEverythingThatIsStillNeeded(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("segmentBytes", 64 * 1024)).start();
        Bytes gid = Bytes.ofHex("c0c0");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            seqs.add(team.device(0).ok(team.member(0).message("c" + i + " " + "y".repeat(2_000))));
        }
        // bob reads and acknowledges the first 40; alice acknowledges everything
        for (int i = 0; i < 40; i++) {
            team.member(1).receive(team.device(1).next(Frame.Deliver.class));
        }
        team.device(1).ok(new Frame.AckGroup(gid, seqs.get(39)));
        team.device(0).ok(new Frame.AckGroup(gid, seqs.get(59)));
        team.device(1).close();
        assertTrue(await(relay.verticle().compact()));
        relay.restart();
        try (TestDevice bob = relay.connect("bob", "laptop"); TestDevice alice = relay.connect("alice", "phone")) {
            for (int i = 40; i < 60; i++) {
                Frame.Deliver d = bob.next(Frame.Deliver.class);
                assertEquals(seqs.get(i), d.seq());
                assertEquals(Optional.of("c" + i + " " + "y".repeat(2_000)), team.member(1).receive(d));
            }
            bob.error(new Frame.Resume(Optional.of(gid), seqs.get(10)), ErrorCode.NOT_RETAINED);
            // the group's state survived: a new message of the current epoch goes through
            long next = alice.ok(team.member(0).message("after compaction"));
            assertEquals(seqs.get(59) + 1, next);
            assertEquals(Optional.of("after compaction"), team.member(1).receive(bob.next(Frame.Deliver.class)));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
