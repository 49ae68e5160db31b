package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.FakeRoster;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.Poll;
import dev.ampoule.relay.support.RecordingAudit;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** A relay holding at most {@code cap} KeyPackages per device, its message rate no obstacle. */
    private RelayHarness withKeyPackageCap(Vertx vertx, int cap) {
        return new RelayHarness(vertx, dir, new JsonObject().put("maxKeyPackagesPerDevice", cap)
                .put("messagesPerSecond", 1000).put("messageBurst", 1000)).start();
    }

    @Test
    void aPublicationWithOneForgedKeyPackageIsRefusedWhole(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = withKeyPackageCap(vertx, 50);
        MlsMember alice = new MlsMember("alice", "phone");
        try (TestDevice a = relay.connect("alice", "phone")) {
            // 12 KeyPackages, 24 signatures verified together; the 8th's own signature is broken
            List<dev.ampoule.relay.protocol.Bytes> publication = new ArrayList<>(alice.keyPackages(12, false));
            byte[] forged = publication.get(7).toArray();
            forged[forged.length - 1] ^= 0x01;
            publication.set(7, dev.ampoule.relay.protocol.Bytes.wrap(forged));
            Frame.Error refused = a.error(new Frame.PublishKeyPackages(publication, false), ErrorCode.INVALID_MESSAGE);
            assertTrue(refused.detail().contains("KEY_PACKAGE_SIGNATURE"), refused.detail());
            // nothing of it was stored: the next publication finds none held
            assertEquals(12, a.ok(new Frame.PublishKeyPackages(alice.keyPackages(12, false), false)));
            assertEquals(13, a.ok(new Frame.PublishKeyPackages(alice.keyPackages(1, false), false)));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void pipelinedPublicationsNeverExceedTheKeyPackageCap(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = withKeyPackageCap(vertx, 5);
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
            assertTrue(limitCount(relay, "key_packages") > 0, "counted in ampoule_limits_exceeded_total");
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void othersCannotDrainOneUsersKeyPackages(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("claimsPerTargetPerMinute", 3)
                .put("claimsPerMinute", 1000)).start();
        MlsMember alice = new MlsMember("alice", "phone");
        try (TestDevice a = relay.connect("alice", "phone"); TestDevice b = relay.connect("bob", "phone");
                TestDevice c = relay.connect("carol", "phone")) {
            a.ok(new Frame.PublishKeyPackages(alice.keyPackages(10, false), false));
            Frame.ClaimKeyPackages claimAlice = new Frame.ClaimKeyPackages("alice", Optional.empty(), 1);
            for (int i = 0; i < 3; i++) {
                assertInstanceOf(Frame.KeyPackages.class, b.call(claimAlice));
            }
            Frame.Error limited = b.error(claimAlice, ErrorCode.RATE_LIMITED);
            assertTrue(limited.retryAfterMillis() > 0, "a retry hint");
            // the limit is the target's, whoever claims
            c.error(claimAlice, ErrorCode.RATE_LIMITED);
            // the user's own devices are not limited by it
            assertInstanceOf(Frame.KeyPackages.class, a.call(claimAlice));
            assertTrue(relay.registry.scrape().contains("ampoule_limits_exceeded_total{limit=\"claims_per_target\"} 2.0"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void theRelaysOwnClaimsForATeamAreLimitedAndCatchUpLater(Vertx vertx, VertxTestContext ctx) throws Exception {
        FakeRoster roster = new FakeRoster();
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("relayClaimsPerTeamPerMinute", 3));
        RecordingAudit audit = new RecordingAudit();
        relay.roster = roster;
        relay.audit = audit;
        relay.start();
        MlsMember dave1 = new MlsMember("dave", "phone");
        MlsMember dave2 = new MlsMember("dave", "pad");
        MlsMember erin = new MlsMember("erin", "phone");
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-claims", "alice#phone", "bob#laptop");
                TestDevice d1 = relay.connect("dave", "phone"); TestDevice d2 = relay.connect("dave", "pad");
                TestDevice e = relay.connect("erin", "phone")) {
            d1.ok(new Frame.PublishKeyPackages(dave1.keyPackages(1, false), false));
            d2.ok(new Frame.PublishKeyPackages(dave2.keyPackages(1, false), false));
            e.ok(new Frame.PublishKeyPackages(erin.keyPackages(1, false), false));
            // forming the team claimed bob's package: two of three left, both for dave's devices
            team.addToRoster("dave", "pharmacist");
            team.receiveProposals(0, 2);
            team.addToRoster("erin", "patient");
            RosterEnforcementTest.assertNoDeliver(team.device(0), 500);
            assertTrue(limitCount(relay, "relay_claims") > 0, "counted in ampoule_limits_exceeded_total");
            // once the budget refills (one claim per 20 s) erin is proposed without another roster change
            Poll.until("erin proposed once the budget refilled", Duration.ofSeconds(90), () -> audit.of(
                    AuditType.PROPOSAL_SENT).stream().anyMatch(ev -> ev.user().equals(Optional.of("erin"))));
            team.receiveProposals(0, 1);
            long added = team.commit(0, dev.ampoule.mls.group.CommitOptions.builder());
            assertEquals(5, team.member(0).group.members().size(), "erin and dave's devices added at " + added);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void aUserRegistersAtMostMaxDevicesPerUser(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("maxDevicesPerUser", 2)).start();
        try (TestDevice phone = relay.connect("alice", "phone"); TestDevice pad = relay.connect("alice", "pad");
                TestDevice laptop = relay.connect("alice", "laptop"); TestDevice bob = relay.connect("bob", "laptop")) {
            phone.ok(new Frame.PublishKeyPackages(new MlsMember("alice", "phone").keyPackages(1, false), false));
            pad.ok(new Frame.PublishKeyPackages(new MlsMember("alice", "pad").keyPackages(1, false), false));
            laptop.error(new Frame.PublishKeyPackages(new MlsMember("alice", "laptop").keyPackages(1, false), false),
                    ErrorCode.LIMIT_EXCEEDED);
            // registered devices go on publishing; other users have their own limit
            phone.ok(new Frame.PublishKeyPackages(new MlsMember("alice", "phone").keyPackages(1, false), false));
            bob.ok(new Frame.PublishKeyPackages(new MlsMember("bob", "laptop").keyPackages(1, false), false));
            assertTrue(relay.registry.scrape().contains("ampoule_limits_exceeded_total{limit=\"devices_per_user\"} 1.0"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void theRelaysAddsNeverPushAGroupOverItsSize(Vertx vertx, VertxTestContext ctx) {
        FakeRoster roster = new FakeRoster();
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("maxGroupSize", 3));
        relay.roster = roster;
        relay.start();
        MlsMember dave1 = new MlsMember("dave", "phone");
        MlsMember dave2 = new MlsMember("dave", "pad");
        try (CareTeamFixture team = CareTeamFixture.form(relay, roster, "t-size", "alice#phone", "bob#laptop");
                TestDevice d1 = relay.connect("dave", "phone"); TestDevice d2 = relay.connect("dave", "pad")) {
            d1.ok(new Frame.PublishKeyPackages(dave1.keyPackages(1, false), false));
            d2.ok(new Frame.PublishKeyPackages(dave2.keyPackages(1, false), false));
            team.addToRoster("dave", "pharmacist");
            // room for one more member: one Add, and the commit covering it is accepted
            team.receiveProposals(0, 1);
            RosterEnforcementTest.assertNoDeliver(team.device(0), 500);
            team.commit(0, dev.ampoule.mls.group.CommitOptions.builder());
            assertEquals(3, team.member(0).group.members().size());
            assertTrue(limitCount(relay, "group_size") > 0, "counted in ampoule_limits_exceeded_total");
            // a roster removal still fences and lifts: removals are never held back
            team.removeFromRoster("bob");
            assertTrue(team.fenced());
            team.receiveProposals(0, 1);
            team.commit(0, dev.ampoule.mls.group.CommitOptions.builder());
            assertTrue(!team.fenced(), "the fence lifted");
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    /** {@code ampoule_limits_exceeded_total{limit}} in the relay's scrape (every known limit is there from the start, at 0). */
    private static double limitCount(RelayHarness relay, String limit) {
        Matcher m = Pattern.compile("(?m)^ampoule_limits_exceeded_total\\{limit=\""
                + limit + "\"} (\\S+)$").matcher(relay.registry.scrape());
        assertTrue(m.find(), limit + " is exported");
        return Double.parseDouble(m.group(1));
    }
}
