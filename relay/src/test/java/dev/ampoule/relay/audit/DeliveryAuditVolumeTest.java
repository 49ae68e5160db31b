package dev.ampoule.relay.audit;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.Team;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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

/**
 * Acknowledgements do not write one {@code delivered} entry each: a device's acknowledgements of a
 * group within the window ({@code auditDeliveryWindowSeconds}) become one entry, written when the
 * window ends or the relay shuts down — never lost.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeliveryAuditVolumeTest {

    @TempDir
    Path dir;

    private static List<AuditEntry> delivered(Path dataDir, Vertx vertx) {
        FileAuditLog log = AuditFixtures.open(vertx, dataDir);
        try {
            return await(log.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), 0, AuditQuery.MAX_LIMIT))).stream()
                    .filter(e -> e.event().type() == AuditType.DELIVERED).toList();
        } finally {
            await(log.close());
        }
    }

    @Test
    void acknowledgementsInOneWindowAreOneEntryFlushedAtShutdown(Vertx vertx, VertxTestContext ctx) throws Exception {
        // the default window (30 s) is far longer than this exchange takes
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        Bytes gid = Bytes.ofHex("a0d1");
        long last;
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            long first = -1;
            last = -1;
            for (int i = 0; i < 25; i++) {
                long seq = team.device(0).ok(team.member(0).message("m" + i));
                Frame.Deliver d = team.device(1).next(Frame.Deliver.class);
                assertEquals(seq, d.seq());
                team.device(1).ok(new Frame.AckGroup(gid, d.seq())); // one acknowledgement per message
                first = first < 0 ? seq : first;
                last = seq;
            }
            relay.stop(); // the graceful shutdown writes what the window holds
            List<AuditEntry> bob = delivered(dir, vertx).stream()
                    .filter(e -> e.event().actor().equals(Optional.of("bob"))).toList();
            assertEquals(1, bob.size(), "one entry for bob's 25 acknowledgements, not one each");
            AuditEntry e = bob.get(0);
            assertEquals("laptop", e.event().details().get("device"));
            assertEquals(gid.hex(), e.event().details().get("group"));
            assertEquals(Long.toString(last), e.event().details().get("seq"), "the highest acknowledged");
            assertEquals(Long.toString(first), e.event().details().get("firstSeq"));
            assertEquals("25", e.event().details().get("acks"));
            AuditVerifier.Result r = AuditVerifier.verify(FileAuditLog.logFile(dir));
            assertTrue(r.ok(), r.describe());
        }
        ctx.completeNow();
    }

    @Test
    void windowEndWritesTheEntryWithoutShutdown(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("auditDeliveryWindowSeconds", 1)).start();
        Bytes gid = Bytes.ofHex("a0d2");
        try (Team team = Team.form(relay, gid, "alice#phone", "bob#laptop")) {
            long seq = team.device(0).ok(team.member(0).message("hello"));
            team.device(1).next(Frame.Deliver.class);
            team.device(1).ok(new Frame.AckGroup(gid, seq));
            AuditLog log = relay.verticle().auditLog();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<AuditEntry> found = List.of();
            while (found.isEmpty() && System.nanoTime() < deadline) {
                found = await(log.query(new AuditQuery(Optional.empty(), Optional.of("bob"), Optional.empty(),
                        Optional.empty(), 0, 100))).stream().filter(e -> e.event().type() == AuditType.DELIVERED)
                        .toList();
                if (found.isEmpty()) {
                    await(vertx.timer(50));
                }
            }
            assertEquals(1, found.size(), "the window's end wrote bob's entry");
            assertEquals(Long.toString(seq), found.get(0).event().details().get("seq"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
