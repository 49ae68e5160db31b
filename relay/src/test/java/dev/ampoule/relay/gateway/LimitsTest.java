package dev.ampoule.relay.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

/** Configured limits: enforced, answered with their code, counted in the metrics. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LimitsTest {

    @TempDir
    Path dir;

    private static Frame.ClaimKeyPackages cheap() {
        return new Frame.ClaimKeyPackages("nobody", Optional.empty(), 0);
    }

    @Test
    void frameSizeAndRequestRate(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("maxFrameBytes", 2048)
                .put("messagesPerSecond", 2).put("messageBurst", 2).put("claimsPerMinute", 1000)).start();
        try (TestDevice d = relay.connect("alice", "phone")) {
            d.error(new Frame.SendApplication(Bytes.ofHex("01"), Bytes.wrap(new byte[4096])), ErrorCode.FRAME_TOO_LARGE);
            Thread.sleep(1_100);
            d.error(cheap(), ErrorCode.NO_KEY_PACKAGE);
            d.error(cheap(), ErrorCode.NO_KEY_PACKAGE);
            Frame.Error limited = d.error(cheap(), ErrorCode.RATE_LIMITED);
            assertTrue(limited.retryAfterMillis() > 0 && limited.retryAfterMillis() <= 1_000);
            // acknowledgements are not rate-limited; the connection stays usable
            d.error(new Frame.AckGroup(Bytes.ofHex("01"), 1), ErrorCode.UNKNOWN_GROUP);
            Thread.sleep(limited.retryAfterMillis() + 50);
            d.error(cheap(), ErrorCode.NO_KEY_PACKAGE);
            String metrics = relay.registry.scrape();
            assertTrue(metrics.contains("ampoule_limits_exceeded_total{limit=\"frame_size\"} 1.0"), metrics);
            assertTrue(metrics.contains("ampoule_limits_exceeded_total{limit=\"messages_per_second\"} 1.0"));
            assertTrue(metrics.contains("ampoule_rejections_total{code=\"RATE_LIMITED\"} 1.0"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void connectionsPerUser(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("connectionsPerUser", 2)).start();
        try (TestDevice phone = relay.connect("alice", "phone"); TestDevice laptop = relay.connect("alice", "laptop")) {
            TestDevice third = RelayHarness.await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            Frame f = RelayHarness.await(third.request(new Frame.Authenticate(relay.token("alice"), "tablet")));
            assertEquals(ErrorCode.LIMIT_EXCEEDED, assertInstanceOf(Frame.Error.class, f).code());
            third.awaitClosed();
            // the same device connecting again replaces its older connection
            try (TestDevice phoneAgain = relay.connect("alice", "phone")) {
                assertEquals((short) 4009, phone.awaitClosed());
                phoneAgain.error(cheap(), ErrorCode.NO_KEY_PACKAGE);
                laptop.error(cheap(), ErrorCode.NO_KEY_PACKAGE);
            }
            // another user is not affected
            try (TestDevice bob = relay.connect("bob", "phone")) {
                bob.error(cheap(), ErrorCode.NO_KEY_PACKAGE);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void groupSize(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("maxGroupSize", 2)).start();
        MlsMember carol = new MlsMember("carol", "phone");
        try (Team team = Team.form(relay, Bytes.ofHex("9150"), "alice#phone", "bob#laptop");
                TestDevice c = relay.connect("carol", "phone")) {
            c.ok(new Frame.PublishKeyPackages(carol.keyPackages(1, false), false));
            Frame.KeyPackages kp = (Frame.KeyPackages) team.device(0).call(
                    new Frame.ClaimKeyPackages("carol", Optional.empty(), 1));
            team.device(0).error(team.member(0).commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(kp.entries().get(0).keyPackage()))), ErrorCode.LIMIT_EXCEEDED);
            team.member(0).group.discardPendingCommit();
            // the group is unchanged: a message of the current epoch is accepted
            team.device(0).ok(team.member(0).message("still two of us"));
            assertTrue(relay.registry.scrape().contains("ampoule_limits_exceeded_total{limit=\"group_size\"} 1.0"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void slowClientIsDisconnectedAndItsMailboxKeepsEverything(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("writeQueueMaxBytes", 16 * 1024)
                .put("slowClientTimeoutSeconds", 2)).start();
        Bytes gid = Bytes.ofHex("5107");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            team.device(1).pause();
            String big = "x".repeat(60_000);
            List<Future<Frame>> sent = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                sent.add(team.device(0).request(team.member(0).message(big + i)));
            }
            List<Long> seqs = new ArrayList<>();
            sent.forEach(f -> seqs.add(((Frame.Ok) RelayHarness.await(f)).seq()));
            long deadline = System.currentTimeMillis() + 20_000;
            while (!relay.registry.scrape().contains("ampoule_slow_disconnects_total 1.0")) {
                assertTrue(System.currentTimeMillis() < deadline, "the slow client was disconnected");
                Thread.sleep(100);
            }
            // the client reads again: it finds what was queued, then the close
            team.device(1).resume();
            assertEquals((short) 4008, team.device(1).awaitClosed());
            // reconnecting, bob gets everything, in order
            try (TestDevice bob = relay.connect("bob", "laptop")) {
                for (int i = 0; i < seqs.size(); i++) {
                    Frame.Deliver d = bob.next(Frame.Deliver.class);
                    assertEquals(seqs.get(i), d.seq());
                    assertEquals(Optional.of(big + i), team.member(1).receive(d));
                    if (i % 100 == 99) {
                        bob.ok(new Frame.AckGroup(gid, d.seq()));
                    }
                }
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
