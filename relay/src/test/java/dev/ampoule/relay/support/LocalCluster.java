package dev.ampoule.relay.support;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./ampoule cluster up}: a local cluster to try — an embedded PostgreSQL (real binaries from
 * Maven Central, data kept in {@code <dir>/postgres}) and {@code n} relay nodes as separate JVMs on
 * 127.0.0.1 (HTTP {@code base + i}, Hazelcast {@code 5701 + i}, event bus {@code 5711 + i}), sharing
 * the development key of {@code <dir>/secrets}. Ctrl-C stops the nodes (SIGTERM: they drain), then
 * the database.
 *
 * <pre>LocalCluster [--nodes 3] [--dir cluster-data] [--port 8080] [--db-port 54329]</pre>
 */
public final class LocalCluster {

    private LocalCluster() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new java.util.HashMap<>(Map.of("nodes", "3", "dir", "cluster-data", "port", "8080",
                "db-port", "54329"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--") || !opts.containsKey(args[i].substring(2))) {
                System.err.println("usage: cluster up [--nodes N] [--dir DIR] [--port HTTP_BASE] [--db-port PORT]");
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        int n = Integer.parseInt(opts.get("nodes"));
        Path dir = Path.of(opts.get("dir")).toAbsolutePath();
        int base = Integer.parseInt(opts.get("port"));
        Files.createDirectories(dir.resolve("postgres"));
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("postgres"))
                .setCleanDataDirectory(false).setPort(Integer.parseInt(opts.get("db-port"))).start();
        PgConnectOptions db = new PgConnectOptions().setHost("127.0.0.1").setPort(pg.getPort()).setUser("postgres")
                .setPassword("").setDatabase("ampoule");
        createDatabase(pg.getPort());
        RelayCluster cluster;
        try {
            cluster = RelayCluster.start(dir, n, db, Map.of("shutdown-grace-seconds", "5"), List.of("-Xmx512m"),
                    RelayCluster.Ports.from(base), "ampoule-local");
        } catch (RuntimeException | AssertionError e) {
            pg.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping the nodes (they drain), then PostgreSQL");
            cluster.nodes().forEach(RelayProcess::terminate);
            cluster.nodes().forEach(node -> node.awaitExit(Duration.ofSeconds(30)));
            cluster.close();
            try {
                pg.close();
            } catch (IOException e) {
                System.err.println("PostgreSQL did not stop cleanly: " + e.getMessage());
            }
            stopped.countDown();
        }));
        System.out.println("PostgreSQL: postgresql://127.0.0.1:" + pg.getPort() + "/ampoule (user postgres)");
        for (RelayProcess node : cluster.nodes()) {
            System.out.println(node.name + ": " + node.ws() + "  (log " + node.logFile + ")");
        }
        System.out.println("tokens: ./ampoule mint-token --user alice --data-dir " + dir.resolve("secrets"));
        System.out.println("Ctrl-C stops the cluster");
        stopped.await();
    }

    private static void createDatabase(int port) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                "postgres", "")) {
            try (ResultSet r = c.createStatement().executeQuery("SELECT 1 FROM pg_database WHERE datname = 'ampoule'")) {
                if (r.next()) {
                    return;
                }
            }
            c.createStatement().execute("CREATE DATABASE ampoule");
        }
    }
}
