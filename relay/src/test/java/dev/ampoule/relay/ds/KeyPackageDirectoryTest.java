package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The KeyPackage directory over WebSockets: one-time hand-out, last resort, claim limits, persistence. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyPackageDirectoryTest {

    @TempDir
    Path dir;

    private static Bytes claimOne(TestDevice d, String user) {
        Frame f = d.call(new Frame.ClaimKeyPackages(user, Optional.empty(), 1));
        List<Frame.KeyPackageEntry> entries = ((Frame.KeyPackages) f).entries();
        assertEquals(1, entries.size());
        return entries.get(0).keyPackage();
    }

    @Test
    void eachKeyPackageOnceThenTheLastResortAgainAndAgain(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        MlsMember bob = new MlsMember("bob", "laptop");
        try (TestDevice b = relay.connect("bob", "laptop"); TestDevice a = relay.connect("alice", "phone")) {
            List<Bytes> ordinary = bob.keyPackages(2, false);
            Bytes lastResort = bob.keyPackages(1, true).get(0);
            assertEquals(2, b.ok(new Frame.PublishKeyPackages(ordinary, false)));
            assertEquals(2, b.ok(new Frame.PublishKeyPackages(List.of(lastResort), true)));
            // publishing the same package again changes nothing
            assertEquals(2, b.ok(new Frame.PublishKeyPackages(List.of(ordinary.get(0)), false)));

            Bytes first = claimOne(a, "bob");
            Bytes second = claimOne(a, "bob");
            assertNotEquals(first, second);
            assertEquals(Set.copyOf(ordinary), Set.of(first, second));
            assertEquals(lastResort, claimOne(a, "bob"));
            assertEquals(lastResort, claimOne(a, "bob"));
            a.error(new Frame.ClaimKeyPackages("nobody", Optional.empty(), 1), ErrorCode.NO_KEY_PACKAGE);
            a.error(new Frame.ClaimKeyPackages("bob", Optional.of("tablet"), 1), ErrorCode.NO_KEY_PACKAGE);
            a.error(new Frame.ClaimKeyPackages("bob", Optional.empty(), 3), ErrorCode.NO_KEY_PACKAGE);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void oneKeyPackagePerDeviceOfTheUserAndHandOutsSurviveRestart(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        MlsMember laptop = new MlsMember("bob", "laptop");
        MlsMember phone = new MlsMember("bob", "phone");
        List<Bytes> laptopKps = laptop.keyPackages(2, false);
        try (TestDevice l = relay.connect("bob", "laptop"); TestDevice p = relay.connect("bob", "phone");
                TestDevice a = relay.connect("alice", "phone")) {
            l.ok(new Frame.PublishKeyPackages(laptopKps, false));
            p.ok(new Frame.PublishKeyPackages(phone.keyPackages(1, false), false));
            Frame.KeyPackages both = (Frame.KeyPackages) a.call(new Frame.ClaimKeyPackages("bob", Optional.empty(), 0));
            assertEquals(List.of("laptop", "phone"), both.entries().stream().map(Frame.KeyPackageEntry::deviceId).toList());
            assertEquals(laptopKps.get(0), both.entries().get(0).keyPackage());
        }
        relay.restart();
        try (TestDevice a = relay.connect("alice", "phone")) {
            Frame.KeyPackages after = (Frame.KeyPackages) a.call(new Frame.ClaimKeyPackages("bob", Optional.empty(), 0));
            assertEquals(1, after.entries().size(), "the phone's only package was handed out before the restart");
            assertEquals(laptopKps.get(1), after.entries().get(0).keyPackage());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void claimFloodIsRateLimited(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("claimsPerMinute", 5)).start();
        MlsMember bob = new MlsMember("bob", "laptop");
        try (TestDevice b = relay.connect("bob", "laptop"); TestDevice a = relay.connect("mallory", "bot")) {
            b.ok(new Frame.PublishKeyPackages(bob.keyPackages(20, false), false));
            for (int i = 0; i < 5; i++) {
                claimOne(a, "bob");
            }
            Frame.Error e = a.error(new Frame.ClaimKeyPackages("bob", Optional.empty(), 1), ErrorCode.RATE_LIMITED);
            assertTrue(e.retryAfterMillis() > 0);
            // the flood did not drain the directory: another claimer still gets one
            try (TestDevice c = relay.connect("carol", "phone")) {
                claimOne(c, "bob");
            }
            assertTrue(relay.registry.scrape().contains("ampoule_limits_exceeded_total{limit=\"claims\"}"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void invalidPublicationsAreRefused(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("maxKeyPackagesPerDevice", 3)).start();
        MlsMember bob = new MlsMember("bob", "laptop");
        MlsMember eve = new MlsMember("eve", "laptop");
        try (TestDevice b = relay.connect("bob", "laptop")) {
            b.error(new Frame.PublishKeyPackages(eve.keyPackages(1, false), false), ErrorCode.FORBIDDEN);
            b.error(new Frame.PublishKeyPackages(List.of(Bytes.ofHex("00010005")), false), ErrorCode.INVALID_MESSAGE);
            b.error(new Frame.PublishKeyPackages(bob.keyPackages(2, true), true), ErrorCode.INVALID_MESSAGE);
            b.error(new Frame.PublishKeyPackages(bob.keyPackages(4, false), false), ErrorCode.LIMIT_EXCEEDED);
            // nothing of the refused publications was stored
            try (TestDevice a = relay.connect("alice", "phone")) {
                a.error(new Frame.ClaimKeyPackages("bob", Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void expiredKeyPackagesAreNeitherHandedOutNorAccepted(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        MlsMember bob = new MlsMember("bob", "laptop");
        try (TestDevice b = relay.connect("bob", "laptop"); TestDevice a = relay.connect("alice", "phone")) {
            Bytes shortLived = bob.keyPackage(java.time.Duration.ofSeconds(1), false);
            Bytes lastResort = bob.keyPackage(java.time.Duration.ofSeconds(1), true);
            b.ok(new Frame.PublishKeyPackages(List.of(shortLived), false));
            b.ok(new Frame.PublishKeyPackages(List.of(lastResort), true));
            Thread.sleep(2_500); // both lifetimes end (RFC 9420 §7.2 counts whole seconds)
            a.error(new Frame.ClaimKeyPackages("bob", Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE);
            Frame.Error e = b.error(new Frame.PublishKeyPackages(List.of(shortLived), false), ErrorCode.INVALID_MESSAGE);
            assertTrue(e.detail().contains("KEY_PACKAGE_LIFETIME"), e.detail());
            // a valid one published later is handed out
            Bytes fresh = bob.keyPackages(1, false).get(0);
            b.ok(new Frame.PublishKeyPackages(List.of(fresh), false));
            Frame.KeyPackages got = (Frame.KeyPackages) a.call(new Frame.ClaimKeyPackages("bob", Optional.empty(), 0));
            assertEquals(fresh, got.entries().get(0).keyPackage());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
