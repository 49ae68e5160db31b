package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.ExternalJoin;
import dev.ampoule.mls.group.ExternalJoinOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.tree.RatchetTree;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Proposals validated and remembered across a restart; a user's new device joining by external commit. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProposalAndExternalJoinTest {

    @TempDir
    Path dir;

    @Test
    void proposalSurvivesARestartAndIsCommittedByReference(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("960b");
        Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
        MlsMember alice = team.member(0);
        MlsMember bob = team.member(1);
        Frame.SendProposal update = new Frame.SendProposal(gid, MlsMember.bytes(bob.group.proposeUpdate()));
        // only the sender's own connection may send it
        team.device(0).error(update, ErrorCode.FORBIDDEN);
        long proposalSeq = team.device(1).ok(update);
        Frame.Deliver p = team.device(0).next(Frame.Deliver.class);
        assertEquals(proposalSeq, p.seq());
        assertInstanceOf(Processed.ProposalMessage.class, alice.group.process(MlsMessage.fromBytes(p.message().toArray())));
        team.close();

        relay.restart(); // the relay rebuilds the group's view and its proposal from disk
        try (TestDevice a = relay.connect("alice", "phone"); TestDevice b = relay.connect("bob", "laptop")) {
            long commitSeq = a.ok(alice.commit(CommitOptions.builder()));
            alice.group.mergePendingCommit();
            // bob gets his own proposal back, then the commit that covers it
            Frame.Deliver own = b.next(Frame.Deliver.class);
            assertEquals(proposalSeq, own.seq());
            Frame.Deliver c = b.next(Frame.Deliver.class);
            assertEquals(commitSeq, c.seq());
            bob.receive(c);
            assertArrayEquals(alice.group.epochAuthenticator(), bob.group.epochAuthenticator());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void anotherDeviceOfAMemberJoinsByExternalCommit(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("e7e7");
        MlsMember bobPhone = new MlsMember("bob", "phone");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
                TestDevice phone = relay.connect("bob", "phone");
                TestDevice carol = relay.connect("carol", "phone")) {
            carol.error(new Frame.FetchGroupInfo(gid), ErrorCode.FORBIDDEN);
            Frame.GroupInfoResult info = (Frame.GroupInfoResult) phone.call(new Frame.FetchGroupInfo(gid));
            assertEquals(team.addSeq, info.seq());
            GroupInfo gi = ((MlsMessage.OfGroupInfo) MlsMessage.fromBytes(info.groupInfo().toArray())).groupInfo();
            ExternalJoin join = Group.joinExternal(PublicGroupView.CONFIG, gi,
                    Optional.of(RatchetTree.decode(MlsMember.SUITE, info.ratchetTree().toArray())),
                    bobPhone.credential, bobPhone.keys, ExternalJoinOptions.defaults());
            join.group().mergePendingCommit();
            bobPhone.group = join.group();
            Frame.SendCommit bundle = new Frame.SendCommit(gid, MlsMember.bytes(join.commit()), Optional.empty(),
                    MlsMember.bytes(new MlsMessage.OfGroupInfo(bobPhone.group.groupInfo(true))));
            // an outsider cannot send it
            carol.error(bundle, ErrorCode.FORBIDDEN);
            long seq = phone.ok(bundle);
            assertTrue(seq > team.addSeq);

            MlsMember alice = team.member(0);
            Frame.Deliver c = team.device(0).next(Frame.Deliver.class);
            assertEquals(seq, c.seq());
            alice.receive(c);
            assertEquals(3, alice.group.members().size());
            long hello = team.device(0).ok(alice.message("hello, bob's phone"));
            Frame.Deliver d = phone.next(Frame.Deliver.class);
            assertEquals(hello, d.seq(), "the new device starts after its external commit");
            assertEquals(Optional.of("hello, bob's phone"), bobPhone.receive(d));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
