package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.pgclient.PgException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DatabaseFailuresTest {

    private final List<String> reports = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000);
    private final DatabaseFailures failures = new DatabaseFailures(reports::add, now::get, Duration.ofSeconds(10));

    /** A PostgreSQL error whose message and detail quote a statement's values, as unique violations do. */
    private static PgException deadlock() {
        return new PgException("deadlock detected on group \\x5ec7e7", "ERROR", "40P01",
                "Process 1 waits for ShareLock on transaction 2; payload \\xdeadbeef");
    }

    @Test
    void reportsTheSqlStateAndTheCountNeverTheMessageOrDetail() {
        StoreException first = failures.failed("the database refused or did not answer a write", deadlock());
        assertEquals("the database refused or did not answer a write", first.getMessage());
        assertEquals(1, reports.size());
        assertTrue(reports.getFirst().contains("SQLSTATE 40P01"), reports.getFirst());

        // within the interval: counted, not reported
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        failures.failed("w", deadlock());
        failures.failed("w", new NoStackTraceTimeoutException("timeout after 5000 ms"));
        assertEquals(1, reports.size());

        now.addAndGet(Duration.ofSeconds(8).toNanos());
        failures.failed("w", deadlock());
        assertEquals(2, reports.size());
        String second = reports.get(1);
        assertTrue(second.startsWith("3 database write(s) failed in the last 11 s"), second);
        assertTrue(second.contains("NoStackTraceTimeoutException=1"), second);
        assertTrue(second.contains("SQLSTATE 40P01=2"), second);
        for (String r : reports) {
            assertFalse(r.contains("5ec7e7") || r.contains("deadbeef") || r.contains("ShareLock"), r);
        }
    }

    @Test
    void aRefusalIsPassedOnNeitherWrappedNorCounted() {
        StoreException replay = StoreException.refused(StoreException.Reason.REPLAY, "already accepted");
        assertSame(replay, failures.failed("w", replay));
        assertTrue(reports.isEmpty());
    }
}
