package dev.ampoule.relay.gateway;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditVerifier;
import dev.ampoule.relay.audit.FileAuditLog;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.RelayProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay process is killed with SIGKILL while admin calls keep its audit log writing (and
 * rotating); the chain on disk verifies, an incomplete last line is cut when the relay starts
 * again, and every call that was answered has its entries.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AuditCrashTest {

    @TempDir
    Path dir;

    @Test
    void killDuringAuditWritesLeavesAChainThatVerifies(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayProcess relay = new RelayProcess(dir, RelayProcess.freePort(), "--audit-file-max-bytes", "8192",
                "--admin-writes-per-minute", "1000000", "--max-teams-created-per-user", "100000").start();
        int port = relay.port;
        Set<String> answered = ConcurrentHashMap.newKeySet();
        HttpClient http = vertx.createHttpClient();
        try {
            String token = DevKeys.loadOrCreate(dir).mint(vertx, "dr-osei", Optional.of("h1"), List.of(),
                    "ampoule-dev", "ampoule-relay", Duration.ofHours(1));
            CountDownLatch enough = new CountDownLatch(150);
            List<Future<?>> calls = new ArrayList<>();
            Buffer body = new JsonObject().put("name", "Ward").toBuffer();
            for (int i = 0; i < 600; i++) {
                calls.add(http.request(HttpCalls.to(port, HttpMethod.POST, "/v1/teams", token).setTimeout(60_000))
                        .compose(req -> req.putHeader("Content-Type", "application/json").send(body))
                        .compose(res -> res.body().map(b -> {
                            if (res.statusCode() == 201) {
                                answered.add(b.toJsonObject().getString("id"));
                                enough.countDown();
                            }
                            return null;
                        })));
            }
            assertTrue(enough.await(90, TimeUnit.SECONDS), "150 teams were created");
            relay.kill(); // SIGKILL, while the rest are in flight
            await(Future.join(calls).otherwiseEmpty());
        } finally {
            relay.close();
            http.close();
        }
        Path audit = FileAuditLog.directory(dir);
        AuditVerifier.Result afterKill = AuditVerifier.verifyDirectory(audit, false);
        assertTrue(afterKill.ok(), afterKill.describe());
        assertTrue(afterKill.files() > 1, "the log had rotated: " + afterKill.describe());

        // a line the kill cut in the middle (whether or not this kill did): not an entry
        Files.writeString(FileAuditLog.logFile(dir), "{\"seq\":" + (afterKill.firstSeq() + afterKill.entries())
                + ",\"time\":\"2025-", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        AuditVerifier.Result torn = AuditVerifier.verifyDirectory(audit, false);
        assertTrue(torn.ok() && torn.tornTail(), torn.describe());

        // the relay starts again on the same directory, cuts the incomplete line and goes on
        RelayHarness again = new RelayHarness(vertx, dir).start();
        try {
            HttpClient client = vertx.createHttpClient();
            String token = again.token("dr-osei");
            assertEquals(200, HttpCalls.call(client, HttpCalls.to(again.port(), HttpMethod.GET, "/v1/teams", token))
                    .status());
            client.close();
        } finally {
            again.stop();
        }
        AuditVerifier.Result after = AuditVerifier.verifyDirectory(audit, false);
        assertTrue(after.ok(), after.describe());
        assertFalse(after.tornTail());
        assertTrue(after.entries() > afterKill.entries());

        // every answered call's team creation is in the chain
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(audit)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
                all.append(Files.readString(f));
            }
        }
        String text = all.toString();
        for (String team : answered) {
            assertTrue(text.contains("\"type\":\"team_created\",\"actor\":\"dr-osei\",\"team\":\"" + team + "\""),
                    "the answered creation of " + team + " is audited");
        }
        ctx.completeNow();
    }
}
