package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.roster.TeamMember;
import dev.ampoule.relay.support.FakeRoster;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay puts rostered devices back: a device missing from its team's group is proposed again
 * (per device, even when its user has another device in the group; again in the next epoch when a
 * Commit leaves it out), except a device its own user removed, whose KeyPackages are withdrawn. And
 * the signature keys devices registered outlive restarts and compactions, but not the user's erasure.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SelfRepairTest {

    @TempDir
    Path dir;

    final FakeRoster roster = new FakeRoster();

    RelayHarness start(Vertx vertx, String teamId) {
        roster.addTeam(teamId);
        roster.put(teamId, "coord", TeamMember.COORDINATOR);
        roster.put(teamId, "doc", "practitioner");
        RelayHarness relay = new RelayHarness(vertx, dir);
        relay.roster = roster;
        return relay.start();
    }

    /** The next Deliver of member {@code i} is the relay's Add of {@code device}; processed and acknowledged. */
    static void expectRelayAdd(CareTeamFixture team, int i, MlsMember device) {
        Frame.Deliver d = team.device(i).next(Frame.Deliver.class);
        Processed.ProposalMessage p = assertInstanceOf(Processed.ProposalMessage.class,
                team.member(i).group.process(MlsMessage.fromBytes(d.message().toArray())));
        AddProposal add = assertInstanceOf(AddProposal.class, p.proposal().proposal());
        assertEquals(Optional.of(device.id), PublicGroupView.deviceOf(add.keyPackage().leafNode().credential()));
        team.device(i).ok(new Frame.AckGroup(team.groupId, d.seq()));
    }

    @Test
    void aMissingDeviceIsProposedAgainUntilItsOwnUserRemovesIt(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx, "t-repair");
        MlsMember laptop = new MlsMember("doc", "laptop");
        try (CareTeamFixture team = CareTeamFixture.formGroup(relay, roster, "t-repair", "coord#desk", "doc#tablet");
                TestDevice l = relay.connect("doc", "laptop")) {
            // doc is in the group with his tablet; his laptop publishes and is proposed all the same
            l.ok(new Frame.PublishKeyPackages(laptop.keyPackages(3, false), false));
            expectRelayAdd(team, 0, laptop);
            // a Commit that leaves it out: the relay proposes it again in the next epoch
            long leftOut = team.commit(0, CommitOptions.builder().includePendingProposals(false).forcePath(true));
            expectRelayAdd(team, 0, laptop);
            long added = team.commit(0, CommitOptions.builder());
            assertTrue(added > leftOut);
            team.members.add(laptop);
            team.devices.add(l);
            team.join(2);
            team.receive(1);
            team.receive(1);
            team.receive(1);
            team.receive(1);
            assertTrue(team.held().devices().contains(laptop.id));

            // doc removes his laptop from his tablet: not proposed again (its KeyPackages are withdrawn)
            long removal = team.commit(1, CommitOptions.builder().remove(team.leafOf(1, "doc#laptop")));
            team.device(0).error(new Frame.ClaimKeyPackages("doc", Optional.of("laptop"), 1), ErrorCode.NO_KEY_PACKAGE);
            // a later Commit is sequenced after the relay's synchronisation: no proposal came between
            long next = team.commit(1, CommitOptions.builder().forcePath(true));
            assertEquals(removal, team.receive(0).seq());
            assertEquals(next, team.receive(0).seq());

            // once the laptop publishes again, it is proposed again
            l.ok(new Frame.PublishKeyPackages(laptop.keyPackages(1, false), false));
            expectRelayAdd(team, 0, laptop);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    static boolean registered(RelayHarness relay, MlsMember m) {
        return await(relay.verticle().onContext(ds -> io.vertx.core.Future.succeededFuture(
                ds.keyRegistered(m.id, m.keys.publicKey()))));
    }

    @Test
    void registeredKeysSurviveRestartAndCompactionAndGoWithErasure(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = start(vertx, "t-keys");
        MlsMember laptop = new MlsMember("doc", "laptop");
        CareTeamFixture team = CareTeamFixture.formGroup(relay, roster, "t-keys", "coord#desk", "doc#tablet");
        Frame.KeyPackages kp;
        try (TestDevice l = relay.connect("doc", "laptop")) {
            l.ok(new Frame.PublishKeyPackages(laptop.keyPackages(1, false), false));
            // the relay claims it for its own Add; the coordinator's claim then gets nothing
            expectRelayAdd(team, 0, laptop);
        }
        // a KeyPackage with the same key, which the relay never saw: its key is what counts
        kp = new Frame.KeyPackages(java.util.List.of(new Frame.KeyPackageEntry("doc", "laptop",
                laptop.keyPackage(Duration.ofDays(1), false))));
        team.close();
        relay.restart();
        await(relay.verticle().onContext(ds -> ds.compactNow()));
        relay.restart();
        TestDevice c = relay.connect("coord", "desk");
        team.devices.set(0, c);
        // the relay's Add is still pending: commit by value instead of it
        long seq = c.ok(team.member(0).commit(CommitOptions.builder().includePendingProposals(false)
                .add(MlsMember.keyPackage(kp.entries().get(0).keyPackage()))));
        team.member(0).group.mergePendingCommit();
        assertTrue(seq > 0);
        assertTrue(team.held().devices().contains(laptop.id));

        assertTrue(registered(relay, laptop));

        // erased: doc's keys are gone, and stay gone after a restart
        await(relay.verticle().onContext(ds -> ds.enforcement().userErased("doc")));
        assertTrue(!registered(relay, laptop));
        c.close();
        relay.restart();
        c = relay.connect("coord", "desk");
        assertTrue(!registered(relay, laptop));
        assertTrue(!registered(relay, team.member(1)));
        c.close();
        relay.stop();
        ctx.completeNow();
    }
}
