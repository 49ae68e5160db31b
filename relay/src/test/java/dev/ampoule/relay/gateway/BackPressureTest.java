package dev.ampoule.relay.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RawWebSocket;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replies count against back-pressure: a client that keeps sending requests with large answers
 * (FetchGroupInfo) but never reads gets no more than its write queue's worth queued at the relay,
 * is closed by the slow-client rule, and nobody else notices.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BackPressureTest {

    private static final String QUEUED = "ampoule_ws_queued_bytes ";
    private static final String SLOW = "ampoule_slow_disconnects_total 1.0";

    @TempDir
    Path dir;

    private static double gauge(RelayHarness relay, String prefix) {
        return relay.registry.scrape().lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(prefix.length()).trim()))
                .orElseThrow(() -> new AssertionError("no metric " + prefix.trim()));
    }

    @Test
    void aClientThatDoesNotReadGetsABoundedQueueThenIsClosed(Vertx vertx, VertxTestContext ctx) throws Exception {
        int queueMax = 64 * 1024;
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("writeQueueMaxBytes", queueMax)
                .put("slowClientTimeoutSeconds", 3).put("messagesPerSecond", 1_000_000)
                .put("messageBurst", 1_000_000)).start();
        Bytes gid = Bytes.ofHex("b4c3");
        HttpClient http = vertx.createHttpClient();
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            Frame info = team.device(0).call(new Frame.FetchGroupInfo(gid));
            int replySize = FrameCodec.encode(1, assertInstanceOf(Frame.GroupInfoResult.class, info)).length;
            // enough requests for 64 MiB of answers, written in chunks of 1,000 frames
            int chunks = (int) Math.min(200, Math.max(1, (64L << 20) / replySize / 1_000));
            try (RawWebSocket raw = RawWebSocket.open(relay.port(), "/v1/ws")) {
                raw.write(raw.frame(1, new Frame.Authenticate(relay.token("alice"), "tablet")));
                ByteArrayOutputStream chunk = new ByteArrayOutputStream();
                for (int i = 0; i < 1_000; i++) {
                    chunk.write(raw.frame(2 + i, new Frame.FetchGroupInfo(gid)));
                }
                byte[] requests = chunk.toByteArray();
                Thread writer = Thread.ofPlatform().name("pipelining-client").daemon().start(() -> {
                    try {
                        for (int c = 0; c < chunks; c++) {
                            raw.write(requests);
                        }
                    } catch (IOException e) {
                        // the relay closed the connection: expected once it gives up on the client
                    }
                });

                double maxQueued = 0;
                boolean othersServed = false;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (!relay.registry.scrape().contains(SLOW)) {
                    assertTrue(System.nanoTime() < deadline, "the client that does not read was never closed");
                    maxQueued = Math.max(maxQueued, gauge(relay, QUEUED));
                    if (!othersServed && maxQueued > 0) {
                        // meanwhile the relay serves everybody else
                        team.device(1).error(new Frame.ClaimKeyPackages("nobody", Optional.empty(), 0),
                                ErrorCode.NO_KEY_PACKAGE);
                        assertEquals(200, HttpCalls.call(http, HttpCalls.to(relay.port(), HttpMethod.GET, "/health"))
                                .status());
                        othersServed = true;
                    }
                    Thread.sleep(20);
                }
                maxQueued = Math.max(maxQueued, gauge(relay, QUEUED));
                assertTrue(maxQueued <= queueMax + 2L * replySize + 4_096, "at most the write queue's worth "
                        + "and one answer were queued at the relay, not " + (long) maxQueued + " bytes");
                assertTrue(maxQueued > 0, "answers were queued at all");
                assertTrue(othersServed, "another device and /health were served during the flood");
                assertTrue(relay.registry.scrape().contains("ampoule_limits_exceeded_total{limit=\"queued_bytes\"} 0.0"),
                        "the connection was closed by the slow-client rule, not the hard limit");

                // once the connection is gone, nothing stays queued for it
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (gauge(relay, QUEUED) > 0) {
                    assertTrue(System.nanoTime() < deadline, "queued bytes were released after the close");
                    Thread.sleep(50);
                }
                raw.close();
                writer.join(TimeUnit.SECONDS.toMillis(30));
                assertFalse(writer.isAlive());
            }
            // the relay is healthy: a new device connects and is served
            try (TestDevice carol = relay.connect("carol", "phone")) {
                carol.error(new Frame.ClaimKeyPackages("nobody", Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE);
            }
            team.device(0).error(new Frame.ClaimKeyPackages("nobody", Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE);
        } finally {
            http.close();
            relay.stop();
        }
        ctx.completeNow();
    }
}
