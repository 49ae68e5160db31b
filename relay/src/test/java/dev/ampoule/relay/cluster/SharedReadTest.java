package dev.ampoule.relay.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shared reads: a caller never gets a read that began before it asked; callers who ask while a read
 * runs share the one queued behind it; a failed read fails its callers only, and the next starts
 * afresh.
 */
class SharedReadTest {

    private final List<Promise<Void>> started = new ArrayList<>();
    private final SharedRead reads = new SharedRead(() -> {
        Promise<Void> p = Promise.promise();
        started.add(p);
        return p.future();
    });

    @Test
    void callersDuringAReadShareTheNextOne() {
        Future<Void> first = reads.get();
        assertEquals(1, started.size());
        Future<Void> second = reads.get();
        Future<Void> third = reads.get();
        assertSame(second, third, "one read queued for both");
        assertEquals(1, started.size(), "not started while the first runs");

        started.get(0).complete();
        assertTrue(first.succeeded());
        assertFalse(second.isComplete(), "the first read began before they asked");
        assertEquals(2, started.size(), "the queued read starts once the first is done");
        Future<Void> fourth = reads.get();
        assertNotSame(second, fourth, "asked while the second runs: a third read");

        started.get(1).complete();
        assertTrue(second.succeeded() && third.succeeded());
        assertEquals(3, started.size());
        started.get(2).complete();
        assertTrue(fourth.succeeded());
        reads.get();
        assertEquals(4, started.size(), "idle again: a new read at once");
    }

    @Test
    void aFailedReadFailsItsCallersAndTheNextStartsAfresh() {
        Future<Void> first = reads.get();
        Future<Void> second = reads.get();
        started.get(0).fail(new IllegalStateException("database away"));
        assertTrue(first.failed());
        started.get(1).complete();
        assertTrue(second.succeeded(), "the queued read is its own");
        SharedRead throwing = new SharedRead(() -> {
            throw new IllegalStateException("no pool");
        });
        assertTrue(throwing.get().failed());
        assertTrue(throwing.get().failed(), "and again, not stuck");
    }
}
