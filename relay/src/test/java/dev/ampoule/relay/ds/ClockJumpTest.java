package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.JumpingClock;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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

/** The wall clock jumps forward and back: no message the relay accepted expires early. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClockJumpTest {

    @TempDir
    Path dir;

    @Test
    void clockJumpsExpireNothingEarly(Vertx vertx, VertxTestContext ctx) {
        JumpingClock clock = new JumpingClock();
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("messageTtlSeconds", 3600));
        relay.clock = clock;
        relay.start();
        Bytes gid = Bytes.ofHex("c10c");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            TestDevice a = team.device(0);
            MlsMember alice = team.member(0);
            team.device(1).close(); // bob is offline: the relay keeps everything for him
            long one = a.ok(alice.message("before the jump forward"));
            clock.jump(Duration.ofDays(2)); // far past the one-hour TTL
            expireNow(relay);
            long two = a.ok(alice.message("while the clock is ahead"));
            clock.jump(Duration.ofDays(-2)); // back: a message now would be stamped two days ago...
            long three = a.ok(alice.message("while the clock is behind"));
            clock.jump(Duration.ZERO); // ...and expire as soon as the clock is right again
            expireNow(relay);

            try (TestDevice bob = relay.connect("bob", "laptop")) {
                MlsMember b = team.member(1);
                Frame.Deliver d1 = bob.next(Frame.Deliver.class);
                assertEquals(one, d1.seq());
                assertEquals(Optional.of("before the jump forward"), b.receive(d1));
                assertEquals(Optional.of("while the clock is ahead"), b.receive(bob.next(Frame.Deliver.class)));
                Frame.Deliver d3 = bob.next(Frame.Deliver.class);
                assertEquals(three, d3.seq());
                assertEquals(Optional.of("while the clock is behind"), b.receive(d3));
                assertEquals(two + 1, three);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    private static void expireNow(RelayHarness relay) {
        await(relay.verticle().onContext(ds -> {
            ds.expireNow();
            return Future.succeededFuture();
        }));
    }
}
