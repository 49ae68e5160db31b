package dev.ampoule.relay.support;

import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.ds.ExternalSenderKeys;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A relay cluster for tests: {@code n} relay nodes, each a separate JVM ({@link RelayProcess}) on
 * loopback, joined over Hazelcast (a fixed member list of their loopback ports, a cluster name of
 * its own so that concurrent test runs never merge) and sharing one real PostgreSQL database (a
 * fresh one on {@link TestPostgres}, or the one given). The nodes share the development signing key
 * and the relay's external-sender keys, as a deployment mounts the same secrets into every pod.
 * Every wait is bounded.
 */
public final class RelayCluster implements AutoCloseable {

    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    /** Small heaps and the serial collector: several nodes share a loaded 2-core machine with the tests. */
    public static final List<String> TEST_JVM = List.of("-Xmx320m", "-XX:+UseSerialGC", "-Xss512k",
            "-XX:TieredStopAtLevel=1", "-Djava.net.preferIPv4Stack=true");

    public final Path dir;
    public final PgConnectOptions database;
    private final List<RelayProcess> nodes = new ArrayList<>();
    private final DevKeys keys;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String name;

    private RelayCluster(Path dir, PgConnectOptions database, DevKeys keys, String name) {
        this.name = name;
        this.dir = dir;
        this.database = database;
        this.keys = keys;
    }

    /** Starts {@code n} nodes on a fresh database; {@code flags} (kebab-case names) are added to every node's. */
    public static RelayCluster start(Path dir, int n, Map<String, String> flags) {
        return start(dir, n, TestPostgres.freshDatabase(), flags, TEST_JVM);
    }

    /** The ports of node {@code i}: HTTP/WebSocket, Hazelcast, event bus. */
    public interface Ports {
        int http(int i);

        int hazelcast(int i);

        int bus(int i);

        /** Free ports picked at random (tests). */
        Ports FREE = new Ports() {
            @Override
            public int http(int i) {
                return freePort();
            }

            @Override
            public int hazelcast(int i) {
                return freePort();
            }

            @Override
            public int bus(int i) {
                return freePort();
            }
        };

        /** {@code base + i}, {@code 5701 + i}, {@code 5711 + i} (a local cluster to try). */
        static Ports from(int base) {
            return new Ports() {
                @Override
                public int http(int i) {
                    return base + i;
                }

                @Override
                public int hazelcast(int i) {
                    return 5701 + i;
                }

                @Override
                public int bus(int i) {
                    return 5711 + i;
                }
            };
        }
    }

