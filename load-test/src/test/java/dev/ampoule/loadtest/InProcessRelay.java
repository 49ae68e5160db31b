package dev.ampoule.loadtest;

import dev.ampoule.relay.gateway.RelayVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * A real relay ({@link RelayVerticle}, file store with fsync, development key) deployed in its own
 * Vert.x in the test's JVM on 127.0.0.1 and a free port, its data in {@code dataDir}. (The relay's
 * own test fixture, RelayHarness, lives in the relay's test sources, which no other module sees.)
 */
final class InProcessRelay implements AutoCloseable {

    final Path dataDir;
    private final Vertx vertx = Vertx.vertx();
    private final RelayVerticle verticle = new RelayVerticle(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            Clock.systemUTC());

    InProcessRelay(Path dataDir) throws Exception {
        this.dataDir = dataDir;
        JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("dataDir", dataDir.toString())
                .put("shutdownGraceSeconds", 0);
        vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config))
                .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    String url() {
        return "ws://127.0.0.1:" + verticle.actualPort() + "/v1/ws";
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
