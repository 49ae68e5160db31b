package dev.ampoule.relay.store;

import dev.ampoule.relay.config.RelayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/** The relay's PostgreSQL ({@code store=postgresql}): the schema migrated, then a pool of connections. */
public final class PgDatabase {

    private PgDatabase() {
    }

    /** Reads the connection settings (password file off the event loop), migrates, and opens a pool of {@code size}. */
    public static Future<Pool> open(Vertx vertx, RelayConfig config, int size) {
        return vertx.executeBlocking(() -> Stores.postgres(config), false)
                .compose(options -> PgSchema.migrate(vertx, options).map(version -> PgBuilder.pool()
                        .with(new PoolOptions().setMaxSize(size)).connectingTo(options).using(vertx).build()));
    }
}
