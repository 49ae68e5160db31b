package dev.ampoule.relay.auth;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JWKS fetch against a provider that stops answering: it fails in time and the keys it had stay. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JwksKeySourceTest {

    @Test
    void aProviderThatStopsAnsweringFailsTheFetchAndKeepsTheKeys(Vertx vertx, VertxTestContext ctx) {
        DevKeys key = DevKeys.of(JwkKeys.generateEs256());
        AtomicBoolean silent = new AtomicBoolean();
        // answers, until it reads requests and never answers them
        HttpServer idp = await(vertx.createHttpServer().requestHandler(req -> {
            if (!silent.get()) {
                req.response().putHeader("Content-Type", "application/json")
                        .end(JwkKeys.jwks(List.of(key.publicJwk())).encode());
            }
        }).listen(0, "127.0.0.1"));
        JwksKeySource source = new JwksKeySource(vertx, "http://127.0.0.1:" + idp.actualPort() + "/jwks.json",
                Duration.ZERO, Clock.systemUTC(), Duration.ofMillis(500));
        try {
            await(source.start(Duration.ofHours(1)));
            assertEquals(List.of(key.publicJwk()), source.keys());
            silent.set(true);
            long version = source.version();
            // refresh() settles (it never fails) once the fetch gave up
            Future<Void> refreshed = source.refresh();
            await(refreshed);
            assertTrue(refreshed.succeeded());
            assertEquals(List.of(key.publicJwk()), source.keys(), "the previous keys stay");
            assertEquals(version, source.version());
            // and a first fetch from a silent provider fails instead of hanging the relay's start
            JwksKeySource fresh = new JwksKeySource(vertx, "http://127.0.0.1:" + idp.actualPort() + "/jwks.json",
                    Duration.ZERO, Clock.systemUTC(), Duration.ofMillis(500));
            Future<Void> start = fresh.start(Duration.ofHours(1));
            assertTrue(await(start.map(v -> false).recover(e -> Future.succeededFuture(true))),
                    "the first fetch failed");
            fresh.stop();
        } finally {
            source.stop();
            await(idp.close());
        }
        ctx.completeNow();
    }
}
