package dev.ampoule.relay.gateway;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.audit.AuditEntry;
import dev.ampoule.relay.audit.AuditQuery;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.audit.AuditVerifier;
import dev.ampoule.relay.audit.FileAuditLog;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Logins and refused logins over real WebSockets end up in the audit log — never the token. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayAuditTest {

    @TempDir
    Path dir;

    private static List<AuditEntry> all(RelayHarness relay) {
        return await(relay.verticle().auditLog().query(new AuditQuery(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 0, AuditQuery.MAX_LIMIT)));
    }

    @Test
    void loginsAreAuditedWithoutTokens(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        HttpClient http = vertx.createHttpClient();
        String aliceToken = relay.token("alice");
        String carolToken = relay.token("carol");
        String forged = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2ln";
        try {
            try (TestDevice alice = await(TestDevice.connect(vertx, relay.port(), aliceToken, "phone"))) {
                assertTrue(alice.ok(new Frame.AckMailbox(0)) >= 0);
            }
            TestDevice bad = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            assertEquals(ErrorCode.UNAUTHENTICATED, assertInstanceOf(Frame.Error.class,
                    await(bad.request(new Frame.Authenticate(forged, "phone")))).code());
            bad.awaitClosed();
            TestDevice badDevice = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            assertEquals(ErrorCode.UNAUTHENTICATED, assertInstanceOf(Frame.Error.class,
                    await(badDevice.request(new Frame.Authenticate(aliceToken, "bad device #")))).code());
            badDevice.awaitClosed();
            // a browser: ticket, then the WebSocket
            RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                    .setPort(relay.port()).setURI("/v1/tickets").putHeader("Authorization", "Bearer " + carolToken);
            String ticket = HttpCalls.call(http, post).json().getString("ticket");
            try (TestDevice carol = await(TestDevice.open(vertx, relay.port(),
                    "/v1/ws?ticket=" + ticket + "&device=tablet"))) {
                assertTrue(carol.ok(new Frame.AckMailbox(0)) >= 0, "frames sent at once wait for the audited login");
            }

            List<AuditEntry> entries = all(relay);
            assertEquals(List.of(AuditType.LOGIN, AuditType.LOGIN_REFUSED, AuditType.LOGIN_REFUSED, AuditType.LOGIN),
                    entries.stream().map(e -> e.event().type()).toList());
            AuditEntry login = entries.get(0);
            assertEquals(Optional.of("alice"), login.event().user());
            assertEquals(Optional.of("alice"), login.event().actor());
            assertEquals(Map.of("device", "phone"), login.event().details());
            AuditEntry forgedRefusal = entries.get(1);
            assertEquals(Optional.empty(), forgedRefusal.event().user(), "nothing from an unverified token");
            assertEquals(Map.of("code", "UNAUTHENTICATED"), forgedRefusal.event().details());
            AuditEntry deviceRefusal = entries.get(2);
            assertEquals(Optional.of("alice"), deviceRefusal.event().user());
            assertEquals(Map.of("code", "UNAUTHENTICATED"), deviceRefusal.event().details());
            assertEquals(Map.of("device", "tablet"), entries.get(3).event().details());
            assertEquals(Optional.of("carol"), entries.get(3).event().user());
        } finally {
            http.close();
            relay.stop();
        }
        Path file = FileAuditLog.logFile(dir);
        String text = Files.readString(file);
        for (String secret : List.of(aliceToken, carolToken, forged, "eyJ", "bad device")) {
            assertFalse(text.contains(secret), "the audit log holds no token or unvalidated input");
        }
        for (String line : Files.readAllLines(file)) {
            assertEquals(List.of("seq", "time", "type", "actor", "team", "user", "details", "prev", "hash"),
                    List.copyOf(new JsonObject(line).fieldNames()));
        }
        AuditVerifier.Result r = AuditVerifier.verify(file);
        assertTrue(r.ok(), r.describe());
        assertEquals(4, r.entries());

        // a restart continues the same chain
        relay.start();
        try (TestDevice again = relay.connect("alice", "phone")) {
            assertTrue(again.ok(new Frame.AckMailbox(0)) >= 0);
        } finally {
            relay.stop();
        }
        AuditVerifier.Result after = AuditVerifier.verify(file);
        assertTrue(after.ok(), after.describe());
        assertEquals(5, after.entries());
        ctx.completeNow();
    }
}
