package dev.ampoule.relay.audit;

import static dev.ampoule.relay.audit.AuditFixtures.event;
import static dev.ampoule.relay.audit.AuditFixtures.lines;
import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditFixtures.TestClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log rotates across files by size and by age; the hash chain runs on from each file to
 * the next; verification, queries and restarts span every file; a directory whose oldest files were
 * removed verifies with {@code allowPruned} from the first remaining entry's recorded predecessor.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuditRotationTest {

    private static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");

    @TempDir
    Path dir;

    private Path auditDir() {
        return dir.resolve(FileAuditLog.DIRECTORY);
    }

    private FileAuditLog open(Vertx vertx, TestClock clock, long maxFileBytes, Duration maxFileAge) {
        return await(FileAuditLog.open(vertx, dir, FileAuditLog.Options.defaults().withClock(clock)
                .withMaxFileBytes(maxFileBytes).withMaxFileAge(maxFileAge)));
    }

    /** A closed log of {@code n} typical events in files of at most 2 KiB. */
    private void writeRotated(Vertx vertx, TestClock clock, int n) {
        FileAuditLog log = open(vertx, clock, 2_048, Duration.ZERO);
        for (int i = 0; i < n; i++) {
            await(log.record(event(i)));
        }
        await(log.close());
    }

    /** The rotated files, oldest first. */
    private List<Path> rotated() throws IOException {
        try (Stream<Path> s = Files.list(auditDir())) {
            return s.filter(p -> p.getFileName().toString().matches("audit-\\d{20}\\.log")).sorted().toList();
        }
    }

    private static List<Long> seqs(List<AuditEntry> entries) {
        return entries.stream().map(AuditEntry::seq).toList();
    }

    private static AuditQuery everything() {
        return new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
                AuditQuery.MAX_LIMIT);
    }

    @Test
    void sizeLimitRotatesAndTheChainRunsAcrossFiles(Vertx vertx, VertxTestContext ctx) throws Exception {
        TestClock clock = new TestClock(T0);
        FileAuditLog log = open(vertx, clock, 2_048, Duration.ZERO);
        for (int i = 0; i < 60; i++) {
            await(log.record(event(i)));
        }
        assertEquals(seqs(await(log.query(everything()))), LongStream.rangeClosed(1, 60).boxed().toList(),
                "queries span every file, in order");
        await(log.close());

        List<Path> files = rotated();
        assertTrue(files.size() >= 5, "rotated by size: " + files);
        String prev = "0".repeat(64);
        long next = 1;
        for (Path f : Stream.concat(files.stream(), Stream.of(auditDir().resolve(FileAuditLog.LOG_FILE))).toList()) {
            List<String> lines = lines(f);
            if (!f.getFileName().toString().equals(FileAuditLog.LOG_FILE)) {
                assertTrue(Files.size(f) <= 2_048, "a rotated file keeps under the limit: " + f);
                assertEquals(String.format("audit-%020d.log", next), f.getFileName().toString(),
                        "named by its first entry");
            }
            for (String line : lines) {
                JsonObject o = new JsonObject(line);
                assertEquals(next++, o.getLong("seq"));
                assertEquals(prev, o.getString("prev"), "each file's first entry chains to the last of the one before");
                prev = o.getString("hash");
            }
        }
        assertEquals(61, next);
        AuditVerifier.Result r = AuditVerifier.verifyDirectory(auditDir(), false);
        assertTrue(r.ok(), r.describe());
        assertEquals(60, r.entries());

        // a restart continues the chain in the active file and still finds the rotated entries
        FileAuditLog again = open(vertx, clock, 2_048, Duration.ZERO);
        await(again.record(event(60)));
        assertEquals(LongStream.rangeClosed(1, 61).boxed().toList(), seqs(await(again.query(everything()))));
        List<AuditEntry> team1 = await(again.query(new AuditQuery(Optional.of("team-1"), Optional.empty(),
                Optional.empty(), Optional.empty(), 0, 100)));
        assertFalse(team1.isEmpty());
        assertTrue(team1.stream().allMatch(e -> e.event().team().equals(Optional.of("team-1"))));
        await(again.close());
        AuditVerifier.Result after = AuditVerifier.verifyDirectory(auditDir(), false);
        assertTrue(after.ok(), after.describe());
        assertEquals(61, after.entries());
        ctx.completeNow();
    }

    @Test
    void ageLimitRotatesAFileWhoseFirstEntryIsOlder(Vertx vertx, VertxTestContext ctx) throws Exception {
        TestClock clock = new TestClock(T0);
        FileAuditLog log = open(vertx, clock, 1L << 30, Duration.ofHours(1));
        await(log.record(event(0)));
        clock.advanceMillis(Duration.ofMinutes(59).toMillis());
        await(log.record(event(1)));
        assertEquals(List.of(), rotated(), "younger than the limit: one file");
        clock.advanceMillis(Duration.ofMinutes(2).toMillis());
        await(log.record(event(2)));
        assertEquals(List.of(auditDir().resolve("audit-00000000000000000001.log")), rotated());
        assertEquals(2, lines(rotated().get(0)).size());
        assertEquals(1, lines(auditDir().resolve(FileAuditLog.LOG_FILE)).size());
        await(log.close());
        AuditVerifier.Result r = AuditVerifier.verifyDirectory(auditDir(), false);
        assertTrue(r.ok(), r.describe());
        ctx.completeNow();
    }

    @Test
    void prunedOldestFilesVerifyOnlyWhenAllowedAndTheRelayGoesOn(Vertx vertx, VertxTestContext ctx) throws Exception {
        TestClock clock = new TestClock(T0);
        writeRotated(vertx, clock, 60);
        List<Path> files = rotated();
        Files.delete(files.get(0));
        Files.delete(files.get(1));
        long firstLeft = new JsonObject(lines(files.get(2)).get(0)).getLong("seq");

        AuditVerifier.Result strict = AuditVerifier.verifyDirectory(auditDir(), false);
        assertFalse(strict.ok());
        assertEquals(firstLeft, strict.badSeq(), "the entry found where entry 1 belongs");
        assertTrue(strict.reason().contains("allow-pruned") || strict.reason().contains("pruned"), strict.reason());
        AuditVerifier.Result pruned = AuditVerifier.verifyDirectory(auditDir(), true);
        assertTrue(pruned.ok(), pruned.describe());
        assertEquals(60 - firstLeft + 1, pruned.entries());
        assertEquals(firstLeft, pruned.firstSeq());
        assertTrue(pruned.describe().contains("from entry " + firstLeft), pruned.describe());

        // the relay opens a pruned log, appends to it and answers queries from what is left
        FileAuditLog again = open(vertx, clock, 2_048, Duration.ZERO);
        await(again.record(event(60)));
        assertEquals(LongStream.rangeClosed(firstLeft, 61).boxed().toList(), seqs(await(again.query(everything()))));
        await(again.close());
        assertTrue(AuditVerifier.verifyDirectory(auditDir(), true).ok());

        // removing a file in the middle is never pruning
        Files.delete(rotated().get(1));
        AuditVerifier.Result hole = AuditVerifier.verifyDirectory(auditDir(), true);
        assertFalse(hole.ok());
        assertTrue(hole.reason().contains("missing"), hole.describe());
        ctx.completeNow();
    }

    @Test
    void anEditedFirstEntryOfALaterFileBreaksTheChain(Vertx vertx, VertxTestContext ctx) throws Exception {
        writeRotated(vertx, new TestClock(T0), 30);
        Path second = rotated().get(1);
        List<String> lines = lines(second);
        long seq = new JsonObject(lines.get(0)).getLong("seq");
        // a forged first entry, rehashed, with a made-up predecessor: the chain from the file before refutes it
        lines.set(0, AuditFixtures.rehash(lines.get(0).replaceFirst("\"prev\":\"[0-9a-f]{64}\"",
                "\"prev\":\"" + "1".repeat(64) + "\"")));
        AuditFixtures.writeLines(second, lines);
        AuditVerifier.Result r = AuditVerifier.verifyDirectory(auditDir(), true);
        assertFalse(r.ok());
        assertEquals(seq, r.badSeq());
        assertTrue(r.describe().contains(second.getFileName().toString()), r.describe());
        ctx.completeNow();
    }
}
