package dev.ampoule.relay.support;

import dev.ampoule.relay.audit.AuditDisk;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.gateway.RelayVerticle;
import dev.ampoule.relay.roster.RosterView;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A relay deployed in the test's Vert.x on 127.0.0.1 and a free port, with its data in a temp dir. */
public final class RelayHarness {

    public final Vertx vertx;
    public final Path dataDir;
    public final JsonObject config;
    public final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** The roster and the audit sink the relay gets at each start (tests of care-team groups set them). */
    public RosterView roster = RosterView.EMPTY;
    public AuditSink audit = AuditSink.NONE;
    /** The relay's wall clock (tests set it back and forth). */
    public Clock clock = Clock.systemUTC();
    /** The clock of the relay's blobs and history (their days, retention, grants); the relay's when null. */
    public Clock contentClock;
    /** Wraps the relay's store at each start (fault injection). */
    public java.util.function.UnaryOperator<dev.ampoule.relay.store.Store> storeLayer =
            java.util.function.UnaryOperator.identity();
    /** The file layer of the relay's audit log (fault tests set a {@link FaultyDisk}). */
    public AuditDisk auditDisk = AuditDisk.REAL;
    /** Every token {@link #token} minted (tests that check no token leaks). */
    public final java.util.List<String> minted = new java.util.concurrent.CopyOnWriteArrayList<>();
    private RelayVerticle verticle;
    private String deploymentId;
    private DevKeys keys;

    /**
     * With {@code -Dampoule.test.connectionLoops=N}, every relay a test starts runs on N event loops
     * in all, its sockets on the N − 1 besides its own when N is 2 or more (unless the test sets
     * {@code connectionLoops} itself): the whole suite run against the hand-over between loops.
     */
    private static final Integer CONNECTION_LOOPS = Integer.getInteger("ampoule.test.connectionLoops");

    public RelayHarness(Vertx vertx, Path dataDir, JsonObject overrides) {
        this.vertx = vertx;
        this.dataDir = dataDir;
        this.config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("dataDir", dataDir.toString());
        if (CONNECTION_LOOPS != null) {
            config.put("connectionLoops", CONNECTION_LOOPS);
        }
        config.mergeIn(overrides);
    }

    public RelayHarness(Vertx vertx, Path dataDir) {
        this(vertx, dataDir, new JsonObject());
    }

    public static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("future failed or timed out", e);
        }
    }

    public RelayHarness start() {
        verticle = new RelayVerticle(registry, clock).rosterView(roster).auditSink(audit)
                .storeLayer(storeLayer).auditDisk(auditDisk).contentClock(contentClock);
        deploymentId = await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
        if (!config.containsKey("jwksUrl")) {
            keys = DevKeys.loadOrCreate(dataDir);
        }
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

    public RelayHarness restart() {
        stop();
        return start();
    }

    public RelayVerticle verticle() {
        return verticle;
    }

    public int port() {
        return verticle.actualPort();
    }

    public String token(String user) {
        return token(user, Duration.ofHours(1));
    }

    public String token(String user, Duration ttl) {
        String token = keys.mint(vertx, user, "ampoule-dev", "ampoule-relay", ttl);
        minted.add(token);
        return token;
    }

    /** A token of {@code user} in organisation {@code org} with {@code roles} (claims {@code org}, {@code roles}). */
    public String token(String user, String org, java.util.List<String> roles) {
        return keys.mint(vertx, user, java.util.Optional.of(org), roles, "ampoule-dev", "ampoule-relay",
                Duration.ofHours(1));
    }

    /** The development signing key file (an identity issuer in development verifies tokens with it). */
    public Path devKeyFile() {
        return dataDir.resolve(DevKeys.FILE_NAME);
    }

    public TestDevice connect(String user, String device) {
        return await(TestDevice.connect(vertx, port(), token(user), device));
    }

}
