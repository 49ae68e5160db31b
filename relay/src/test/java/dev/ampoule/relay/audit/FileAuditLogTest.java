package dev.ampoule.relay.audit;

import static dev.ampoule.relay.audit.AuditFixtures.event;
import static dev.ampoule.relay.audit.AuditFixtures.expectedHash;
import static dev.ampoule.relay.audit.AuditFixtures.lines;
import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditFixtures.TestClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The audit log file: the chain as written, queries, restart, crash recovery, limits. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileAuditLogTest {

    private static final Instant T0 = Instant.parse("2025-03-01T09:00:00Z");
    private static final List<String> KEYS = List.of("seq", "time", "type", "actor", "team", "user", "details", "prev",
            "hash");

    @TempDir
    Path dir;

    private static AuditQuery q(String team, String user, Instant from, Instant to, long afterSeq, int limit) {
        return new AuditQuery(Optional.ofNullable(team), Optional.ofNullable(user), Optional.ofNullable(from),
                Optional.ofNullable(to), afterSeq, limit);
    }

    private static List<Long> seqs(List<AuditEntry> entries) {
        return entries.stream().map(AuditEntry::seq).toList();
    }

    @Test
    void lineIsCanonicalAndHashedAsDocumented(Vertx vertx, VertxTestContext ctx) throws Exception {
        TestClock clock = new TestClock(T0.plusMillis(7));
        FileAuditLog log = AuditFixtures.open(vertx, dir, clock);
        await(log.record(AuditEvent.of(AuditType.MEMBER_REMOVED, "dr-osei", "t-1", "lin",
                Map.of("role", "pharmacist", "devices", "2", "b", "x"))));
        await(log.record(AuditEvent.of(AuditType.LOGIN_REFUSED, null, null, null, Map.of("code", "UNAUTHENTICATED"))));
        await(log.close());

        List<String> lines = lines(FileAuditLog.logFile(dir));
        assertEquals(2, lines.size());
        String zeros = "0".repeat(64);
        String first = lines.get(0);
        String h1 = expectedHash(first);
        assertEquals("{\"seq\":1,\"time\":\"2025-03-01T09:00:00.007Z\",\"type\":\"member_removed\",\"actor\":\"dr-osei\","
                + "\"team\":\"t-1\",\"user\":\"lin\",\"details\":{\"b\":\"x\",\"devices\":\"2\",\"role\":\"pharmacist\"},"
                + "\"prev\":\"" + zeros + "\",\"hash\":\"" + h1 + "\"}", first);
        String second = lines.get(1);
        assertEquals("{\"seq\":2,\"time\":\"2025-03-01T09:00:00.007Z\",\"type\":\"login_refused\",\"actor\":null,"
                + "\"team\":null,\"user\":null,\"details\":{\"code\":\"UNAUTHENTICATED\"},\"prev\":\"" + h1
                + "\",\"hash\":\"" + expectedHash(second) + "\"}", second);
        // the head names the last entry
        JsonObject head = new JsonObject(Files.readString(dir.resolve("audit").resolve("audit.head")).strip());
        assertEquals(2L, head.getLong("seq"));
        assertEquals(expectedHash(second), head.getString("hash"));
        ctx.completeNow();
    }

    @Test
    void chainIsWrittenInOrderAndVerifies(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = AuditFixtures.open(vertx, dir);
        // many at once from the event loop: group commit, one chain
        List<Future<Void>> all = AuditFixtures.onEventLoop(vertx, () -> {
            List<Future<Void>> fs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                fs.add(log.record(event(i)));
            }
            return fs;
        });
        await(Future.all(all));
        assertEquals(500, log.size());
        await(log.close());

        List<String> lines = lines(FileAuditLog.logFile(dir));
        assertEquals(500, lines.size());
        String prev = "0".repeat(64);
        for (int i = 0; i < lines.size(); i++) {
            JsonObject o = new JsonObject(lines.get(i));
            assertEquals(KEYS, List.copyOf(o.fieldNames()), "members in the canonical order");
            assertEquals(i + 1L, o.getLong("seq"));
            assertEquals(prev, o.getString("prev"));
            assertEquals(expectedHash(lines.get(i)), o.getString("hash"));
            prev = o.getString("hash");
        }
        AuditVerifier.Result r = AuditVerifier.verify(FileAuditLog.logFile(dir));
        assertTrue(r.ok(), r.describe());
        assertEquals(500, r.entries());
        assertEquals("audit chain OK: 500 entries", r.describe());
        ctx.completeNow();
    }

    @Test
    void queriesFilterByTeamUserAndTimeAndPage(Vertx vertx, VertxTestContext ctx) {
        TestClock clock = new TestClock(T0);
        FileAuditLog log = AuditFixtures.open(vertx, dir, clock);
        // seq: 1..9, one second apart
        String[][] rows = {
            {"alice", "t-a", "bob"}, // 1
            {"alice", "t-b", "carol"}, // 2
            {"bob", "t-a", null}, // 3: bob as actor
            {"relay", "t-a", "dave"}, // 4
            {"carol", null, "carol"}, // 5: a login, no team
            {"alice", "t-a", "bob"}, // 6
            {"erin", "t-b", null}, // 7
            {"relay", "t-a", "bob"}, // 8
            {"bob", "t-b", "bob"}, // 9: actor and user
        };
        for (String[] r : rows) {
            await(log.record(AuditEvent.of(AuditType.MEMBER_ADDED, r[0], r[1], r[2], Map.of())));
            clock.advanceMillis(1_000);
        }
        assertEquals(List.of(1L, 3L, 4L, 6L, 8L), seqs(await(log.query(q("t-a", null, null, null, 0, 100)))));
        assertEquals(List.of(1L, 3L, 6L, 8L, 9L), seqs(await(log.query(q(null, "bob", null, null, 0, 100)))),
                "bob as user or as actor, each entry once");
        assertEquals(List.of(1L, 3L, 6L, 8L), seqs(await(log.query(q("t-a", "bob", null, null, 0, 100)))));
        assertEquals(List.of(2L, 5L), seqs(await(log.query(q(null, "carol", null, null, 0, 100)))));
        // [from, to): seconds 2..5 are seqs 3..6, 'to' excluded
        Instant from = T0.plusSeconds(2);
        Instant to = T0.plusSeconds(6);
        assertEquals(List.of(3L, 4L, 5L, 6L), seqs(await(log.query(q(null, null, from, to, 0, 100)))));
        assertEquals(List.of(3L, 4L, 6L), seqs(await(log.query(q("t-a", null, from, to, 0, 100)))));
        // a 'from' inside a millisecond does not take the entry written at its start
        assertEquals(List.of(4L, 5L, 6L),
                seqs(await(log.query(q(null, null, from.plusNanos(1), to, 0, 100)))));
        // paging: limit, then after the last seq seen
        List<AuditEntry> page1 = await(log.query(q(null, "bob", null, null, 0, 2)));
        assertEquals(List.of(1L, 3L), seqs(page1));
        List<AuditEntry> page2 = await(log.query(q(null, "bob", null, null, page1.getLast().seq(), 2)));
        assertEquals(List.of(6L, 8L), seqs(page2));
        List<AuditEntry> page3 = await(log.query(q(null, "bob", null, null, page2.getLast().seq(), 2)));
        assertEquals(List.of(9L), seqs(page3));
        assertEquals(List.of(), seqs(await(log.query(q(null, "bob", null, null, 9, 2)))));
        assertEquals(List.of(5L, 6L, 7L), seqs(await(log.query(q(null, null, null, null, 4, 3)))));
        // unknown ids, empty ranges
        assertEquals(List.of(), await(log.query(q("t-zzz", null, null, null, 0, 100))));
        assertEquals(List.of(), await(log.query(q(null, "nobody", null, null, 0, 100))));
        assertEquals(List.of(), await(log.query(q(null, null, to, from, 0, 100))));
        // entries come back whole, as stored
        AuditEntry e = await(log.query(q(null, null, null, null, 3, 1))).getFirst();
        assertEquals(4, e.seq());
        assertEquals(T0.plusSeconds(3), e.time());
        assertEquals(AuditEvent.of(AuditType.MEMBER_ADDED, "relay", "t-a", "dave", Map.of()), e.event());
        assertEquals(expectedHash(e.jsonLine()), e.hash());
        assertEquals(KEYS, List.copyOf(e.toJson().fieldNames()));
        await(log.close());
        ctx.completeNow();
    }

    @Test
    void exportIsTheStoredLinesAndVerifies(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = AuditFixtures.open(vertx, dir);
        for (int i = 0; i < 20; i++) {
            await(log.record(event(i)));
        }
        Buffer all = await(log.export(q(null, null, null, null, 0, AuditQuery.MAX_LIMIT)));
        await(log.close());
        assertEquals(Files.readString(FileAuditLog.logFile(dir)), all.toString(StandardCharsets.UTF_8));
        Path exported = dir.resolve("export.ndjson");
        Files.write(exported, all.getBytes());
        AuditVerifier.Result r = AuditVerifier.verify(exported);
        assertTrue(r.ok(), r.describe());
        assertEquals(20, r.entries());
        FileAuditLog reopened = AuditFixtures.open(vertx, dir);
        Buffer team = await(reopened.export(q("team-1", null, null, null, 0, 100)));
        await(reopened.close());
        String[] lines = team.toString(StandardCharsets.UTF_8).split("\n");
        assertTrue(lines.length > 0);
        for (String l : lines) {
            assertEquals("team-1", new JsonObject(l).getString("team"));
        }
        ctx.completeNow();
    }

    @Test
    void restartContinuesTheChain(Vertx vertx, VertxTestContext ctx) throws Exception {
        AuditFixtures.writeLog(vertx, dir, 3);
        String thirdHash = new JsonObject(lines(FileAuditLog.logFile(dir)).get(2)).getString("hash");
        FileAuditLog log = AuditFixtures.open(vertx, dir);
        assertEquals(3, log.size());
        assertEquals(List.of(1L, 2L, 3L), seqs(await(log.query(q(null, null, null, null, 0, 10)))));
        await(log.record(event(3)));
        await(log.record(event(4)));
        await(log.close());
        List<String> lines = lines(FileAuditLog.logFile(dir));
        assertEquals(5, lines.size());
        assertEquals(4L, new JsonObject(lines.get(3)).getLong("seq"));
        assertEquals(thirdHash, new JsonObject(lines.get(3)).getString("prev"));
        AuditVerifier.Result r = AuditVerifier.verify(FileAuditLog.logFile(dir));
        assertTrue(r.ok(), r.describe());
        assertEquals(5, r.entries());
        ctx.completeNow();
    }

    @Test
    void tornTailIsCutOffOnOpen(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path file = AuditFixtures.writeLog(vertx, dir, 3);
        long good = Files.size(file);
        // a crash in the middle of writing entry 4: part of a line, no newline
        String partial = lines(file).get(2).replace("\"seq\":3", "\"seq\":4").substring(0, 60);
        Files.writeString(file, partial, StandardOpenOption.APPEND);
        AuditVerifier.Result before = AuditVerifier.verify(file);
        assertTrue(before.ok(), before.describe());
        assertTrue(before.tornTail());
        assertEquals(3, before.entries());

        FileAuditLog log = AuditFixtures.open(vertx, dir);
        assertEquals(good, Files.size(file), "the incomplete line is gone");
        assertEquals(3, log.size());
        await(log.record(event(3)));
        await(log.close());
        AuditVerifier.Result after = AuditVerifier.verify(file);
        assertTrue(after.ok(), after.describe());
        assertFalse(after.tornTail());
        assertEquals(4, after.entries());
        ctx.completeNow();
    }

    @Test
    void aTamperedLogIsNotAppendedTo(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path file = AuditFixtures.writeLog(vertx, dir, 5);
        List<String> lines = lines(file);
        lines.remove(4); // the last entry: only the head file knows
        AuditFixtures.writeLines(file, lines);
        Throwable e = assertThrows(AssertionError.class,
                () -> await(FileAuditLog.open(vertx, dir, FileAuditLog.Options.defaults()))).getCause();
        while (e != null && !(e instanceof AuditLogException)) {
            e = e.getCause();
        }
        assertInstanceOf(AuditLogException.class, e);
        assertTrue(e.getMessage().contains("BROKEN at entry 5"), e.getMessage());
        assertEquals(4, lines(file).size(), "nothing was written");
        ctx.completeNow();
    }

    @Test
    void recordFailsWhenTheWriterIsTooFarBehind(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = await(FileAuditLog.open(vertx, dir, FileAuditLog.Options.defaults().withMaxPending(4)));
        List<Future<Void>> fs = AuditFixtures.onEventLoop(vertx, () -> {
            List<Future<Void>> list = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                list.add(log.record(event(i)));
            }
            return list;
        });
        await(Future.join(fs).recover(x -> Future.succeededFuture()));
        long ok = fs.stream().filter(Future::succeeded).count();
        List<Throwable> failures = fs.stream().filter(Future::failed).map(Future::cause).toList();
        assertFalse(failures.isEmpty(), "a writer behind by more than 4 entries refuses more");
        for (Throwable t : failures) {
            assertInstanceOf(AuditLogException.class, t);
            assertTrue(t.getMessage().contains("more than 4 entries behind"), t.getMessage());
        }
        assertTrue(ok >= 1);
        assertEquals(ok, log.size());
        await(log.close());
        AuditVerifier.Result r = AuditVerifier.verify(FileAuditLog.logFile(dir));
        assertTrue(r.ok(), r.describe());
        assertEquals(ok, r.entries(), "only accepted events are in the chain, with no gap");
        ctx.completeNow();
    }

    @Test
    void eventsThatLookLikeTheyCarrySecretsAreRefused(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = AuditFixtures.open(vertx, dir);
        String jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
        List<AuditEvent> bad = List.of(
                AuditEvent.of(AuditType.LOGIN, "alice", null, "alice", Map.of("token", jwt)),
                AuditEvent.of(AuditType.LOGIN, jwt, null, null, Map.of()),
                AuditEvent.of(AuditType.ADMIN_CALL, "alice", null, null, Map.of("authorization", "Bearer abc.def")),
                AuditEvent.of(AuditType.ADMIN_CALL, "alice", null, null, Map.of("path", "x".repeat(300))),
                AuditEvent.of(AuditType.ADMIN_CALL, "alice", null, null, Map.of("not an id", "1")));
        for (AuditEvent ev : bad) {
            Throwable t = assertThrows(AssertionError.class, () -> await(log.record(ev))).getCause().getCause();
            assertInstanceOf(AuditLogException.class, t);
            assertFalse(t.getMessage().contains(jwt) || t.getMessage().contains("abc.def"), t.getMessage());
        }
        assertEquals(0, log.size());
        await(log.close());
        assertEquals(0, Files.size(FileAuditLog.logFile(dir)));
        Throwable closed = assertThrows(AssertionError.class, () -> await(log.record(event(0)))).getCause().getCause();
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        ctx.completeNow();
    }

    @Test
    void entriesHoldExactlyWhatWasGiven(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = AuditFixtures.open(vertx, dir);
        List<AuditEvent> typical = List.of(
                AuditEvent.of(AuditType.TEAM_CREATED, "dr-osei", "t-Qm9vLWJhcg", null, Map.of()),
                AuditEvent.of(AuditType.MEMBER_ADDED, "dr-osei", "t-Qm9vLWJhcg", "lin", Map.of("role", "pharmacist")),
                AuditEvent.of(AuditType.LOGIN, "lin", null, "lin", Map.of("device", "phone")),
                AuditEvent.of(AuditType.KEY_PACKAGE_CLAIMED, "dr-osei", null, "lin", Map.of("device", "phone")),
                AuditEvent.of(AuditType.COMMIT_ACCEPTED, "dr-osei", "t-Qm9vLWJhcg", null,
                        Map.of("device", "laptop", "epoch", "4", "seq", "17")),
                AuditEvent.of(AuditType.DELIVERED, "lin", "t-Qm9vLWJhcg", null, Map.of("device", "phone", "seq", "17")),
                AuditEvent.of(AuditType.MEMBER_REMOVED, "dr-osei", "t-Qm9vLWJhcg", "lin", Map.of()),
                AuditEvent.of(AuditType.ADMIN_CALL, "dr-osei", "t-Qm9vLWJhcg", null,
                        Map.of("method", "DELETE", "path", "/v1/teams/{team}/members/{user}", "status", "204")),
                AuditEvent.of(AuditType.USER_ERASED, "admin", null, "lin", Map.of()));
        for (AuditEvent ev : typical) {
            await(log.record(ev));
        }
        await(log.close());
        List<String> lines = lines(FileAuditLog.logFile(dir));
        assertEquals(typical.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            AuditEvent given = typical.get(i);
            JsonObject o = new JsonObject(lines.get(i));
            assertEquals(KEYS, List.copyOf(o.fieldNames()));
            assertEquals(given.type().wireName(), o.getString("type"));
            assertEquals(given.actor().orElse(null), o.getString("actor"));
            assertEquals(given.team().orElse(null), o.getString("team"));
            assertEquals(given.user().orElse(null), o.getString("user"));
            assertEquals(given.details(), o.getJsonObject("details").getMap(), "details are exactly the given ones");
            assertTrue(o.getString("time").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
            assertTrue(o.getString("prev").matches("[0-9a-f]{64}") && o.getString("hash").matches("[0-9a-f]{64}"));
        }
        String text = Files.readString(FileAuditLog.logFile(dir));
        assertFalse(text.matches("(?s).*eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\..*"), "no JWT-looking string");
        assertFalse(text.toLowerCase().contains("bearer"));
        ctx.completeNow();
    }

    @Test
    void timesNeverGoBackwards(Vertx vertx, VertxTestContext ctx) {
        TestClock clock = new TestClock(T0.plusSeconds(10));
        FileAuditLog log = AuditFixtures.open(vertx, dir, clock);
        await(log.record(event(0)));
        clock.set(T0); // the clock stepped back
        await(log.record(event(1)));
        List<AuditEntry> all = await(log.query(q(null, null, null, null, 0, 10)));
        assertEquals(T0.plusSeconds(10), all.get(1).time());
        assertEquals(List.of(1L, 2L), seqs(await(log.query(q(null, null, T0.plusSeconds(10), null, 0, 10)))));
        await(log.close());
        assertEquals(LongStream.rangeClosed(1, 2).boxed().toList(), seqs(all));
        ctx.completeNow();
    }
}
