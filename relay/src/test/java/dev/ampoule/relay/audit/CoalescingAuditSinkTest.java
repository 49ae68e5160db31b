package dev.ampoule.relay.audit;

import static dev.ampoule.relay.audit.AuditFixtures.onEventLoop;
import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.admin.MemoryAuditLog;
import dev.ampoule.relay.audit.AuditFixtures.TestClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Delivery entries gathered per device and group: merged, written per window, kept when writing fails. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CoalescingAuditSinkTest {

    private static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");

    private static AuditEvent ack(String user, String device, String team, long seq) {
        return AuditEvent.of(AuditType.DELIVERED, user, team, null, Map.of("device", device, "seq", Long.toString(seq)));
    }

    private static List<AuditEntry> all(MemoryAuditLog log) {
        return await(log.query(new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                0, AuditQuery.MAX_LIMIT)));
    }

    /** A sink whose window does not end during the test: only flush and close write. */
    private static CoalescingAuditSink hourly(Vertx vertx, MemoryAuditLog log, TestClock clock) {
        return onEventLoop(vertx, () -> new CoalescingAuditSink(vertx, log, Duration.ofHours(1), clock));
    }

    @Test
    void acknowledgementsMergePerDeviceAndGroupAndOtherEventsPassAtOnce(Vertx vertx, VertxTestContext ctx) {
        MemoryAuditLog log = new MemoryAuditLog();
        TestClock clock = new TestClock(T0);
        CoalescingAuditSink sink = hourly(vertx, log, clock);
        onEventLoop(vertx, () -> {
            sink.record(ack("bob", "laptop", "t-1", 5));
            clock.advanceMillis(1_000);
            sink.record(ack("bob", "laptop", "t-1", 9));
            sink.record(ack("bob", "laptop", "t-1", 7)); // an older cursor never lowers the entry's seq
            sink.record(ack("bob", "phone", "t-1", 6));
            sink.record(ack("bob", "laptop", "t-2", 3));
            return sink.record(AuditEvent.of(AuditType.LOGIN, "carol", null, "carol", Map.of("device", "tab")));
        });
        assertEquals(List.of(AuditType.LOGIN), all(log).stream().map(e -> e.event().type()).toList(),
                "only the login is written before the window ends");
        assertEquals(3, onEventLoop(vertx, sink::openEntries));
        await(onEventLoop(vertx, sink::flush));
        List<AuditEntry> entries = all(log);
        assertEquals(4, entries.size());
        AuditEvent laptop = entries.get(1).event();
        assertEquals(Optional.of("t-1"), laptop.team());
        assertEquals(Map.of("device", "laptop", "seq", "9", "firstSeq", "5", "acks", "3",
                "since", "2025-03-01T09:00:00.000Z"), laptop.details());
        assertEquals(Map.of("device", "phone", "seq", "6", "firstSeq", "6", "acks", "1",
                "since", "2025-03-01T09:00:01.000Z"), entries.get(2).event().details());
        assertEquals(Optional.of("t-2"), entries.get(3).event().team());
        assertEquals(0, onEventLoop(vertx, sink::openEntries));
        await(onEventLoop(vertx, sink::close));
        ctx.completeNow();
    }

    @Test
    void anEntryTheLogCannotWriteIsKeptAndMergedWithTheNext(Vertx vertx, VertxTestContext ctx) {
        MemoryAuditLog log = new MemoryAuditLog();
        TestClock clock = new TestClock(T0);
        CoalescingAuditSink sink = hourly(vertx, log, clock);
        onEventLoop(vertx, () -> sink.record(ack("bob", "laptop", "t-1", 4)));
        log.failing = true;
        Future<Void> failed = onEventLoop(vertx, sink::flush);
        boolean reported = await(failed.transform(ar -> Future.succeededFuture(ar.failed())));
        assertTrue(reported, "the flush reports the failure");
        assertEquals(1, onEventLoop(vertx, sink::openEntries), "kept");
        clock.advanceMillis(5_000);
        onEventLoop(vertx, () -> sink.record(ack("bob", "laptop", "t-1", 8)));
        log.failing = false;
        await(onEventLoop(vertx, sink::close)); // shutdown writes what is left
        List<AuditEntry> entries = all(log);
        assertEquals(1, entries.size());
        assertEquals(Map.of("device", "laptop", "seq", "8", "firstSeq", "4", "acks", "2",
                "since", "2025-03-01T09:00:00.000Z"), entries.get(0).event().details());
        // after close, a late acknowledgement is written as it comes
        onEventLoop(vertx, () -> sink.record(ack("bob", "laptop", "t-1", 9)));
        assertEquals(2, all(log).size());
        ctx.completeNow();
    }

    @Test
    void aZeroWindowWritesEachAcknowledgement(Vertx vertx, VertxTestContext ctx) {
        MemoryAuditLog log = new MemoryAuditLog();
        CoalescingAuditSink sink = onEventLoop(vertx, () -> new CoalescingAuditSink(vertx, log, Duration.ZERO,
                new TestClock(T0)));
        onEventLoop(vertx, () -> {
            sink.record(ack("bob", "laptop", "t-1", 1));
            return sink.record(ack("bob", "laptop", "t-1", 2));
        });
        assertEquals(List.of("1", "2"), all(log).stream().map(e -> e.event().details().get("seq")).toList());
        ctx.completeNow();
    }
}
