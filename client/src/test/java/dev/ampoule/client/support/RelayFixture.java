package dev.ampoule.client.support;

import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.gateway.RelayVerticle;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.store.GroupMessage;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real relay deployed in the test's Vert.x on 127.0.0.1, on a port fixed for its lifetime (so a
 * restarted relay is found again by reconnecting clients), with its data in a temp directory, and
 * the care teams of {@link #roster} (none unless a test creates some: every group is then ad hoc).
 */
public final class RelayFixture implements AutoCloseable {

    public final Vertx vertx;
    public final Path dataDir;
    public final int port;
    /** The care teams the relay enforces; a test changes a roster with {@link #addToRoster} / {@link #removeFromRoster}. */
    private final JsonObject config;
    private RelayVerticle verticle;
    private PrometheusMeterRegistry registry;
    private String deploymentId;
    private DevKeys keys;
    /** The clock of the relay's blobs and history (days, retention, grants); the system's unless a test sets one. */
    public Clock contentClock = Clock.systemUTC();

    public RelayFixture(Vertx vertx, Path dataDir, JsonObject overrides) {
        this.vertx = vertx;
        this.dataDir = dataDir;
        this.port = freePort();
        this.config = new JsonObject().put("host", "127.0.0.1").put("port", port).put("dataDir", dataDir.toString())
                .put("shutdownGraceSeconds", 0).mergeIn(overrides);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("future failed or timed out", e);
        }
    }

    public RelayFixture start() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        verticle = new RelayVerticle(registry, Clock.systemUTC()).contentClock(contentClock);
        deploymentId = await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
        keys = DevKeys.loadOrCreate(dataDir);
        return this;
    }

    public void stop() {
        if (deploymentId != null) {
            await(vertx.undeploy(deploymentId));
            deploymentId = null;
        }
    }

    public boolean running() {
        return deploymentId != null;
    }

    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port + "/v1/ws");
    }

    public String token(String user) {
        return token(user, Duration.ofHours(1));
    }

    public String token(String user, Duration ttl) {
        return keys.mint(vertx, user, "ampoule-dev", "ampoule-relay", ttl);
    }

    /** A token of {@code user} in organisation {@code org} with {@code roles} (claims {@code org}, {@code roles}). */
    public String token(String user, String org, List<String> roles) {
        return keys.mint(vertx, user, java.util.Optional.of(org), roles, "ampoule-dev", "ampoule-relay",
                Duration.ofHours(1));
    }

    /** The relay's development signing key file: an identity issuer in development verifies its tokens with it. */
    public Path devKeyFile() {
        return dataDir.resolve(DevKeys.FILE_NAME);
    }

    public RelayVerticle verticle() {
        return verticle;
    }

    /**
     * Creates a care team on the relay's roster (as the admin API does), with {@code coordinator}
     * as its first coordinator; its id.
     */
    public String createTeam(String coordinator) {
        return await(verticle.onContext(ds -> verticle.roster().createTeam(coordinator, "org-1", "care team",
                java.util.Optional.empty(), java.util.Optional.of(coordinator)))).id();
    }

    /**
     * Puts a user on a care team's roster, as the admin API does: if the team's group exists, the
     * relay claims a KeyPackage per device of the user and proposes adding them.
     */
    public void addToRoster(String teamId, String userId, String role) {
        await(verticle.onContext(ds -> verticle.roster().putMember("test-admin", teamId, userId, role)));
    }

    /**
     * Takes a user off a care team's roster, as the admin API does: the relay cuts the user's
     * devices off, proposes removing each of them and fences the group.
     */
    public void removeFromRoster(String teamId, String userId) {
        await(verticle.onContext(ds -> verticle.roster().removeMember("test-admin", teamId, userId)));
    }

    /** Every message of a group the relay keeps, from {@code fromSeq}: what a compromised relay would hand out. */
    public List<GroupMessage> stored(Bytes groupId, long fromSeq) {
        return await(verticle.onContext(ds -> ds.stored(groupId, fromSeq, 10_000)));
    }

    /**
     * A counter of the relay's metrics since its last start (0 when never incremented), e.g.
     * {@code counter(RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "GROUP_FENCED")}.
     */
    public double counter(String name, String tag, String value) {
        io.micrometer.core.instrument.Counter c = registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    /** Whether the relay fences a group now (a roster removal waits for its Commit). */
    public boolean fenced(Bytes groupId) {
        return await(verticle.onContext(ds -> Future.succeededFuture(ds.enforcement().fenced(groupId))));
    }

    @Override
    public void close() {
        stop();
    }
}
