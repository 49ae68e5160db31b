package dev.ampoule.identity.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.identity.support.Http;
import dev.ampoule.identity.support.TestIssuer;
import dev.ampoule.identity.support.TestTokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issuer verifying an OIDC provider's tokens against its JWKS URL, over real HTTP: keys rotate
 * without a restart (a token naming a new {@code kid} makes the issuer fetch the keys again), and a
 * key the provider dropped no longer verifies.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JwksUrlKeysTest {

    @TempDir
    Path dir;

    @Test
    void keysRotateWithoutRestart(Vertx vertx) {
        TestTokens first = new TestTokens("key-2025");
        TestTokens second = new TestTokens("key-2026");
        AtomicReference<JsonObject> published = new AtomicReference<>(first.jwks());
        HttpServer idp = TestIssuer.await(vertx.createHttpServer()
                .requestHandler(req -> req.response().putHeader("Content-Type", "application/json")
                        .end(published.get().encode()))
                .listen(0, "127.0.0.1"));
        String jwksUrl = "http://127.0.0.1:" + idp.actualPort() + "/jwks";
        try (TestIssuer issuer = new TestIssuer(vertx, dir, "st-mary", dir.resolve("unused.json"), TestTokens.ISSUER,
                TestTokens.AUDIENCE, new JsonObject().put("jwksUrl", jwksUrl).putNull("jwksFile")
                        .put("jwksMinRefetchSeconds", 0)).start()) {
            assertEquals(201, Http.post(issuer.uri(), "/v1/nonces", first.token(vertx, "dr-osei"), null).status());
            assertEquals(401, Http.post(issuer.uri(), "/v1/nonces", second.token(vertx, "dr-osei"), null).status(),
                    "a key the provider has not published");

            published.set(second.jwks()); // the provider rotates its key
            assertEquals(201, Http.post(issuer.uri(), "/v1/nonces", second.token(vertx, "dr-osei"), null).status());
            Http.Answer old = Http.post(issuer.uri(), "/v1/nonces", first.token(vertx, "dr-osei"), null);
            assertEquals(401, old.status(), "the dropped key verifies nothing any more");
            assertEquals("UNAUTHENTICATED", old.code());
        } finally {
            TestIssuer.await(idp.close());
        }
    }
}
