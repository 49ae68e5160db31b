package dev.ampoule.relay.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The relay's schema in PostgreSQL: versioned migrations ({@code db/migration/relay/V*__*.sql} on
 * the class path) applied at start by Flyway, which records what it applied in its own table and
 * refuses a database whose applied migrations differ from the relay's (edited or missing files).
 * Flyway speaks JDBC, so it runs on a worker thread, before the reactive client is used.
 */
public final class PgSchema {

    /** Where the relay's migrations are. */
    public static final String LOCATIONS = "classpath:db/migration/relay";

    private PgSchema() {
    }

    /** Brings the database to the relay's newest schema; completes with the schema version. */
    public static Future<String> migrate(Vertx vertx, PgConnectOptions options) {
        return vertx.executeBlocking(() -> {
            MigrateResult result = Flyway.configure()
                    .dataSource(jdbcUrl(options), options.getUser(), options.getPassword())
                    .locations(LOCATIONS)
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
            return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
        }, false);
    }

    /** The JDBC URL of the same database (host, port, database; credentials are passed apart). */
    public static String jdbcUrl(PgConnectOptions options) {
        return "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    }
}
