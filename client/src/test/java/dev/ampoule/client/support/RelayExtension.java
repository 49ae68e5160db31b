package dev.ampoule.client.support;

import dev.ampoule.client.AmpouleClient;
import dev.ampoule.client.ClientEvent;
import dev.ampoule.client.GroupId;
import dev.ampoule.relay.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The end-to-end tests' fixture as a JUnit 5 extension: per test, a Vert.x instance, a temporary
 * directory, the relay service the test runs against and the SDK clients the test creates with
 * {@link #party}; after the test every client, the service and Vert.x are closed and the directory
 * is deleted.
 *
 * <p>The service ({@link #relays()}) is one of the {@link Relays.Deployment}s behind the same
 * {@link Relays} interface: a single relay in the test's Vert.x ({@link #relay()}, the default,
 * started on first use or with {@link #start(JsonObject)}), or a cluster of relay JVMs on one real
 * PostgreSQL ({@link #cluster()}, {@link ClusterFixture}); a test chooses with {@link #deploy} before
 * its first use (e.g. a parameter of the test). Registered on a {@code static} field, the extension
 * keeps Vert.x, the directory and the service for the whole class (a cluster is started once for
 * all its tests) and closes only each test's clients after it.
 *
 * <pre>{@code
 * @RegisterExtension
 * final RelayExtension relay = RelayExtension.adHoc();
 * }</pre>
 */
public final class RelayExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private final JsonObject defaults;
    private final Consumer<AmpouleClient.Builder> clientDefaults;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<Party> parties = new ArrayList<>();
    private Vertx vertx;
    private Path dir;
    /** Whether the extension lives for the whole class (registered on a static field). */
    private boolean perClass;
    private Relays.Deployment deployment = Relays.Deployment.SINGLE;
    private RelayFixture relay;
    private ClusterFixture cluster;

    private RelayExtension(JsonObject defaults, Consumer<AmpouleClient.Builder> clientDefaults) {
        this.defaults = defaults;
        this.clientDefaults = clientDefaults;
    }

    /** A relay with its settings {@code overrides}; clients apply the relay's care-team rules. */
    public static RelayExtension withConfig(JsonObject overrides) {
        return new RelayExtension(overrides, b -> { });
    }

    /** A relay with default settings; clients apply the relay's care-team rules. */
    public static RelayExtension careTeams() {
        return withConfig(new JsonObject());
    }

    /**
     * A relay with default settings for ad hoc groups, where members add and remove each other:
     * clients do not apply the care-team rules (there are no rosters).
     */
    public static RelayExtension adHoc() {
        return new RelayExtension(new JsonObject(), b -> b.careTeamRules(false));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        perClass = true;
        open();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!perClass) {
            open();
        }
    }

    private void open() throws IOException {
        vertx = Vertx.vertx();
        dir = Files.createTempDirectory("ampoule-e2e-");
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        closeClients();
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    /** Closes every client and resource of the test (the last registered first). */
    private void closeClients() throws Exception {
        List<Exception> failures = new ArrayList<>();
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        closeables.clear();
        parties.clear();
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    private void close() {
        if (relay != null) {
            relay.close();
            relay = null;
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
        deployment = Relays.Deployment.SINGLE;
        RelayFixture.await(vertx.close());
        deleteTree(dir);
    }

    /**
     * The deployment the service runs as (before its first use): a test parameterised over
     * {@link Relays.Deployment} runs against a single relay and a cluster. With the extension on a
     * static field, the service of each deployment is started once and kept.
     */
    public RelayExtension deploy(Relays.Deployment d) {
        deployment = d;
        return this;
    }

    /** The relay service of the deployment chosen, started on first use. */
    public Relays relays() {
        return switch (deployment) {
            case SINGLE -> relay();
            case CLUSTER -> cluster();
        };
    }

    /**
     * The cluster ({@link ClusterFixture#NODES} relay JVMs on a fresh PostgreSQL database), started
     * on first use with the extension's settings.
     */
    public ClusterFixture cluster() {
        return cluster != null ? cluster : startCluster(TestPostgres.freshDatabase());
    }

    /** Starts the cluster on the database {@code db} (e.g. a server the test stops and starts); not started yet. */
    public ClusterFixture startCluster(PgConnectOptions db) {
        if (cluster != null) {
            throw new IllegalStateException("the cluster was started already");
        }
        deployment = Relays.Deployment.CLUSTER;
        cluster = new ClusterFixture(vertx, dir.resolve("cluster"), flags(defaults), db).start();
        return cluster;
    }

    /** Relay settings as command-line flags ({@code retentionSweepSeconds} → {@code retention-sweep-seconds}). */
    static Map<String, String> flags(JsonObject settings) {
        Map<String, String> out = new LinkedHashMap<>();
        settings.forEach(e -> out.put(e.getKey().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT),
                String.valueOf(e.getValue())));
        return out;
    }

    /** Starts the relay with the extension's settings and {@code overrides} on top; it must not be started yet. */
    public RelayFixture start(JsonObject overrides) {
        return start(overrides, null);
    }

    /**
     * The same, with the relay's blobs and history going by {@code contentClock} (their days,
     * retention and grants; the relay's own clock when null).
     */
    public RelayFixture start(JsonObject overrides, java.time.Clock contentClock) {
        if (relay != null) {
            throw new IllegalStateException("the relay was started already");
        }
        relay = new RelayFixture(vertx, dir.resolve("relay"), defaults.copy().mergeIn(overrides))
                .contentClock(contentClock).start();
        return relay;
    }

    /** The single relay, started with the extension's settings on first use. */
    public RelayFixture relay() {
        if (deployment != Relays.Deployment.SINGLE) {
            throw new IllegalStateException("the test runs against a " + deployment);
        }
        return relay != null ? relay : start(new JsonObject());
    }

    public Vertx vertx() {
        return vertx;
    }

    /** The test's temporary directory. */
    public Path dir() {
        return dir;
    }

    /** Where the clients keep their state. */
    public Path clientsDir() {
        return dir.resolve("clients");
    }

    /** A connected SDK client of {@code user}'s {@code device}, closed after the test. */
    public Party party(String user, String device) {
        return party(user, device, b -> { });
    }

    /** The same with {@code options} applied after the extension's client defaults. */
    public Party party(String user, String device, Consumer<AmpouleClient.Builder> options) {
        return track(new Party(relays(), clientsDir(), user, device).configure(clientDefaults.andThen(options)))
                .start();
    }

    /** The same, for a client that prefers cluster node {@code node} (and fails over to the others). */
    public Party party(int node, String user, String device) {
        return party(node, user, device, b -> { });
    }

    /** The same with {@code options} applied after the extension's client defaults. */
    public Party party(int node, String user, String device, Consumer<AmpouleClient.Builder> options) {
        ClusterFixture c = cluster();
        return track(new Party(c.uri(node), c::token, clientsDir(), user, device)
                .configure(clientDefaults.andThen(options))).start();
    }

    /**
     * A party on node {@code node} of the deployment chosen: a client that prefers that cluster node,
     * or on a single relay a client of the relay.
     */
    public Party partyOn(int node, String user, String device, Consumer<AmpouleClient.Builder> options) {
        return deployment == Relays.Deployment.CLUSTER ? party(node, user, device, options)
                : party(user, device, options);
    }

    /**
     * The admin API of node {@code node} of the deployment chosen (the single relay's whatever the
     * node), called by {@code user} of organisation {@code org-1}.
     */
    public dev.ampoule.client.admin.AdminClient admin(int node, String user) {
        if (deployment == Relays.Deployment.CLUSTER) {
            return cluster().admin(node, user, List.of());
        }
        RelayFixture r = relay();
        return new dev.ampoule.client.admin.AdminClient(java.net.URI.create("http://127.0.0.1:" + r.port),
                () -> r.token(user, "org-1", List.of()));
    }

    /** The ports raw devices connect to: every cluster node's, or the single relay's. */
    public List<Integer> ports() {
        return deployment == Relays.Deployment.CLUSTER ? cluster().cluster().nodes().stream().map(n -> n.port).toList()
                : List.of(relay().port);
    }

    /** A party not started yet, closed after the test. */
    public Party track(Party party) {
        closeAfter(party);
        parties.add(party);
        return party;
    }

    /** The parties of this test, in the order they were made; a test may remove one it closed itself. */
    public List<Party> parties() {
        return parties;
    }

    /** {@code resource}, closed after the test (before the relay; the last registered first). */
    public <T extends AutoCloseable> T closeAfter(T resource) {
        closeables.add(resource);
        return resource;
    }

    /**
     * The group {@code name} created by {@code creator}, who adds the users of {@code members}; returns
     * once every member device has joined it.
     */
    public static GroupId team(Party creator, String name, List<Party> members) {
        GroupId team = creator.client.createGroup(name).join();
        List<String> users = members.stream().map(p -> p.user).filter(u -> !u.equals(creator.user)).distinct()
                .toList();
        if (!users.isEmpty()) {
            creator.client.addMembers(team, users).join();
        }
        for (Party p : members) {
            if (p != creator) {
                p.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 30);
            }
        }
        return team;
    }

    private static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
