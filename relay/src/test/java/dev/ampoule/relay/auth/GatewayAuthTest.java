package dev.ampoule.relay.auth;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Authentication over real WebSockets: first-frame token, tickets, expiry, JWKS rotation. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayAuthTest {

    @TempDir
    Path dir;

    private static Frame firstAnswer(TestDevice d, Frame.ClientFrame f) {
        return await(d.request(f));
    }

    @Test
    void firstFrameMustAuthenticate(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        try {
            TestDevice d = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            Frame f = firstAnswer(d, new Frame.AckMailbox(1));
            assertEquals(ErrorCode.UNAUTHENTICATED, assertInstanceOf(Frame.Error.class, f).code());
            assertEquals((short) 4401, d.awaitClosed());

            TestDevice bad = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            assertEquals(ErrorCode.UNAUTHENTICATED, assertInstanceOf(Frame.Error.class,
                    firstAnswer(bad, new Frame.Authenticate("eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "phone"))).code());
            bad.awaitClosed();

            TestDevice badDevice = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            assertEquals(ErrorCode.UNAUTHENTICATED, assertInstanceOf(Frame.Error.class,
                    firstAnswer(badDevice, new Frame.Authenticate(relay.token("alice"), "no spaces #"))).code());
            badDevice.awaitClosed();

            try (TestDevice ok = relay.connect("alice", "phone")) {
                ok.error(new Frame.Authenticate(relay.token("alice"), "phone"), ErrorCode.FORBIDDEN);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void silentConnectionIsClosedAfterTheAuthTimeout(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("authTimeoutSeconds", 1)).start();
        try {
            TestDevice d = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            assertEquals(ErrorCode.UNAUTHENTICATED, d.next(Frame.Error.class).code());
            assertEquals((short) 4401, d.awaitClosed());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void expiredTokenIsRefusedAndExpiryClosesTheConnection(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("tokenLeewaySeconds", 0)).start();
        try {
            String shortLived = relay.token("alice", Duration.ofSeconds(2));
            TestDevice d = await(TestDevice.connect(vertx, relay.port(), shortLived, "phone"));
            // while connected, the token runs out: the relay says so and closes
            assertEquals(ErrorCode.TOKEN_EXPIRED, d.next(Frame.Error.class).code());
            assertEquals((short) 4403, d.awaitClosed());
            TestDevice late = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            assertEquals(ErrorCode.TOKEN_EXPIRED, assertInstanceOf(Frame.Error.class,
                    firstAnswer(late, new Frame.Authenticate(shortLived, "phone"))).code());
            late.awaitClosed();
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void anAbsurdExpiryIsRefusedAndHoldsNoConnectionSlot(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("connectionsPerUser", 1)).start();
        try {
            JsonObject devKey = new JsonObject(java.nio.file.Files.readString(dir.resolve(DevKeys.FILE_NAME)));
            JWTAuth signer = JWTAuth.create(vertx, new JWTAuthOptions().addJwk(devKey));
            JWTOptions options = new JWTOptions().setAlgorithm("ES256").setIssuer("ampoule-dev")
                    .setAudience(List.of("ampoule-relay")).setHeader(new JsonObject().put("kid", devKey.getString("kid")));
            long now = java.time.Instant.now().getEpochSecond();
            for (JsonObject claims : List.of(new JsonObject().put("exp", 10_000_000_000_000_000L),
                    new JsonObject().put("exp", now + 3_600).put("nbf", now + 3_000))) {
                String token = signer.generateToken(claims.put("sub", "alice"), options);
                TestDevice d = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
                assertEquals(ErrorCode.UNAUTHENTICATED, assertInstanceOf(Frame.Error.class,
                        firstAnswer(d, new Frame.Authenticate(token, "phone"))).code(), claims::encode);
                assertEquals((short) 4401, d.awaitClosed());
                HttpClient http = vertx.createHttpClient();
                try {
                    assertEquals(401, HttpCalls.call(http, HttpCalls.to(relay.port(), HttpMethod.POST, "/v1/tickets",
                            token)).status());
                } finally {
                    http.close();
                }
            }
            // the refused logins took no connection slot: alice's one connection is still free
            try (TestDevice ok = relay.connect("alice", "phone")) {
                ok.error(new Frame.ClaimKeyPackages("nobody", java.util.Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE);
            }
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void ticketFlowForBrowsers(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        HttpClient http = vertx.createHttpClient();
        try {
            RequestOptions post = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                    .setPort(relay.port()).setURI("/v1/tickets");
            // one pooled connection may carry both: the refusal must not hold up the next request
            assertEquals(401, HttpCalls.call(http, post).status());
            HttpCalls.Answer issued = HttpCalls.call(http, new RequestOptions(post).putHeader("Authorization",
                    "Bearer " + relay.token("carol")));
            assertEquals(200, issued.status());
            JsonObject body = issued.json();
            String ticket = body.getString("ticket");
            assertTrue(body.getLong("expiresInSeconds") > 0);
            try (TestDevice d = await(TestDevice.open(vertx, relay.port(), "/v1/ws?ticket=" + ticket + "&device=tablet"))) {
                // authenticated by the ticket: requests work at once
                assertEquals(ErrorCode.NO_KEY_PACKAGE, d.error(new Frame.ClaimKeyPackages("nobody",
                        java.util.Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE).code());
            }
            // a ticket works once
            Future<TestDevice> reuse = TestDevice.open(vertx, relay.port(), "/v1/ws?ticket=" + ticket + "&device=tablet");
            assertTrue(await(reuse.map(x -> false).recover(e -> Future.succeededFuture(true))));
            Future<TestDevice> forged = TestDevice.open(vertx, relay.port(), "/v1/ws?ticket=forged&device=tablet");
            assertTrue(await(forged.map(x -> false).recover(e -> Future.succeededFuture(true))));
        } finally {
            http.close();
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void jwksKeysRotateWithoutRestart(Vertx vertx, VertxTestContext ctx) {
        DevKeys first = DevKeys.of(JwkKeys.generateEs256());
        DevKeys second = DevKeys.of(JwkKeys.generateEs256());
        AtomicReference<List<JsonObject>> served = new AtomicReference<>(List.of(first.publicJwk()));
        AtomicInteger fetches = new AtomicInteger();
        HttpServer idp = await(vertx.createHttpServer().requestHandler(req -> {
            fetches.incrementAndGet();
            req.response().putHeader("Content-Type", "application/json")
                    .end(JwkKeys.jwks(served.get()).encode());
        }).listen(0, "127.0.0.1"));
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject()
                .put("jwksUrl", "http://127.0.0.1:" + idp.actualPort() + "/jwks.json")
                .put("jwksMinRefetchSeconds", 0)
                .put("issuer", "https://idp.example").put("audience", "ampoule")).start();
        try {
            String t1 = first.mint(vertx, "dana", "https://idp.example", "ampoule", Duration.ofMinutes(5));
            await(TestDevice.connect(vertx, relay.port(), t1, "phone")).close();
            // the provider rotates: only the second key is published now
            served.set(List.of(second.publicJwk()));
            String t2 = second.mint(vertx, "dana", "https://idp.example", "ampoule", Duration.ofMinutes(5));
            int before = fetches.get();
            await(TestDevice.connect(vertx, relay.port(), t2, "phone")).close();
            assertTrue(fetches.get() > before, "an unknown kid made the relay fetch the JWKS again");
            // the retired key no longer verifies
            TestDevice old = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            assertEquals(ErrorCode.UNAUTHENTICATED, assertInstanceOf(Frame.Error.class,
                    firstAnswer(old, new Frame.Authenticate(t1, "phone"))).code());
            old.awaitClosed();
        } finally {
            relay.stop();
            await(idp.close());
        }
        ctx.completeNow();
    }
}
