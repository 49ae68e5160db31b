package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The Delivery Service's limits under requests a client pipelines or an attacker repeats. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeliveryLimitsTest {

    @TempDir
    Path dir;

    @Test
    void pipelinedPublicationsNeverExceedTheKeyPackageCap(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("maxKeyPackagesPerDevice", 5)
                .put("messagesPerSecond", 1000).put("messageBurst", 1000)).start();
        MlsMember alice = new MlsMember("alice", "phone");
        try (TestDevice a = relay.connect("alice", "phone")) {
            // sent without waiting: each passes the old count check before any of them is stored
            List<Future<Frame>> answers = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                answers.add(a.request(new Frame.PublishKeyPackages(alice.keyPackages(1, false), false)));
            }
            int ok = 0;
            long held = 0;
            for (Future<Frame> f : answers) {
                Frame r = await(f);
                if (r instanceof Frame.Ok o) {
                    ok++;
                    held = Math.max(held, o.seq());
                } else {
                    assertEquals(ErrorCode.LIMIT_EXCEEDED, assertInstanceOf(Frame.Error.class, r).code());
                }
            }
            assertEquals(5, ok, "accepted publications");
            assertEquals(5, held, "KeyPackages held");
            a.error(new Frame.PublishKeyPackages(alice.keyPackages(1, false), false), ErrorCode.LIMIT_EXCEEDED);
            // a refused validation gives its reservation back: after claims, publishing works again
            try (TestDevice b = relay.connect("bob", "phone")) {
                assertInstanceOf(Frame.KeyPackages.class, b.call(new Frame.ClaimKeyPackages("alice",
                        java.util.Optional.empty(), 1)));
            }
            assertEquals(ErrorCode.INVALID_MESSAGE, a.error(new Frame.PublishKeyPackages(
                    List.of(dev.ampoule.relay.protocol.Bytes.ofHex("00")), false), ErrorCode.INVALID_MESSAGE).code());
            assertEquals(5, a.ok(new Frame.PublishKeyPackages(alice.keyPackages(1, false), false)));
            assertTrue(relay.registry.scrape().contains("relay_limits_exceeded_total{limit=\"key_packages\"}"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
