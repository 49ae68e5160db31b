package dev.ampoule.relay.audit;

import static dev.ampoule.relay.audit.AuditFixtures.lines;
import static dev.ampoule.relay.audit.AuditFixtures.rehash;
import static dev.ampoule.relay.audit.AuditFixtures.writeLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The verifier finds every kind of tampering, says where, and never quotes an entry. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuditVerifierTest {

    private static final int N = 10;

    @TempDir
    Path dir;
    private Path file;
    private List<String> lines;

    @BeforeEach
    void writeLog(Vertx vertx) throws Exception {
        file = AuditFixtures.writeLog(vertx, dir, N);
        lines = lines(file);
        assertEquals(N, lines.size());
    }

    private AuditVerifier.Result verifyEdited(List<String> edited) throws Exception {
        writeLines(file, edited);
        AuditVerifier.Result r = AuditVerifier.verify(file);
        assertFalse(r.ok(), "tampering must be detected");
        // the reason names seqs and fields, never contents
        for (String id : List.of("user-", "team-", "coord-", "phone", "laptop", "tablet", "practitioner")) {
            assertFalse(r.reason().contains(id), r.reason());
        }
        return r;
    }

    @Test
    void intactLogVerifies(VertxTestContext ctx) throws Exception {
        AuditVerifier.Result r = AuditVerifier.verify(file);
        assertTrue(r.ok(), r.describe());
        assertEquals(N, r.entries());
        assertFalse(r.tornTail());
        assertEquals("audit chain OK: " + N + " entries", r.describe());
        ctx.completeNow();
    }

    @Test
    void editedMiddleEntryIsDetected(VertxTestContext ctx) throws Exception {
        List<String> edited = lines;
        String original = edited.get(4);
        String changed = original.replace("\"user\":\"user-4\"", "\"user\":\"user-44\"");
        assertFalse(changed.equals(original));
        edited.set(4, changed);
        AuditVerifier.Result r = verifyEdited(edited);
        assertEquals(5, r.badSeq());
        assertEquals(5, r.badLine());
        assertTrue(r.reason().contains("hash does not match"), r.reason());
        assertEquals(4, r.entries());
        assertTrue(r.describe().startsWith("audit chain BROKEN at entry 5 (line 5): "), r.describe());
        ctx.completeNow();
    }

    @Test
    void editedEntryWithItsOwnHashRecomputedBreaksTheNextLink(VertxTestContext ctx) throws Exception {
        List<String> edited = lines;
        edited.set(4, rehash(edited.get(4).replace("\"user\":\"user-4\"", "\"user\":\"someone-else\"")));
        AuditVerifier.Result r = verifyEdited(edited);
        assertEquals(6, r.badSeq());
        assertEquals(6, r.badLine());
        assertTrue(r.reason().contains("prev does not match the hash of entry 5"), r.reason());
        ctx.completeNow();
    }

    @Test
    void editedTimeIsDetected(VertxTestContext ctx) throws Exception {
        List<String> edited = lines;
        JsonObject o = new JsonObject(edited.get(2));
        String time = o.getString("time");
        String other = time.startsWith("19") ? "2001" + time.substring(4) : "1999" + time.substring(4);
        edited.set(2, edited.get(2).replace(time, other));
        AuditVerifier.Result r = verifyEdited(edited);
        assertEquals(3, r.badSeq());
        ctx.completeNow();
    }

    @Test
    void deletedMiddleEntryIsDetected(VertxTestContext ctx) throws Exception {
        List<String> edited = lines;
        edited.remove(4); // entry 5
        AuditVerifier.Result r = verifyEdited(edited);
        assertEquals(6, r.badSeq(), "the entry found where 5 belongs");
        assertEquals(5, r.badLine());
        assertTrue(r.reason().contains("entry 5 is missing"), r.reason());
        ctx.completeNow();
    }

    @Test
    void deletedLastEntryIsDetectedThroughTheHead(VertxTestContext ctx) throws Exception {
        List<String> edited = lines;
        edited.remove(N - 1);
        AuditVerifier.Result r = verifyEdited(edited);
        assertEquals(N, r.badSeq());
        assertEquals(N, r.badLine());
        assertEquals(N - 1, r.entries());
        assertTrue(r.reason().contains("removed from the end"), r.reason());
        // without the head the truncated chain is self-consistent: the head is what catches it
        AuditVerifier.Result noHead = AuditVerifier.verify(file, Optional.empty());
        assertTrue(noHead.ok(), noHead.describe());
        ctx.completeNow();
    }

    @Test
    void deletedEverythingIsDetectedThroughTheHead(VertxTestContext ctx) throws Exception {
        AuditVerifier.Result r = verifyEdited(List.of());
        assertEquals(1, r.badSeq());
        Files.delete(file);
        AuditVerifier.Result missing = AuditVerifier.verify(file);
        assertFalse(missing.ok());
        assertTrue(missing.reason().contains("missing"), missing.reason());
        ctx.completeNow();
    }

    @Test
    void reorderedPairIsDetected(VertxTestContext ctx) throws Exception {
        List<String> edited = lines;
        Collections.swap(edited, 3, 4); // entries 4 and 5
        AuditVerifier.Result r = verifyEdited(edited);
        assertEquals(5, r.badSeq());
        assertEquals(4, r.badLine());
        assertTrue(r.reason().contains("out of order"), r.reason());
        ctx.completeNow();
    }

    @Test
    void headMismatchIsDetected(VertxTestContext ctx) throws Exception {
        Path head = dir.resolve("audit").resolve("audit.head");
        Files.writeString(head, "{\"seq\":" + N + ",\"hash\":\"" + "a".repeat(64) + "\"}\n");
        AuditVerifier.Result r = AuditVerifier.verify(file);
        assertFalse(r.ok());
        assertEquals(N, r.badSeq());
        assertTrue(r.reason().contains("head"), r.reason());
        Files.writeString(head, "not json");
        assertFalse(AuditVerifier.verify(file).ok());
        ctx.completeNow();
    }

    @Test
    void nonCanonicalAndGarbageLinesAreDetected(VertxTestContext ctx) throws Exception {
        List<String> spaced = lines(file);
        spaced.set(1, spaced.get(1).replace("\"seq\":2,", "\"seq\": 2,"));
        AuditVerifier.Result r = verifyEdited(spaced);
        assertEquals(2, r.badSeq());
        assertTrue(r.reason().contains("canonical"), r.reason());

        List<String> garbage = new ArrayList<>(lines);
        garbage.set(6, "{\"seq\":7, this is not json");
        AuditVerifier.Result g = verifyEdited(garbage);
        assertEquals(7, g.badSeq());
        assertEquals(7, g.badLine());

        List<String> blank = new ArrayList<>(lines);
        blank.add(2, "");
        assertEquals(3, verifyEdited(blank).badLine());
        ctx.completeNow();
    }

    @Test
    void tornLastLineIsIgnoredUnlessTheHeadCountsIt(VertxTestContext ctx) throws Exception {
        List<String> torn = new ArrayList<>(lines.subList(0, N - 1));
        writeLines(file, torn);
        String last = lines.get(N - 1);
        Files.writeString(file, last, StandardOpenOption.APPEND); // complete text, no newline
        AuditVerifier.Result r = AuditVerifier.verify(file);
        assertFalse(r.ok(), "the head says entry " + N + " was written");
        assertEquals(N, r.badSeq());
        // with a head that stops before it (the crash came before the head was replaced), it is only torn
        Files.writeString(dir.resolve("audit").resolve("audit.head"), "{\"seq\":" + (N - 1) + ",\"hash\":\""
                + new JsonObject(lines.get(N - 2)).getString("hash") + "\"}\n");
        AuditVerifier.Result ok = AuditVerifier.verify(file);
        assertTrue(ok.ok(), ok.describe());
        assertTrue(ok.tornTail());
        assertEquals(N - 1, ok.entries());
        ctx.completeNow();
    }

    @Test
    void missingLogWithoutHeadIsNotAVerdict(VertxTestContext ctx) throws Exception {
        assertThrows(NoSuchFileException.class, () -> AuditVerifier.verify(dir.resolve("nowhere").resolve("audit.log")));
        ctx.completeNow();
    }
}