    /** Starts {@code n} nodes on {@code database} (e.g. through a {@link TcpProxy}). */
    public static RelayCluster start(Path dir, int n, PgConnectOptions database, Map<String, String> flags,
            List<String> jvmOptions) {
        for (int attempt = 1;; attempt++) {
            try {
                return start(dir, n, database, flags, jvmOptions, Ports.FREE,
                        "ampoule-test-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet());
            } catch (RuntimeException | AssertionError e) {
                // a port free when picked can be taken by another process (or an outgoing connection's
                // ephemeral port) before the node binds it: pick new ports, a bounded number of times
                if (attempt == PORT_ATTEMPTS || !String.valueOf(e.getMessage()).contains(PORT_TAKEN)) {
                    throw e;
                }
            }
        }
    }

    private static final int PORT_ATTEMPTS = 3;
    private static final String PORT_TAKEN = "Address already in use";

    /** Starts {@code n} nodes named {@code name} on {@code database}, on {@code ports}. */
    public static RelayCluster start(Path dir, int n, PgConnectOptions database, Map<String, String> flags,
            List<String> jvmOptions, Ports ports, String name) {
        Path shared = dir.resolve("secrets");
        DevKeys keys = DevKeys.loadOrCreate(shared);
        ExternalSenderKeys.loadOrCreate(shared.resolve(ExternalSenderKeys.DIR_NAME)).close();
        RelayCluster cluster = new RelayCluster(dir, database, keys, name);
        List<Integer> hazelcast = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            hazelcast.add(ports.hazelcast(i));
        }
        String members = hazelcast.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        for (int i = 0; i < n; i++) {
            Path data = dir.resolve("node" + i).resolve("data");
            copySecrets(shared, data);
            Map<String, String> f = new LinkedHashMap<>();
            f.put("store", "postgresql");
            f.put("postgres-url", TestPostgres.uri(database));
            f.put("postgres-user", database.getUser());
            f.put("cluster-enabled", "true");
            f.put("cluster-name", name);
            f.put("cluster-host", "127.0.0.1");
            f.put("cluster-port", Integer.toString(hazelcast.get(i)));
            f.put("cluster-bus-port", Integer.toString(ports.bus(i)));
            f.put("cluster-members", members);
            f.put("shutdown-grace-seconds", "1");
            f.putAll(flags);
            Map<String, String> env = new HashMap<>();
            Optional.ofNullable(database.getPassword()).filter(p -> !p.isEmpty())
                    .ifPresent(p -> env.put("AMPOULE_RELAY_POSTGRES_PASSWORD", p));
            cluster.nodes.add(new RelayProcess("node" + i, ports.http(i), data, f, env, jvmOptions));
        }
        try {
            // all at once: Flyway's lock lets one node migrate the schema while the others wait
            cluster.nodes.forEach(RelayProcess::launch);
            cluster.nodes.forEach(RelayProcess::awaitListening);
            cluster.awaitMembers(n, Duration.ofSeconds(60));
        } catch (RuntimeException | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private static void copySecrets(Path shared, Path data) {
        try {
            Files.createDirectories(data);
            Files.copy(shared.resolve(DevKeys.FILE_NAME), data.resolve(DevKeys.FILE_NAME),
                    StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
            Path from = shared.resolve(ExternalSenderKeys.DIR_NAME);
            Path to = data.resolve(ExternalSenderKeys.DIR_NAME);
            Files.createDirectories(to);
            Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from));
            try (var files = Files.list(from)) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public RelayProcess node(int i) {
        return nodes.get(i);
    }

    public List<RelayProcess> nodes() {
        return List.copyOf(nodes);
    }

    public int size() {
        return nodes.size();
    }

    public String token(Vertx vertx, String user) {
        return keys.mint(vertx, user, "ampoule-dev", "ampoule-relay", Duration.ofHours(1));
    }

    public String token(Vertx vertx, String user, String org, List<String> roles) {
        return keys.mint(vertx, user, Optional.of(org), roles, "ampoule-dev", "ampoule-relay", Duration.ofHours(1));
    }

    public DevKeys keys() {
        return keys;
    }

    /** Waits until every running node sees {@code n} members. */
    public void awaitMembers(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (RelayProcess node : nodes) {
            if (!node.running()) {
                continue;
            }
            while (metric(node, "ampoule_cluster_members").orElse(-1.0) != n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(node + " does not see " + n + " cluster members; its output ends:\n"
                            + node.tail(30));
                }
                pause(200);
            }
        }
    }

    /** A metric of a node's {@code /metrics} (the sum of its series), if the node answers and has it. */
    public Optional<Double> metric(RelayProcess node, String name) {
        return metric(node, name, "");
    }

    /**
     * The sum of a node's series of {@code name} whose labels contain {@code label} (e.g.
     * {@code code="GROUP_FENCED"}; empty: every series), if the node answers and has one.
     */
    public Optional<Double> metric(RelayProcess node, String name, String label) {
        return scrape(node).map(text -> {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([-0-9.eE+NaInf]+)$")
                    .matcher(text);
            double sum = 0;
            boolean found = false;
            while (m.find()) {
                if (label.isEmpty() || (m.group(1) != null && m.group(1).contains(label))) {
                    sum += Double.parseDouble(m.group(2));
                    found = true;
                }
            }
            return found ? sum : null;
        });
    }

    /** Stops every node with SIGTERM (they drain) and waits for them. */
    public void stopAll() {
        nodes.forEach(RelayProcess::terminate);
        for (RelayProcess node : nodes) {
            if (!node.awaitExit(Duration.ofSeconds(60))) {
                node.kill();
            }
        }
    }

    /** Starts every node that is not running again (same ports, data and database) and waits for the cluster. */
    public void startAll() {
        List<RelayProcess> down = nodes.stream().filter(n -> !n.running()).toList();
        down.forEach(RelayProcess::launch);
        down.forEach(RelayProcess::awaitListening);
        awaitMembers(nodes.size(), Duration.ofSeconds(60));
    }

    /** A node's {@code /metrics} text, if it answers. */
    public Optional<String> scrape(RelayProcess node) {
        return get(node, "/metrics").filter(r -> r.statusCode() == 200).map(HttpResponse::body);
    }

    /** A GET on a node (empty if it does not answer). */
    public Optional<HttpResponse<String>> get(RelayProcess node, String path) {
        try {
            return Optional.of(http.send(HttpRequest.newBuilder(URI.create(node.http() + path))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Kills every node and keeps their output under {@code target/cluster-logs/} (diagnostics of a failed run). */
    @Override
    public void close() {
        nodes.forEach(RelayProcess::kill);
        Path logs = Path.of("target", "cluster-logs", name);
        try {
            Files.createDirectories(logs);
            for (RelayProcess node : nodes) {
                if (Files.exists(node.logFile)) {
                    Files.copy(node.logFile, logs.resolve(node.name + ".log"), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            // diagnostics only
        }
    }
}
