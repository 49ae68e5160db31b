package dev.ampoule.relay.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.vertx.junit5.Checkpoint;
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

/** Offline delivery: durable mailboxes, in-order delivery, acknowledgements, resume with no gap. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OfflineDeliveryTest {

    @TempDir
    Path dir;

    @Test
    void hundredMessagesWhileOfflineArriveInOrderAfterReconnectAndRestart(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("0ff1");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
        MlsMember alice = team.member(0);
        MlsMember bob = team.member(1);
        team.device(1).close(); // bob goes offline
        List<Long> seqs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            seqs.add(team.device(0).ok(alice.message("m" + i)));
        }
        assertEquals(seqs.get(0) + 99, seqs.get(99), "consecutive sequence numbers");

        // bob reconnects: the messages arrive in order (more than one read batch without any
        // acknowledgement); he acknowledges the first 50 only and drops again
        TestDevice b = relay.connect("bob", "laptop");
        for (int i = 0; i < 70; i++) {
            Frame.Deliver d = b.next(Frame.Deliver.class);
            assertEquals(seqs.get(i), d.seq());
            assertEquals(Optional.of("m" + i), bob.receive(d));
        }
        b.ok(new Frame.AckGroup(gid, seqs.get(49)));
        b.close();

        // a restart in between: the relay recovers cursors and messages from disk
        relay.restart();
        TestDevice again = relay.connect("bob", "laptop");
        Checkpoint each = ctx.checkpoint(50);
        for (int i = 50; i < 100; i++) {
            Frame.Deliver d = again.next(Frame.Deliver.class);
            assertEquals(seqs.get(i), d.seq(), "resumes right after the last acknowledgement, no gap");
            if (i >= 70) { // 50..69 come again (at least once); bob had processed them already
                assertEquals(Optional.of("m" + i), bob.receive(d));
            }
            each.flag();
        }
        again.ok(new Frame.AckGroup(gid, seqs.get(99)));
        assertNull(again.poll(300));

        // Resume re-reads what is still retained (alice never acknowledged, so all is kept)
        assertEquals(seqs.get(10), again.ok(new Frame.Resume(Optional.of(gid), seqs.get(10))));
        assertEquals(seqs.get(10), again.next(Frame.Deliver.class).seq());
        again.close();
        team.device(0).close();
        relay.stop();
    }

    @Test
    void acknowledgedByEveryoneIsDroppedAndResumeSaysNotRetained(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("d20b");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            long s1 = team.device(0).ok(team.member(0).message("one"));
            long s2 = team.device(0).ok(team.member(0).message("two"));
            for (int i = 0; i < 2; i++) {
                assertEquals(s1 + i, team.device(0).next(Frame.Deliver.class).seq());
                team.member(1).receive(team.device(1).next(Frame.Deliver.class));
            }
            team.device(0).ok(new Frame.AckGroup(gid, s2));
            team.device(1).ok(new Frame.AckGroup(gid, s2));
            // the retention sweep runs every second
            long deadline = System.currentTimeMillis() + 5_000;
            Frame answer;
            do {
                Thread.sleep(200);
                answer = team.device(1).call(new Frame.Resume(Optional.of(gid), s1));
            } while (answer instanceof Frame.Ok && System.currentTimeMillis() < deadline);
            assertEquals(ErrorCode.NOT_RETAINED, ((Frame.Error) answer).code());
            team.device(1).error(new Frame.Resume(Optional.empty(), 0), ErrorCode.NOT_RETAINED);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void removedDeviceGetsTheCommitThatRemovedItAndNothingAfter(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("5e1f");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop", "carol#tablet")) {
            MlsMember alice = team.member(0);
            int carolLeaf = alice.group.members().stream()
                    .filter(m -> new String(((dev.ampoule.mls.credential.Credential.Basic) m.credential()).identity(),
                            java.nio.charset.StandardCharsets.UTF_8).equals("carol#tablet"))
                    .findFirst().orElseThrow().leafIndex();
            long removal = team.device(0).ok(alice.commit(dev.ampoule.mls.group.CommitOptions.builder().remove(carolLeaf)));
            alice.group.mergePendingCommit();
            long after = team.device(0).ok(alice.message("carol must not read this"));
            Frame.Deliver last = team.device(2).next(Frame.Deliver.class);
            assertEquals(removal, last.seq());
            assertNull(team.device(2).poll(300), "nothing after the removal reaches carol");
            team.device(2).error(team.member(2).message("still here?"), ErrorCode.FORBIDDEN);
            Frame.Deliver bobGets = team.device(1).next(Frame.Deliver.class);
            team.member(1).receive(bobGets);
            assertEquals(Optional.of("carol must not read this"), team.member(1).receive(team.device(1).next(Frame.Deliver.class)));
            assertTrue(after > removal);
            // once carol acknowledged the removal, the group is gone for her
            team.device(2).ok(new Frame.AckGroup(gid, removal));
            team.device(2).error(new Frame.AckGroup(gid, removal), ErrorCode.FORBIDDEN);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void slowReaderIsWindowedNotOverrun(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("maxInFlight", 10)).start();
        Bytes gid = Bytes.ofHex("5104");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            List<Future<Frame>> sent = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                sent.add(team.device(0).request(team.member(0).message("w" + i)));
            }
            sent.forEach(RelayHarness::await);
            List<Long> got = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                got.add(team.device(1).next(Frame.Deliver.class).seq());
            }
            assertNull(team.device(1).poll(300), "at most maxInFlight unacknowledged messages");
            team.device(1).ok(new Frame.AckGroup(gid, got.get(9)));
            for (int i = 0; i < 10; i++) {
                got.add(team.device(1).next(Frame.Deliver.class).seq());
            }
            for (int i = 1; i < got.size(); i++) {
                assertEquals(got.get(i - 1) + 1, got.get(i));
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
