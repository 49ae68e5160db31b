package dev.ampoule.relay.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input, one kind at a time: each gets its error code, the sending connection stays usable,
 * another member's connection sees nothing, and the group's state does not change (the next valid
 * message gets the very next sequence number and decrypts at the other member).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BadInputMatrixTest {

    @TempDir
    Path dir;

    private static byte[] flip(Bytes b, int at) {
        byte[] out = b.toArray();
        out[at] ^= 0x40;
        return out;
    }

    @Test
    void everyBadFrameGetsItsCodeAndChangesNothing(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("bad1");
        MlsMember carol = new MlsMember("carol", "phone");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop");
                TestDevice c = relay.connect("carol", "phone")) {
            MlsMember alice = team.member(0);
            MlsMember bob = team.member(1);
            TestDevice a = team.device(0);
            TestDevice b = team.device(1);
            c.ok(new Frame.PublishKeyPackages(carol.keyPackages(1, false), false));
            long baseline = a.ok(alice.message("baseline"));
            assertEquals(Optional.of("baseline"), bob.receive(b.next(Frame.Deliver.class)));
            a.next(Frame.Deliver.class);

            // material for the bad frames (nothing of it is merged locally)
            Frame.SendCommit commit = alice.commit(CommitOptions.builder().forcePath(true));
            alice.group.discardPendingCommit();
            Frame.SendApplication app = alice.message("valid but resent as something else");
            Frame.KeyPackages kp = (Frame.KeyPackages) a.call(new Frame.ClaimKeyPackages("carol", Optional.empty(), 1));
            Frame.SendCommit addWithoutWelcome = alice.commit(CommitOptions.builder()
                    .add(MlsMember.keyPackage(kp.entries().get(0).keyPackage())));
            alice.group.discardPendingCommit();

            Map<String, Supplier<Frame>> frames = new LinkedHashMap<>();
            Map<String, ErrorCode> expected = new LinkedHashMap<>();
            frames.put("garbage", () -> raw(a, new byte[] {0, 1, 0x07, 0, 0, 0, 9, (byte) 0xFF}));
            expected.put("garbage", ErrorCode.MALFORMED_FRAME);
            frames.put("version 2", () -> {
                byte[] f = FrameCodec.encode(9, new Frame.AckMailbox(0));
                f[1] = 2;
                return raw(a, f);
            });
            expected.put("version 2", ErrorCode.UNSUPPORTED_VERSION);
            frames.put("unknown type", () -> {
                byte[] f = FrameCodec.encode(9, new Frame.AckMailbox(0));
                f[2] = 0x3F;
                return raw(a, f);
            });
            expected.put("unknown type", ErrorCode.MALFORMED_FRAME);
            frames.put("truncated", () -> {
                byte[] f = FrameCodec.encode(9, app);
                return raw(a, Arrays.copyOf(f, f.length - 3));
            });
            expected.put("truncated", ErrorCode.MALFORMED_FRAME);
            frames.put("relay frame from a client", () -> raw(a, FrameCodec.encode(9, new Frame.Ok(1))));
            expected.put("relay frame from a client", ErrorCode.MALFORMED_FRAME);
            frames.put("text message", () -> {
                a.sendText("hello");
                return a.next(Frame.Error.class);
            });
            expected.put("text message", ErrorCode.MALFORMED_FRAME);
            frames.put("MLS garbage", () -> a.call(new Frame.SendApplication(gid, Bytes.ofHex("0001000200"))));
            expected.put("MLS garbage", ErrorCode.INVALID_MESSAGE);
            frames.put("commit as application", () -> a.call(new Frame.SendApplication(gid, commit.commit())));
            expected.put("commit as application", ErrorCode.INVALID_MESSAGE);
            frames.put("application as commit", () -> a.call(new Frame.SendCommit(gid, app.message(), Optional.empty(),
                    commit.groupInfo())));
            expected.put("application as commit", ErrorCode.INVALID_MESSAGE);
            frames.put("commit as proposal", () -> a.call(new Frame.SendProposal(gid, commit.commit())));
            expected.put("commit as proposal", ErrorCode.INVALID_MESSAGE);
            frames.put("tampered commit", () -> a.call(new Frame.SendCommit(gid,
                    Bytes.wrap(flip(commit.commit(), commit.commit().length() / 2)), Optional.empty(), commit.groupInfo())));
            expected.put("tampered commit", ErrorCode.INVALID_MESSAGE);
            frames.put("GroupInfo of another epoch", () -> a.call(new Frame.SendCommit(gid, commit.commit(),
                    Optional.empty(), new MlsMember("alice", "phone").create(Bytes.ofHex("0e0e")).groupInfo())));
            expected.put("GroupInfo of another epoch", ErrorCode.INVALID_MESSAGE);
            frames.put("add without Welcome", () -> a.call(new Frame.SendCommit(gid, addWithoutWelcome.commit(),
                    Optional.empty(), addWithoutWelcome.groupInfo())));
            expected.put("add without Welcome", ErrorCode.INVALID_MESSAGE);
            frames.put("alice's commit sent by bob", () -> b.call(commit));
            expected.put("alice's commit sent by bob", ErrorCode.FORBIDDEN);
            frames.put("application for the wrong group id", () -> a.call(new Frame.SendApplication(Bytes.ofHex("bad2"),
                    app.message())));
            expected.put("application for the wrong group id", ErrorCode.UNKNOWN_GROUP);
            frames.put("ack of an unknown group", () -> a.call(new Frame.AckGroup(Bytes.ofHex("bad2"), 1)));
            expected.put("ack of an unknown group", ErrorCode.UNKNOWN_GROUP);
            frames.put("resume of an unknown group", () -> a.call(new Frame.Resume(Optional.of(Bytes.ofHex("bad2")), 1)));
            expected.put("resume of an unknown group", ErrorCode.UNKNOWN_GROUP);
            frames.put("outsider commit", () -> c.call(commit));
            expected.put("outsider commit", ErrorCode.FORBIDDEN);
            frames.put("empty group id", () -> c.call(new Frame.CreateGroup(Bytes.EMPTY, commit.groupInfo(),
                    Optional.empty())));
            expected.put("empty group id", ErrorCode.INVALID_MESSAGE);

            for (Map.Entry<String, Supplier<Frame>> e : frames.entrySet()) {
                Frame answer = e.getValue().get();
                Frame.Error err = assertInstanceOf(Frame.Error.class, answer, e.getKey());
                assertEquals(expected.get(e.getKey()), err.code(), e.getKey() + ": " + err.detail());
                assertFalse(a.isClosed() || b.isClosed() || c.isClosed(), e.getKey() + " closed a connection");
            }
            assertTrue(relay.registry.scrape().contains("ampoule_rejections_total{code=\"INVALID_MESSAGE\"}"));
            assertNull(b.poll(200), "bob saw nothing of it");
            assertNull(c.poll(100), "carol saw nothing of it");

            // no state changed: same epoch, the next sequence number, and it decrypts at bob
            long next = a.ok(alice.message("after the storm"));
            assertEquals(baseline + 1, next);
            Frame.Deliver d = b.next(Frame.Deliver.class);
            assertEquals(next, d.seq());
            assertEquals(Optional.of("after the storm"), bob.receive(d));
            // and the valid commit is still acceptable for the current epoch
            a.ok(alice.commit(CommitOptions.builder().forcePath(true)));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    private static Frame raw(TestDevice d, byte[] bytes) {
        long id = FrameCodec.requestIdOf(bytes);
        var answer = id == 0 ? null : d.expectAnswer(id);
        d.sendRaw(bytes);
        return answer == null ? d.next(Frame.Error.class) : RelayHarness.await(answer);
    }
}
