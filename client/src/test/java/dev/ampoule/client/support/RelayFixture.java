package dev.ampoule.client.support;

import dev.ampoule.relay.gateway.RelayVerticle;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.RelayProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The relay's test harness ({@link RelayHarness}) as the SDK's end-to-end tests use it: on a port
 * fixed for its lifetime (so a restarted relay is found again by reconnecting clients), with its
 * data in a temp directory, the care teams of its roster (none unless a test creates some: every
 * group is then ad hoc), and what those tests ask of it.
 */
public final class RelayFixture implements Relays {

    public final Vertx vertx;
    public final Path dataDir;
    public final int port;
    private final RelayHarness harness;

    public RelayFixture(Vertx vertx, Path dataDir, JsonObject overrides) {
        this.vertx = vertx;
        this.dataDir = dataDir;
        this.port = freePort();
        this.harness = new RelayHarness(vertx, dataDir,
                new JsonObject().put("port", port).put("shutdownGraceSeconds", 0).mergeIn(overrides));
    }

    public static int freePort() {
        return RelayProcess.freePort();
    }

    public static <T> T await(Future<T> f) {
        return RelayHarness.await(f);
    }

    /** Sets the clock of the relay's blobs and history (days, retention, grants) for its next start. */
    public RelayFixture contentClock(java.time.Clock clock) {
        harness.contentClock = clock;
        return this;
    }

    @Override
    public RelayFixture start() {
        harness.start();
        return this;
    }

    @Override
    public void stop() {
        harness.stop();
    }

    public boolean running() {
        return harness.running();
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public URI uri() {
        return URI.create("ws://127.0.0.1:" + port + "/v1/ws");
    }

    @Override
    public String token(String user) {
        return harness.token(user);
    }

    @Override
    public String token(String user, Duration ttl) {
        return harness.token(user, ttl);
    }

    /** A token of {@code user} in organisation {@code org} with {@code roles} (claims {@code org}, {@code roles}). */
    @Override
    public String token(String user, String org, List<String> roles) {
        return harness.token(user, org, roles);
    }

    /** The relay's development signing key file: an identity issuer in development verifies its tokens with it. */
    public Path devKeyFile() {
        return harness.devKeyFile();
    }

    public RelayVerticle verticle() {
        return harness.verticle();
    }

    /**
     * Creates a care team on the relay's roster (as the admin API does), with {@code coordinator}
     * as its first coordinator; its id.
     */
    @Override
    public String createTeam(String coordinator) {
        return await(verticle().onContext(ds -> verticle().roster().createTeam(coordinator, "org-1", "care team",
                java.util.Optional.empty(), java.util.Optional.of(coordinator)))).id();
    }

    /**
     * Puts a user on a care team's roster, as the admin API does: if the team's group exists, the
     * relay claims a KeyPackage per device of the user and proposes adding them.
     */
    @Override
    public void addToRoster(String teamId, String userId, String role) {
        await(verticle().onContext(ds -> verticle().roster().putMember("test-admin", teamId, userId, role)));
    }

    /**
     * Takes a user off a care team's roster, as the admin API does: the relay cuts the user's
     * devices off, proposes removing each of them and fences the group.
     */
    @Override
    public void removeFromRoster(String teamId, String userId) {
        await(verticle().onContext(ds -> verticle().roster().removeMember("test-admin", teamId, userId)));
    }

    /** Every message of a group the relay keeps, from {@code fromSeq}: what a compromised relay would hand out. */
    @Override
    public List<GroupMessage> stored(Bytes groupId, long fromSeq) {
        return await(verticle().onContext(ds -> ds.stored(groupId, fromSeq, 10_000)));
    }

    /**
     * A counter of the relay's metrics since the fixture was made (0 when never incremented), e.g.
     * {@code counter(RelayMetrics.REJECTIONS, RelayMetrics.TAG_CODE, "GROUP_FENCED")}.
     */
    @Override
    public double counter(String name, String tag, String value) {
        io.micrometer.core.instrument.Counter c = harness.registry.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    /** How far the relay holds a device's acknowledgements of a group (0: none). */
    public long cursor(dev.ampoule.relay.protocol.DeviceId device, Bytes groupId) {
        return await(verticle().onContext(ds -> Future.succeededFuture(ds.cursor(device, groupId))));
    }

    /** Whether the relay fences a group now (a roster removal waits for its Commit). */
    @Override
    public boolean fenced(Bytes groupId) {
        return await(verticle().onContext(ds -> Future.succeededFuture(ds.enforcement().fenced(groupId))));
    }

    @Override
    public void compact() {
        await(verticle().compact());
    }

    @Override
    public void close() {
        stop();
    }
}
