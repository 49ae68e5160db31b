package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
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

/** A care team's group over real WebSockets: create, add by KeyPackage + Welcome, exchange messages. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupFlowTest {

    @TempDir
    Path dir;

    @Test
    void createAddAndExchange(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        MlsMember alice = new MlsMember("alice", "phone");
        MlsMember bob = new MlsMember("bob", "laptop");
        try (TestDevice a = relay.connect("alice", "phone"); TestDevice b = relay.connect("bob", "laptop")) {
            assertEquals(3, b.ok(new Frame.PublishKeyPackages(bob.keyPackages(3, false), false)));
            Bytes groupId = Bytes.ofHex("a11ce0");
            assertEquals(0, a.ok(alice.create(groupId)));

            Frame.KeyPackages kps = (Frame.KeyPackages) a.call(new Frame.ClaimKeyPackages("bob", Optional.empty(), 1));
            assertEquals(1, kps.entries().size());
            assertEquals("laptop", kps.entries().get(0).deviceId());
            Frame.SendCommit add = alice.commit(CommitOptions.builder().add(MlsMember.keyPackage(kps.entries().get(0).keyPackage())));
            assertEquals(1, a.ok(add));
            alice.group.mergePendingCommit();

            Frame.WelcomeDelivery w = b.next(Frame.WelcomeDelivery.class);
            assertEquals(1, w.mailboxSeq());
            assertEquals(1, w.groupSeq());
            bob.join(w, (Frame.GroupInfoResult) b.call(new Frame.FetchGroupInfo(groupId)));
            b.ok(new Frame.AckMailbox(w.mailboxSeq()));
            assertEquals(alice.group.epoch(), bob.group.epoch());

            assertEquals(2, a.ok(alice.message("hello bob")));
            Frame.Deliver d = b.next(Frame.Deliver.class);
            assertEquals(2, d.seq(), "bob starts after the commit that added him");
            assertEquals(Optional.of("hello bob"), bob.receive(d));
            b.ok(new Frame.AckGroup(groupId, d.seq()));

            assertEquals(3, b.ok(bob.message("hi alice")));
            List<Frame.Deliver> aliceGot = List.of(a.next(Frame.Deliver.class), a.next(Frame.Deliver.class),
                    a.next(Frame.Deliver.class));
            assertEquals(List.of(1L, 2L, 3L), aliceGot.stream().map(Frame.Deliver::seq).toList());
            assertEquals(Optional.of("hi alice"), alice.receive(aliceGot.get(2)));
            assertNull(b.poll(200) instanceof Frame.Deliver dd && dd.seq() < 3 ? dd : null);
            assertTrue(relay.verticle().deliveryService().groupCount() == 1);
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
