package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Which messages each device may receive and send: cut-off, joining late, replays across restarts. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DeliveryAccessTest {

    @TempDir
    Path dir;

    @Test
    void cutOffDeviceReceivesAndSendsNothingMoreEvenAfterARestart(Vertx vertx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("c0f0");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop", "carol#tablet");
        try {
            long before = team.device(0).ok(team.member(0).message("before the cut"));
            assertEquals(before, team.device(2).next(Frame.Deliver.class).seq());
            RelayHarness.await(relay.verticle().onContext(
                    ds -> ds.cutOff(gid, Set.of(DeviceId.of("carol", "tablet").orElseThrow()))));

            long after = team.device(0).ok(team.member(0).message("after the cut"));
            team.device(1).next(Frame.Deliver.class);
            assertEquals(after, team.device(1).next(Frame.Deliver.class).seq());
            assertNull(team.device(2).poll(300), "nothing after the cut reaches carol");
            team.device(2).error(team.member(2).message("may I?"), ErrorCode.FORBIDDEN);

            team.device(2).close();
            relay.restart();
            TestDevice carol = relay.connect("carol", "tablet");
            assertEquals(before, carol.next(Frame.Deliver.class).seq(), "still owed what came before the cut");
            assertNull(carol.poll(300));
            carol.error(team.member(2).message("and now?"), ErrorCode.FORBIDDEN);
            carol.ok(new Frame.Resume(Optional.of(gid), after));
            assertNull(carol.poll(300), "a resume does not reach past the cut either");
            // an acknowledgement cannot reach past the cut
            assertEquals(before, carol.ok(new Frame.AckGroup(gid, after)));
            long cursor = RelayHarness.await(relay.verticle().onContext(
                    ds -> io.vertx.core.Future.succeededFuture(ds.cursor(DeviceId.of("carol", "tablet").orElseThrow(), gid))));
            assertEquals(before, cursor);
            carol.close();
        } finally {
            team.close();
            relay.stop();
        }
    }

    @Test
    void aLateJoinerCannotResumeIntoMessagesFromBeforeItJoined(Vertx vertx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("1a7e");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
        try {
            long early = team.device(0).ok(team.member(0).message("before carol"));
            MlsMember carol = new MlsMember("carol", "tablet");
            TestDevice carolDevice = relay.connect("carol", "tablet");
            carolDevice.ok(new Frame.PublishKeyPackages(carol.keyPackages(1, false), false));
            Frame.KeyPackages kp = (Frame.KeyPackages) team.device(0).call(
                    new Frame.ClaimKeyPackages("carol", Optional.of("tablet"), 1));
            long add = team.device(0).ok(team.member(0).commit(
                    CommitOptions.builder().add(MlsMember.keyPackage(kp.entries().get(0).keyPackage()))));
            team.member(0).group.mergePendingCommit();
            Frame.WelcomeDelivery w = carolDevice.next(Frame.WelcomeDelivery.class);
            carol.join(w, (Frame.GroupInfoResult) carolDevice.call(new Frame.FetchGroupInfo(gid)));
            assertTrue(early < add);

            long later = team.device(0).ok(team.member(0).message("with carol"));
            assertEquals(later, carolDevice.next(Frame.Deliver.class).seq());
            // a retention sweep drops what alice and bob acknowledged (the group's creation and the
            // commit that formed it, whatever the sweep timer did by now); nobody acknowledged
            // "before carol", so it is still retained — but not for carol
            RelayHarness.await(relay.verticle().compact());
            List<GroupMessage> kept = RelayHarness.await(relay.verticle().onContext(ds -> ds.stored(gid, 0, 10)));
            assertEquals(early, kept.get(0).seq(), "the sweep kept what nobody acknowledged");
            // resuming from before what is kept: what carol may read from there (after the commit
            // that added her) is all kept, so it is no NOT_RETAINED
            assertEquals(1, carolDevice.ok(new Frame.Resume(Optional.of(gid), 1)));
            Frame.Deliver again = carolDevice.next(Frame.Deliver.class);
            assertEquals(later, again.seq(), "a resume starts after the commit that added carol");
            assertEquals(Optional.of("with carol"), carol.receive(again));
            carolDevice.close();
        } finally {
            team.close();
            relay.stop();
        }
    }

    @Test
    void aReplayIsRecognisedAfterARestart(Vertx vertx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("4e91");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
        try {
            Frame.SendApplication message = team.member(0).message("sent once");
            long seq = team.device(0).ok(message);
            team.close();
            relay.restart();
            TestDevice alice = relay.connect("alice", "phone");
            Frame.Error e = alice.error(message, ErrorCode.REPLAY);
            assertTrue(e.detail().contains(Long.toString(seq)), e.detail());
            // and also after a checkpoint of the store
            RelayHarness.await(relay.verticle().compact());
            relay.restart();
            TestDevice again = relay.connect("alice", "phone");
            again.error(message, ErrorCode.REPLAY);
            alice.close();
            again.close();
        } finally {
            relay.stop();
        }
    }
}
