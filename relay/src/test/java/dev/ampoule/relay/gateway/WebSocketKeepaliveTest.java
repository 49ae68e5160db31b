package dev.ampoule.relay.gateway;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.RawWebSocket;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket keepalive (PROTOCOL.md "Keepalive"): the relay pings every {@code pingIntervalSeconds};
 * a peer that reads the pings but never answers is closed within {@code pingTimeoutSeconds} +
 * {@code pingIntervalSeconds} and counted; a peer that answers (Vert.x's client does, as browsers
 * and the JDK's client do) stays connected however long it is idle.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebSocketKeepaliveTest {

    private static final int INTERVAL = 1;
    private static final int TIMEOUT = 2;

    @TempDir
    Path dir;

    @Test
    void aPeerThatStopsAnsweringPingsIsClosedInTime(Vertx vertx, VertxTestContext ctx) throws IOException {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("pingIntervalSeconds", INTERVAL)
                .put("pingTimeoutSeconds", TIMEOUT)).start();
        try (RawWebSocket peer = RawWebSocket.open(relay.port(), "/v1/ws")) {
            peer.write(peer.frame(1, new Frame.Authenticate(relay.token("ivy"), "watch")));
            InputStream in = peer.in();
            long start = System.nanoTime();
            int pings = 0;
            boolean authenticated = false;
            boolean closed = false;
            // read what comes (the Ok, the pings) and answer nothing, until the relay hangs up
            while (!closed && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(60)) {
                int opcode;
                try {
                    opcode = readFrame(in);
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (SocketException e) {
                    closed = true; // reset
                    continue;
                }
                switch (opcode) {
                    case -1, 0x8 -> closed = true;
                    case 0x9 -> pings++;
                    case 0x2 -> authenticated = true;
                    default -> { }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(authenticated, "the relay answered the Authenticate");
            assertTrue(closed, "the relay closed the silent peer");
            assertTrue(pings >= 1, "it was pinged first");
            // TIMEOUT + INTERVAL is the rule; the rest is room for a loaded machine
            assertTrue(seconds < TIMEOUT + INTERVAL + 10, "closed after " + seconds + " s");
            assertTrue(seconds >= TIMEOUT - 0.5, "not before pingTimeoutSeconds: " + seconds + " s");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!relay.registry.scrape().contains("ampoule_ws_dead_peers_total 1.0") && System.nanoTime() < deadline) {
                sleepBriefly();
            }
            assertTrue(relay.registry.scrape().contains("ampoule_ws_dead_peers_total 1.0"));
            int sessions = await(relay.verticle().onContext(ds -> io.vertx.core.Future.succeededFuture(
                    relay.verticle().gateway().sessionCount())));
            assertEquals(0, sessions, "the session is gone");
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void aPeerThatAnswersStaysConnectedWhileIdle(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("pingIntervalSeconds", INTERVAL)
                .put("pingTimeoutSeconds", TIMEOUT)).start();
        try (TestDevice device = relay.connect("jo", "phone")) {
            // idle for several timeouts: Vert.x's client answers each ping with a pong
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3L * (TIMEOUT + INTERVAL));
            while (System.nanoTime() < until) {
                assertFalse(device.isClosed(), "an answering peer is never closed as dead");
                sleepBriefly();
            }
            assertInstanceOf(Frame.Ok.class, device.call(new Frame.AckMailbox(0)));
            assertTrue(relay.registry.scrape().contains("ampoule_ws_dead_peers_total 0.0"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    /** Reads one server frame (unmasked) and answers its opcode; -1 at the end of the stream. */
    private static int readFrame(InputStream in) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return -1;
        }
        int b1 = in.read();
        if (b1 < 0) {
            return -1;
        }
        long len = b1 & 0x7f;
        int extra = len == 126 ? 2 : len == 127 ? 8 : 0;
        if (extra > 0) {
            len = 0;
            for (int i = 0; i < extra; i++) {
                int b = in.read();
                if (b < 0) {
                    return -1;
                }
                len = (len << 8) | b;
            }
        }
        for (long i = 0; i < len; i++) {
            if (in.read() < 0) {
                return -1;
            }
        }
        return b0 & 0x0f;
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
