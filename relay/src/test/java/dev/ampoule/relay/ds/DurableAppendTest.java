package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.support.FailingStore;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** State changes only after a durable append: a failed store write leaves the group as it was. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DurableAppendTest {

    @TempDir
    Path dir;

    @Test
    void aFailedAppendChangesNothingAndTheSendersRetryIsAccepted(Vertx vertx, VertxTestContext ctx) {
        AtomicReference<FailingStore> store = new AtomicReference<>();
        RelayHarness relay = new RelayHarness(vertx, dir);
        relay.storeLayer = s -> {
            store.set(new FailingStore(s));
            return store.get();
        };
        relay.start();
        Bytes gid = Bytes.ofHex("fa11");
        long first;
        long second;
        long committed;
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            TestDevice a = team.device(0);
            MlsMember alice = team.member(0);
            first = a.ok(alice.message("one"));
            Frame.SendApplication two = alice.message("two");
            store.get().failNext.set(1);
            a.error(two, ErrorCode.UNAVAILABLE);
            second = a.ok(two); // the same message again: accepted, not REPLAY
            assertEquals(first + 1, second, "no sequence gap");

            // a commit whose append failed leaves the group in its epoch: the same commit is accepted again
            Frame.SendCommit update = alice.commit(CommitOptions.builder().forcePath(true));
            store.get().failNext.set(1);
            a.error(update, ErrorCode.UNAVAILABLE);
            committed = a.ok(update);
            assertEquals(second + 1, committed);
            alice.group.mergePendingCommit();

            // bob, reconnecting, receives every retained message in order: one, two, the commit
            try (TestDevice bob = relay.connect("bob", "laptop")) {
                MlsMember b = team.member(1);
                Frame.Deliver d1 = bob.next(Frame.Deliver.class);
                assertEquals(first, d1.seq());
                assertEquals(Optional.of("one"), b.receive(d1));
                Frame.Deliver d2 = bob.next(Frame.Deliver.class);
                assertEquals(second, d2.seq());
                assertEquals(Optional.of("two"), b.receive(d2));
                assertEquals(committed, bob.next(Frame.Deliver.class).seq());
            }
        }
        // after a restart the store holds exactly what was acknowledged, nothing of the failed attempts
        relay.restart();
        try {
            List<GroupMessage> kept = await(relay.verticle().onContext(ds -> ds.stored(gid, first, 100)));
            assertEquals(List.of(first, second, committed), kept.stream().map(GroupMessage::seq).toList());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
