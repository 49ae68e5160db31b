package dev.ampoule.relay;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.audit.FileAuditLog;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code relay audit-verify} run as its own process, as an operator would. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MainAuditVerifyTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {
    }

    private static Run audit(String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.ampoule.relay.Main", "audit-verify"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, err);
    }

    private Path writeLog(Vertx vertx, int n) {
        FileAuditLog log = await(FileAuditLog.open(vertx, dir, FileAuditLog.Options.defaults()));
        for (int i = 1; i <= n; i++) {
            await(log.record(AuditEvent.of(AuditType.MEMBER_ADDED, "coordinator", "t-1", "user-" + i,
                    Map.of("role", "patient"))));
        }
        await(log.close());
        return FileAuditLog.logFile(dir);
    }

    @Test
    void goodLogExitsZero(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path file = writeLog(vertx, 6);
        Run byDir = audit("--data-dir", dir.toString());
        assertEquals(0, byDir.exit(), byDir.err());
        assertEquals("audit chain OK: 6 entries", byDir.out());
        Run byFile = audit("--file", file.toString());
        assertEquals(0, byFile.exit(), byFile.err());
        assertEquals("audit chain OK: 6 entries", byFile.out());
        ctx.completeNow();
    }

    @Test
    void editedOrDeletedEntryExitsOne(Vertx vertx, VertxTestContext ctx) throws Exception {
        Path file = writeLog(vertx, 6);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        List<String> edited = new ArrayList<>(lines);
        edited.set(2, edited.get(2).replace("\"user\":\"user-3\"", "\"user\":\"user-9\""));
        Files.write(file, edited);
        Run r = audit("--data-dir", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.out().startsWith("audit chain BROKEN at entry 3 (line 3): "), r.out());
        assertFalse(r.out().contains("user-9") || r.out().contains("user-3"), "no entry contents: " + r.out());

        List<String> deleted = new ArrayList<>(lines);
        deleted.remove(5);
        Files.write(file, deleted);
        Run last = audit("--file", file.toString());
        assertEquals(1, last.exit());
        assertTrue(last.out().startsWith("audit chain BROKEN at entry 6 (line 6): "), last.out());
        ctx.completeNow();
    }

    @Test
    void rotatedFilesVerifyAsOneChainAndPrunedOnesOnlyWhenAllowed(Vertx vertx, VertxTestContext ctx) throws Exception {
        FileAuditLog log = await(FileAuditLog.open(vertx, dir, FileAuditLog.Options.defaults().withMaxFileBytes(1_024)));
        for (int i = 1; i <= 30; i++) {
            await(log.record(AuditEvent.of(AuditType.MEMBER_ADDED, "coordinator", "t-1", "user-" + i,
                    Map.of("role", "patient"))));
        }
        await(log.close());
        Path audit = FileAuditLog.directory(dir);
        List<Path> rotated;
        try (var files = Files.list(audit)) {
            rotated = files.filter(p -> p.getFileName().toString().startsWith("audit-")).sorted().toList();
        }
        assertTrue(rotated.size() >= 3, rotated.toString());
        Run all = audit("--data-dir", dir.toString());
        assertEquals(0, all.exit(), all.err());
        assertEquals("audit chain OK: 30 entries in " + (rotated.size() + 1) + " files", all.out());

        Files.delete(rotated.get(0));
        Run strict = audit("--data-dir", dir.toString());
        assertEquals(1, strict.exit());
        assertTrue(strict.out().contains("--allow-pruned"), strict.out());
        Run pruned = audit("--data-dir", dir.toString(), "--allow-pruned");
        assertEquals(0, pruned.exit(), pruned.out() + pruned.err());
        assertTrue(pruned.out().startsWith("audit chain OK: "), pruned.out());
        assertTrue(pruned.out().contains("before it were pruned"), pruned.out());
        // one rotated file on its own, from its first entry's recorded predecessor
        Run one = audit("--file", rotated.get(1).toString(), "--allow-pruned");
        assertEquals(0, one.exit(), one.out() + one.err());
        ctx.completeNow();
    }

    @Test
    void noLogExitsTwo(VertxTestContext ctx) throws Exception {
        Run r = audit("--data-dir", dir.resolve("empty").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no audit log"), r.err());
        Run both = audit("--data-dir", dir.toString(), "--file", dir.resolve("x").toString());
        assertEquals(2, both.exit());
        ctx.completeNow();
    }
}
