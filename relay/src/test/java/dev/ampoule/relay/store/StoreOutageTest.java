package dev.ampoule.relay.store;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.log.FaultyDisk;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.Poll;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TcpProxy;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestPostgres;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay while its store cannot write — a full disk, I/O errors: writes are answered
 * {@code UNAVAILABLE}, {@code /ready} says 503, both recover by themselves when the disk works
 * again, and nothing acknowledged is lost (nor anything refused kept).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoreOutageTest {

    @TempDir
    Path dir;

    @Test
    void aFullOrFailingDiskIsAnsweredUnavailableAndRecoveredFromWithNothingLost(Vertx vertx, VertxTestContext ctx)
            throws Exception {
        FaultyDisk disk = new FaultyDisk();
        RelayHarness relay = new RelayHarness(vertx, dir);
        relay.storeLayer = unopened -> new FileStore(vertx, dir.resolve("log"), 1 << 20, true, 1 << 20, disk);
        relay.start();
        HttpClient http = vertx.createHttpClient();
        Bytes gid = Bytes.ofHex("d15c");
        long one;
        long two;
        long three;
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            TestDevice a = team.device(0);
            MlsMember alice = team.member(0);
            one = a.ok(alice.message("one"));

            // the disk fills up in the middle of a record
            disk.fullAfter(100);
            Frame.SendApplication big = alice.message("x".repeat(2_000));
            a.error(big, ErrorCode.UNAVAILABLE);
            awaitReady(http, relay, 503);
            a.error(big, ErrorCode.UNAVAILABLE);
            a.error(alice.commit(dev.ampoule.mls.group.CommitOptions.builder().forcePath(true)), ErrorCode.UNAVAILABLE);
            alice.group.discardPendingCommit();
            disk.heal();
            awaitReady(http, relay, 200); // by itself, with no traffic
            two = a.ok(big);
            assertEquals(one + 1, two, "the refused message's number is the retry's");

            // an I/O error on every write and fsync
            disk.failAll();
            Frame.SendApplication third = alice.message("three");
            a.error(third, ErrorCode.UNAVAILABLE);
            awaitReady(http, relay, 503);
            disk.heal();
            awaitReady(http, relay, 200);
            three = a.ok(third);
            assertEquals(two + 1, three);

            try (TestDevice bob = relay.connect("bob", "laptop")) {
                MlsMember b = team.member(1);
                assertEquals(Optional.of("one"), b.receive(bob.next(Frame.Deliver.class)));
                Frame.Deliver d = bob.next(Frame.Deliver.class);
                assertEquals(two, d.seq());
                assertEquals(Optional.of("x".repeat(2_000)), b.receive(d));
                assertEquals(Optional.of("three"), b.receive(bob.next(Frame.Deliver.class)));
            }
        }
        // after a restart: exactly what was acknowledged
        relay.restart();
        try {
            List<GroupMessage> kept = await(relay.verticle().onContext(ds -> ds.stored(gid, one, 100)));
            assertEquals(List.of(one, two, three), kept.stream().map(GroupMessage::seq).toList());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void aDatabaseOutageIsAnsweredUnavailableAndRecoveredFromWithNothingLost(Vertx vertx, VertxTestContext ctx)
            throws Exception {
        PgConnectOptions db = TestPostgres.freshDatabase();
        try (TcpProxy proxy = TcpProxy.start(vertx, db.getHost(), db.getPort())) {
            RelayHarness relay = new RelayHarness(vertx, dir,
                    RelayOnPostgresTest.postgres(TestPostgres.via(db, "127.0.0.1", proxy.port()))).start();
            HttpClient http = vertx.createHttpClient();
            Bytes gid = Bytes.ofHex("0b0e");
            try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
                TestDevice a = team.device(0);
                MlsMember alice = team.member(0);
                long one = a.ok(alice.message("one"));
                proxy.cut();
                Frame.SendApplication two = alice.message("two");
                a.error(two, ErrorCode.UNAVAILABLE);
                awaitReady(http, relay, 503);
                proxy.restore();
                awaitReady(http, relay, 200);
                assertEquals(one + 1, a.ok(two));
                try (TestDevice bob = relay.connect("bob", "laptop")) {
                    assertEquals(Optional.of("one"), team.member(1).receive(bob.next(Frame.Deliver.class)));
                    Frame.Deliver d = bob.next(Frame.Deliver.class);
                    assertEquals(one + 1, d.seq());
                    assertEquals(Optional.of("two"), team.member(1).receive(d));
                }
            } finally {
                relay.stop();
            }
        }
        ctx.completeNow();
    }

    /** Waits (bounded) until {@code /ready} answers {@code status}. */
    static void awaitReady(HttpClient http, RelayHarness relay, int status) {
        int[] last = {0};
        try {
            Poll.until("/ready answers " + status, Duration.ofSeconds(60), () -> {
                last[0] = HttpCalls.call(http, HttpCalls.to(relay.port(), HttpMethod.GET, "/ready")).status();
                return last[0] == status;
            });
        } catch (AssertionError e) {
            throw new AssertionError("/ready answered " + last[0] + ", not " + status, e);
        }
    }
}
