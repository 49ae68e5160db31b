package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The per-group sequencer: one commit per epoch, stale and future epochs, Welcome after acceptance. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SequencerTest {

    @TempDir
    Path dir;

    @Test
    void firstCommitWinsAndTheLosersWelcomeIsNeverReleased(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        MlsMember carol = new MlsMember("carol", "phone");
        try (Team team = Team.form(relay, Bytes.ofHex("7e57"), "alice#phone", "bob#laptop");
                TestDevice c = relay.connect("carol", "phone")) {
            c.ok(new Frame.PublishKeyPackages(carol.keyPackages(2, false), false));
            MlsMember alice = team.member(0);
            MlsMember bob = team.member(1);
            Frame.KeyPackages kp = (Frame.KeyPackages) team.device(1).call(
                    new Frame.ClaimKeyPackages("carol", Optional.empty(), 1));
            Frame.SendCommit bobAddsCarol = bob.commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(kp.entries().get(0).keyPackage())));
            Frame.SendCommit aliceUpdates = alice.commit(CommitOptions.builder().forcePath(true));

            // both commits are for the same epoch: the first to reach the relay wins (sent one after
            // the other so that the order is known; CommitRaceTest in the client races them for real)
            Frame ra = RelayHarness.await(team.device(0).request(aliceUpdates));
            Frame rb = RelayHarness.await(team.device(1).request(bobAddsCarol));
            assertInstanceOf(Frame.Ok.class, ra, () -> "alice sent first: " + ra);
            assertEquals(ErrorCode.COMMIT_CONFLICT, assertInstanceOf(Frame.Error.class, rb).code());
            alice.group.mergePendingCommit();
            assertNull(c.poll(300), "no Welcome for a refused commit");

            // bob catches up with alice's commit, then adds carol again
            bob.group.discardPendingCommit();
            Frame.Deliver winner = team.device(1).next(Frame.Deliver.class);
            assertEquals(((Frame.Ok) ra).seq(), winner.seq());
            bob.receive(winner);
            kp = (Frame.KeyPackages) team.device(1).call(new Frame.ClaimKeyPackages("carol", Optional.empty(), 1));
            long seq = team.device(1).ok(bob.commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(kp.entries().get(0).keyPackage()))));
            bob.group.mergePendingCommit();
            Frame.WelcomeDelivery w = c.next(Frame.WelcomeDelivery.class);
            assertEquals(seq, w.groupSeq());
            carol.join(w, (Frame.GroupInfoResult) c.call(new Frame.FetchGroupInfo(team.groupId)));
            assertEquals(bob.group.epoch(), carol.group.epoch());

            // alice has not processed bob's commit yet: her message is for the old epoch
            team.device(0).error(alice.message("an epoch behind"), ErrorCode.STALE_EPOCH);
            Frame.Deliver own = team.device(0).next(Frame.Deliver.class);
            assertEquals(winner.seq(), own.seq());
            Frame.Deliver bobs = team.device(0).next(Frame.Deliver.class);
            assertEquals(seq, bobs.seq());
            alice.receive(bobs);
            long hello = team.device(0).ok(alice.message("welcome carol"));
            // carol's delivery starts right after the commit that added her
            Frame.Deliver first = c.next(Frame.Deliver.class);
            assertEquals(hello, first.seq());
            assertEquals(Optional.of("welcome carol"), carol.receive(first));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void staleAndFutureEpochsAreRefusedWithTheirCodes(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        try (Team team = Team.form(relay, Bytes.ofHex("e90c"), "alice#phone", "bob#laptop")) {
            MlsMember alice = team.member(0);
            MlsMember bob = team.member(1);
            TestDevice a = team.device(0);
            TestDevice b = team.device(1);
            // bob prepares a commit and a message for epoch 1, but alice moves the group on twice
            Frame.SendCommit bobsOld = bob.commit(CommitOptions.builder().forcePath(true));
            Frame.SendApplication bobsOldMessage = bob.message("too late");
            for (int i = 0; i < 2; i++) {
                a.ok(alice.commit(CommitOptions.builder().forcePath(true)));
                alice.group.mergePendingCommit();
            }
            assertEquals(3, alice.group.epoch());
            b.error(bobsOld, ErrorCode.STALE_EPOCH);
            b.error(bobsOldMessage, ErrorCode.STALE_EPOCH);

            // alice merges a commit the relay never saw: her next message is from the future
            alice.commit(CommitOptions.builder().forcePath(true));
            alice.group.mergePendingCommit();
            a.error(alice.message("from the future"), ErrorCode.FUTURE_EPOCH);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void replaysAndOutsidersAreRefused(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        MlsMember eve = new MlsMember("eve", "laptop");
        try (Team team = Team.form(relay, Bytes.ofHex("4e91"), "alice#phone", "bob#laptop");
                TestDevice e = relay.connect("eve", "laptop")) {
            Frame.SendApplication m = team.member(0).message("once");
            long seq = team.device(0).ok(m);
            assertTrue(team.device(0).error(m, ErrorCode.REPLAY).detail().contains(Long.toString(seq)));
            // another team's device: no access to this group
            e.error(new Frame.FetchGroupInfo(team.groupId), ErrorCode.FORBIDDEN);
            e.error(new Frame.SendApplication(team.groupId, m.message()), ErrorCode.FORBIDDEN);
            e.error(new Frame.AckGroup(team.groupId, 1), ErrorCode.FORBIDDEN);
            e.error(new Frame.Resume(Optional.of(team.groupId), 1), ErrorCode.FORBIDDEN);
            e.error(new Frame.FetchGroupInfo(Bytes.ofHex("00")), ErrorCode.UNKNOWN_GROUP);
            // eve creates her own group with the same id: taken
            e.error(eve.create(team.groupId), ErrorCode.GROUP_EXISTS);
            // and a group whose GroupInfo names another id
            e.error(new Frame.CreateGroup(Bytes.ofHex("e0e0"), eve.create(Bytes.ofHex("e1e1")).groupInfo(),
                    Optional.empty()), ErrorCode.INVALID_MESSAGE);
            assertNull(e.poll(200), "eve received nothing of the team's group");
            List<Long> bobGot = List.of(team.device(1).next(Frame.Deliver.class).seq());
            assertEquals(List.of(seq), bobGot);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
