package dev.ampoule.relay.audit;

import static dev.ampoule.relay.audit.AuditFixtures.event;
import static dev.ampoule.relay.audit.AuditFixtures.lines;
import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.Poll;
import dev.ampoule.relay.support.FaultyDisk;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk and I/O errors under the audit log: appends fail and {@link FileAuditLog#ok()} is
 * false while it cannot write, nothing half-written stays in the files, and once the disk works
 * again the log recovers by itself, records the outage in the chain, and verifies.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuditFaultTest {

    @TempDir
    Path dir;

    private final FaultyDisk disk = new FaultyDisk();

    private FileAuditLog open(Vertx vertx, long maxFileBytes) {
        return await(FileAuditLog.open(vertx, dir, FileAuditLog.Options.defaults().withDisk(disk)
                .withRetryInterval(Duration.ofMillis(50)).withMaxFileBytes(maxFileBytes)));
    }

    /** Waits (at most 30 s, polling) until {@code condition} holds. */
    static void awaitTrue(String what, BooleanSupplier condition) {
        Poll.until(what, Duration.ofSeconds(30), condition);
    }

    private static Throwable failure(Future<Void> f) {
        Throwable t = await(f.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : null)));
        if (t == null) {
            throw new AssertionError("the append succeeded");
        }
        return t;
    }

    private static List<AuditEntry> all(FileAuditLog log) {
        return await(log.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                0, AuditQuery.MAX_LIMIT)));
    }

    private void assertVerifies(long entries) throws Exception {
        AuditVerifier.Result r = AuditVerifier.verifyDirectory(FileAuditLog.directory(dir), false);
        assertTrue(r.ok(), r.describe());
        assertFalse(r.tornTail(), "nothing half-written stays");
        assertEquals(entries, r.entries());
    }

    @Test
    void aFullDiskRefusesAppendsThenTheLogRecoversByItself(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = open(vertx, 1L << 30);
        for (int i = 0; i < 3; i++) {
            await(log.record(event(i)));
        }
        assertTrue(log.ok());
        long size = Files.size(FileAuditLog.logFile(dir));
        disk.fullAfter(40); // the next line is cut after 40 bytes, then no space
        assertInstanceOf(AuditLogException.class, failure(log.record(event(3))));
        assertFalse(log.ok(), "the log says it cannot write");
        Throwable fast = failure(log.record(event(4)));
        assertTrue(fast.getMessage().contains("cannot write"), fast.getMessage());
        awaitTrue("the cut line is removed", () -> fileSize() == size);
        assertFalse(log.ok(), "still full");

        disk.heal();
        awaitTrue("the log recovers", log::ok);
        await(log.record(event(5)));
        List<AuditEntry> entries = all(log);
        assertEquals(5, entries.size());
        AuditEntry outage = entries.get(3);
        assertEquals(AuditType.AUDIT_OUTAGE, outage.event().type());
        assertEquals(Optional.of(AuditEvent.RELAY_ACTOR), outage.event().actor());
        assertEquals("2", outage.event().details().get("notRecorded"), "the two refused events are counted");
        assertTrue(outage.event().details().containsKey("since"));
        assertEquals(Optional.of("user-5"), entries.get(4).event().actor().or(() -> entries.get(4).event().user()),
                "the failed events are not in the log, later ones are");
        await(log.close());
        assertVerifies(5);
        ctx.completeNow();
    }

    private long fileSize() {
        try {
            return Files.size(FileAuditLog.logFile(dir));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void ioErrorsOnFsyncRefuseAppendsUntilTheDeviceWorks(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = open(vertx, 1L << 30);
        await(log.record(event(0)));
        disk.ioErrors();
        assertInstanceOf(AuditLogException.class, failure(log.record(event(1))));
        assertFalse(log.ok());
        disk.heal();
        awaitTrue("the log recovers", log::ok);
        await(log.record(event(2)));
        await(log.close());
        List<String> lines = lines(FileAuditLog.logFile(dir));
        assertEquals(3, lines.size(), "entry 1, the outage, entry 3");
        assertEquals("audit_outage", new JsonObject(lines.get(1)).getString("type"));
        assertVerifies(3);
        ctx.completeNow();
    }

    @Test
    void aHeadThatCannotBeReplacedLeavesDurableEntriesAndIsRepaired(Vertx vertx, VertxTestContext ctx)
            throws Exception {
        FileAuditLog log = open(vertx, 1L << 30);
        await(log.record(event(0)));
        disk.renamesFail();
        await(log.record(event(1))); // fsynced before the head's replacement failed: durable, acknowledged
        assertFalse(log.ok(), "the head is behind: not ok until it is written again");
        disk.heal();
        awaitTrue("the log recovers", log::ok);
        await(log.close());
        JsonObject head = new JsonObject(Files.readString(FileAuditLog.directory(dir).resolve("audit.head")).strip());
        assertEquals(3, head.getLong("seq"), "the head names the last entry again (the outage entry)");
        assertVerifies(3);
        ctx.completeNow();
    }

    @Test
    void aRotationOnAFullDiskIsFinishedAfterwards(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = open(vertx, 600);
        await(log.record(event(0)));
        await(log.record(event(1)));
        disk.full(); // the next write rotates first (600 bytes hold two lines), then cannot write
        assertInstanceOf(AuditLogException.class, failure(log.record(event(2))));
        disk.heal();
        awaitTrue("the log recovers", log::ok);
        for (int i = 3; i < 8; i++) {
            await(log.record(event(i)));
        }
        assertEquals(8, all(log).size(), "entries 1 and 2, the outage, five more");
        await(log.close());
        assertVerifies(8);
        assertTrue(AuditVerifier.verifyDirectory(FileAuditLog.directory(dir), false).files() > 2, "rotated on");
        ctx.completeNow();
    }
}
