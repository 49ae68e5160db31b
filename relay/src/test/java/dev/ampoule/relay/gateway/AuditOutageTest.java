package dev.ampoule.relay.gateway;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.audit.AuditVerifier;
import dev.ampoule.relay.audit.FileAuditLog;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.FaultyDisk;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log's disk fills up under a running relay: logins, admin calls and the WebSocket
 * requests that must be audited are refused ({@code UNAVAILABLE}, {@code 503 AUDIT_UNAVAILABLE})
 * instead of being done unaudited, {@code /ready} answers 503; when the disk has room again,
 * everything works again without a restart and the chain verifies, with the outage in it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuditOutageTest {

    @TempDir
    Path dir;

    private static int ready(HttpClient http, int port) {
        return HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, "/ready")).status();
    }

    @Test
    void aFullAuditDiskRefusesWhatMustBeAuditedAndEverythingRecovers(Vertx vertx, VertxTestContext ctx)
            throws Exception {
        FaultyDisk disk = new FaultyDisk();
        RelayHarness relay = new RelayHarness(vertx, dir);
        relay.auditDisk = disk;
        relay.start();
        HttpClient http = vertx.createHttpClient();
        DevKeys keys = DevKeys.loadOrCreate(dir);
        String coordinator = keys.mint(vertx, "dr-osei", Optional.of("h1"), List.of(), "ampoule-dev", "ampoule-relay",
                Duration.ofHours(1));
        JsonObject team = new JsonObject().put("name", "Ward 4");
        try (TestDevice alice = relay.connect("alice", "phone")) {
            int port = relay.port();
            assertEquals(200, ready(http, port));
            assertEquals(201, HttpCalls.call(http, HttpCalls.to(port, HttpMethod.POST, "/v1/teams", coordinator),
                    team.toBuffer()).status());

            disk.full();
            // a login needs its audit entry: refused, and the relay learns that its audit log cannot write
            TestDevice bob = await(TestDevice.open(vertx, port, "/v1/ws"));
            Frame.Error refused = assertInstanceOf(Frame.Error.class,
                    await(bob.request(new Frame.Authenticate(relay.token("bob"), "laptop"))));
            assertEquals(ErrorCode.UNAVAILABLE, refused.code());
            bob.close();
            assertEquals(503, ready(http, port), "not ready while the audit log cannot write");

            HttpCalls.Answer create = HttpCalls.call(http, HttpCalls.to(port, HttpMethod.POST, "/v1/teams",
                    coordinator), team.toBuffer());
            assertEquals(503, create.status());
            assertEquals("AUDIT_UNAVAILABLE", create.json().getString("code"));
            assertTrue(Long.parseLong(create.header("Retry-After")) >= 1);
            assertEquals(503, HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, "/v1/teams", coordinator))
                    .status(), "reads are audited too");

            MlsMember mls = new MlsMember("alice", "phone");
            Bytes gid = Bytes.ofHex("0a0d17");
            assertEquals(ErrorCode.UNAVAILABLE, alice.error(mls.create(gid), ErrorCode.UNAVAILABLE).code());
            alice.error(new Frame.ClaimKeyPackages("carol", Optional.empty(), 1), ErrorCode.UNAVAILABLE);

            disk.heal();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ready(http, port) != 200) {
                assertTrue(System.nanoTime() < deadline, "ready again within 30 s");
                await(vertx.timer(50));
            }
            assertEquals(201, HttpCalls.call(http, HttpCalls.to(port, HttpMethod.POST, "/v1/teams", coordinator),
                    team.toBuffer()).status());
            assertEquals(2, HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, "/v1/teams", coordinator)).json()
                    .getJsonArray("teams").size(), "the refused team was never created");
            assertEquals(0, alice.ok(mls.create(gid)));
            try (TestDevice again = relay.connect("bob", "laptop")) {
                assertTrue(again.ok(new Frame.AckMailbox(0)) >= 0);
            }
        } finally {
            http.close();
            relay.stop();
        }
        AuditVerifier.Result r = AuditVerifier.verifyDirectory(FileAuditLog.directory(dir), false);
        assertTrue(r.ok(), r.describe());
        assertTrue(Files.readString(FileAuditLog.logFile(dir)).contains("\"type\":\"" + AuditType.AUDIT_OUTAGE.wireName()
                + "\""), "the outage is in the chain");
        ctx.completeNow();
    }
}
