package dev.ampoule.relay.support;

import static dev.ampoule.relay.support.RelayHarness.await;

import dev.ampoule.relay.store.PgSchema;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh database on {@link TestPostgres} with the relay's schema, and pools onto it — one per
 * simulated relay — closed together at the end of a test.
 */
public final class PgFixture implements AutoCloseable {

    public final PgConnectOptions db;
    private final Vertx vertx;
    private final List<Pool> pools = new ArrayList<>();

    public PgFixture(Vertx vertx) {
        this.vertx = vertx;
        this.db = TestPostgres.freshDatabase();
        await(PgSchema.migrate(vertx, db));
    }

    /** A new pool of two connections. */
    public Pool pool() {
        Pool p = PgBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(db).using(vertx).build();
        pools.add(p);
        return p;
    }

    /** The JDBC URL of the database. */
    public String jdbcUrl() {
        return PgSchema.jdbcUrl(db);
    }

    @Override
    public void close() {
        pools.forEach(p -> await(p.close()));
    }
}
