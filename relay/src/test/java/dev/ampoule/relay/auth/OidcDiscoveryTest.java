package dev.ampoule.relay.auth;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.gateway.RelayVerticle;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code oidcIssuer}: the relay finds the JWKS through the provider's OpenID configuration and
 * accepts its tokens; a configuration naming another issuer, a provider that does not answer in
 * {@code jwksTimeoutSeconds}, or a plain-http JWKS of an https issuer stop the relay's start.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OidcDiscoveryTest {

    @TempDir
    Path dir;

    /** A loopback provider: its configuration document is {@code document} (with {@code $ISSUER} replaced), its JWKS the key. */
    private static HttpServer provider(Vertx vertx, DevKeys key, AtomicReference<String> document) {
        AtomicReference<String> self = new AtomicReference<>();
        HttpServer server = await(vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/realm" + OidcDiscovery.WELL_KNOWN -> {
                    if (document.get() != null) {
                        req.response().putHeader("Content-Type", "application/json")
                                .end(document.get().replace("$ISSUER", self.get()));
                    } // else: read the request and never answer
                }
                case "/realm/jwks" -> req.response().putHeader("Content-Type", "application/json")
                        .end(JwkKeys.jwks(List.of(key.publicJwk())).encode());
                default -> req.response().setStatusCode(404).end();
            }
        }).listen(0, "127.0.0.1"));
        self.set("http://127.0.0.1:" + server.actualPort() + "/realm");
        return server;
    }

    private static String configuration(String jwksUri) {
        return new JsonObject().put("issuer", "$ISSUER").put("jwks_uri", jwksUri)
                .put("id_token_signing_alg_values_supported", List.of("ES256")).encode();
    }

    private Future<String> deploy(Vertx vertx, String issuer) {
        JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("dataDir", dir.toString())
                .put("oidcIssuer", issuer).put("audience", "ampoule").put("jwksTimeoutSeconds", 1);
        return vertx.deployVerticle(new RelayVerticle(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Clock.systemUTC()), new DeploymentOptions().setConfig(config));
    }

    @Test
    void theJwksIsDiscoveredFromTheIssuer(Vertx vertx, VertxTestContext ctx) {
        DevKeys key = DevKeys.of(JwkKeys.generateEs256());
        AtomicReference<String> document = new AtomicReference<>(configuration("$ISSUER/jwks"));
        HttpServer idp = provider(vertx, key, document);
        String issuer = "http://127.0.0.1:" + idp.actualPort() + "/realm";
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("oidcIssuer", issuer)
                .put("audience", "ampoule").put("jwksTimeoutSeconds", 2)).start();
        try {
            String token = key.mint(vertx, "erin", issuer, "ampoule", Duration.ofMinutes(5));
            TestDevice device = await(TestDevice.connect(vertx, relay.port(), token, "tablet"));
            device.close();
            // a token of the same key naming another issuer is refused
            String other = key.mint(vertx, "erin", "https://other.example", "ampoule", Duration.ofMinutes(5));
            TestDevice refused = await(TestDevice.open(vertx, relay.port(), "/v1/ws"));
            Frame answer = await(refused.request(new Frame.Authenticate(other, "tablet")));
            assertInstanceOf(Frame.Error.class, answer);
            refused.awaitClosed();
        } finally {
            relay.stop();
            await(idp.close());
        }
        ctx.completeNow();
    }

    @Test
    void aWrongOrSilentProviderStopsTheStart(Vertx vertx, VertxTestContext ctx) {
        DevKeys key = DevKeys.of(JwkKeys.generateEs256());
        AtomicReference<String> document = new AtomicReference<>();
        HttpServer idp = provider(vertx, key, document);
        String issuer = "http://127.0.0.1:" + idp.actualPort() + "/realm";
        try {
            // the configuration names another issuer (OpenID Connect Discovery §4.3)
            document.set(configuration("$ISSUER/jwks").replace("$ISSUER\",", "https://evil.example\","));
            assertTrue(failure(deploy(vertx, issuer)).contains("not the configured"), "another issuer");
            // no jwks_uri
            document.set(new JsonObject().put("issuer", "$ISSUER").encode());
            assertTrue(failure(deploy(vertx, issuer)).contains("jwks_uri"));
            // a provider that never answers: the start fails after the time limit, it does not hang
            document.set(null);
            long start = System.nanoTime();
            String silent = failure(deploy(vertx, issuer));
            assertTrue(silent.contains("OIDC discovery"), silent);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "within the time limit, give or take a loaded machine");
        } finally {
            await(idp.close());
        }
        // an https issuer whose document points at plain http is refused without fetching anything
        assertEquals("OIDC discovery: jwks_uri must be an https URL, not http://idp.example/jwks",
                failure(OidcDiscovery.jwksUriOf(new JsonObject().put("issuer", "https://idp.example")
                        .put("jwks_uri", "http://idp.example/jwks"), "https://idp.example")));
        assertEquals("https://idp.example/.well-known/openid-configuration", OidcDiscovery.configurationUrl("https://idp.example/"));
        ctx.completeNow();
    }

    private static String failure(Future<?> f) {
        return await(f.map(x -> "started").recover(e -> Future.succeededFuture(String.valueOf(e.getMessage()))));
    }
}
