package dev.ampoule.client.support;

import dev.ampoule.client.admin.AdminClient;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.support.RelayCluster;
import dev.ampoule.relay.support.RelayProcess;
import dev.ampoule.relay.support.TcpProxy;
import dev.ampoule.relay.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A relay cluster for end-to-end tests: {@code n} relay JVMs on loopback sharing one real
 * PostgreSQL ({@link RelayCluster}). Each client connects through a proxy of its own that stands
 * for the load balancer in front of the cluster: its first connection goes to the next node (a
 * team's members are spread over the nodes) and each reconnection to the node after the last one,
 * so a device resumes on another node every time; a client of {@link #uri(int)} prefers one node
 * and reaches the others only while it is down. Roster changes go through the admin API of a node
 * (the next one each time, or the one named); what the service stores and its fences are read from
 * the database.
 */
public final class ClusterFixture implements Relays {

    public static final int NODES = 3;

    private final Vertx vertx;
    private final Path dir;
    private final Map<String, String> flags;
    private final PgConnectOptions db;
    private final List<TcpProxy> proxies = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private RelayCluster cluster;
    private Pool pool;

    public ClusterFixture(Vertx vertx, Path dir, Map<String, String> flags) {
        this(vertx, dir, flags, TestPostgres.freshDatabase());
    }

    /** A cluster on the database {@code db} (a server the test stops and starts). */
    public ClusterFixture(Vertx vertx, Path dir, Map<String, String> flags, PgConnectOptions db) {
        this.vertx = vertx;
        this.dir = dir;
        this.flags = Map.copyOf(flags);
        this.db = db;
    }

    @Override
    public ClusterFixture start() {
        if (cluster == null) {
            cluster = RelayCluster.start(dir, NODES, db, flags, RelayCluster.TEST_JVM);
            pool = PgBuilder.pool().connectingTo(db).using(vertx).build();
        } else {
            cluster.startAll();
        }
        return this;
    }

    @Override
    public void stop() {
        if (cluster != null) {
            cluster.stopAll();
        }
    }

    public RelayCluster cluster() {
        return cluster;
    }

    public PgConnectOptions database() {
        return db;
    }

    /** The nodes' HTTP ports, starting with the {@code first}'s. */
    private List<Integer> ports(int first) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            out.add(cluster.node((first + i) % NODES).port);
        }
        return out;
    }

    @Override
    public URI uri() {
        return proxied(TcpProxy.rotating(vertx, "127.0.0.1", ports(next.getAndIncrement() % NODES)));
    }

    /** Where a client connects that prefers node {@code i}. */
    public URI uri(int i) {
        return proxied(TcpProxy.failover(vertx, "127.0.0.1", ports(i)));
    }

    private URI proxied(TcpProxy proxy) {
        proxies.add(proxy);
        return URI.create("ws://127.0.0.1:" + proxy.port() + "/v1/ws");
    }

    /** The next node's port (a raw device connects to it directly). */
    @Override
    public int port() {
        return cluster.node(next.getAndIncrement() % NODES).port;
    }

    @Override
    public String token(String user) {
        return cluster.token(vertx, user);
    }

    @Override
    public String token(String user, java.time.Duration ttl) {
        return cluster.keys().mint(vertx, user, "ampoule-dev", "ampoule-relay", ttl);
    }

    @Override
    public String token(String user, String org, List<String> roles) {
        return cluster.token(vertx, user, org, roles);
    }

    private AdminClient admin(String user, List<String> roles) {
        return admin(next.getAndIncrement() % NODES, user, roles);
    }

    /** The admin API of node {@code node}, called by {@code user} of organisation {@code org-1} with {@code roles}. */
    public AdminClient admin(int node, String user, List<String> roles) {
        return new AdminClient(URI.create(cluster.node(node).http()), () -> token(user, "org-1", roles));
    }

    @Override
    public String createTeam(String coordinator) {
        return admin(coordinator, List.of()).createTeam("care team", Optional.empty()).join().id();
    }

    @Override
    public void addToRoster(String teamId, String userId, String role) {
        admin("test-admin", List.of("org_admin")).putMember(teamId, userId, role).join();
    }

    @Override
    public void removeFromRoster(String teamId, String userId) {
        admin("test-admin", List.of("org_admin")).removeMember(teamId, userId).join();
    }

    /** Takes a user off a team's roster through the admin API of node {@code node}. */
    public void removeFromRoster(int node, String teamId, String userId) {
        admin(node, "test-admin", List.of("org_admin")).removeMember(teamId, userId).join();
    }

    @Override
    public List<GroupMessage> stored(Bytes groupId, long fromSeq) {
        List<GroupMessage> out = new ArrayList<>();
        for (Row r : RelayFixture.await(pool.preparedQuery("SELECT seq, epoch, kind, ts_ms, payload FROM ds_messages "
                + "WHERE group_id = $1 AND seq >= $2 ORDER BY seq").execute(Tuple.of(Buffer.buffer(groupId.toArray()),
                fromSeq)))) {
            out.add(new GroupMessage(groupId, r.getLong(0), r.getLong(1), MessageKind.byWire(r.getShort(2)), r.getLong(3),
                    Bytes.wrap(r.getBuffer(4).getBytes())));
        }
        return out;
    }

    @Override
    public boolean fenced(Bytes groupId) {
        return RelayFixture.await(pool.preparedQuery("SELECT EXISTS (SELECT 1 FROM ds_fences WHERE group_id = $1)")
                .execute(Tuple.of(Buffer.buffer(groupId.toArray())))).iterator().next().getBoolean(0);
    }

    @Override
    public double counter(String name, String tag, String value) {
        double sum = 0;
        for (int i = 0; i < NODES; i++) {
            sum += counter(i, name, tag, value);
        }
        return sum;
    }

    /** A counter of node {@code node} since it started (0 if it does not answer or never incremented it). */
    public double counter(int node, String name, String tag, String value) {
        String prometheus = name.replace('.', '_') + "_total";
        return cluster.metric(cluster.node(node), prometheus, tag + "=\"" + value + "\"").orElse(0.0);
    }

    @Override
    public void compact() {
        // PostgreSQL keeps no log to compact
    }

    @Override
    public void close() {
        proxies.forEach(TcpProxy::close);
        if (pool != null) {
            RelayFixture.await(pool.close());
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
