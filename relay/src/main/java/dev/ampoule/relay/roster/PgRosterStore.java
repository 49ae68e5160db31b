package dev.ampoule.relay.roster;

import dev.ampoule.mls.error.DecodeException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The roster in PostgreSQL (table {@code roster_log} of {@code V2__roster.sql}), shared by the
 * relays of a cluster. Each batch is one row whose key is the roster's version after it: a write at
 * version {@code v + 1} succeeds only if this store has read up to {@code v}, so that of two relays
 * changing the roster at once, the second fails with {@link RosterStore.ConcurrentChange} (the
 * primary key), reads the first's change ({@link #changes}) and tries again on the new state — the
 * roster's invariants are checked against the latest roster, serialised by the database. A rewrite
 * (compaction) replaces every row by one snapshot row in one transaction, under the same check.
 *
 * <p>Confined to the context of the {@link Roster} using it (the version is plain state).
 */
public final class PgRosterStore implements RosterStore {

    /** PostgreSQL's unique_violation. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final Pool pool;
    private final Runnable written;
    /** The highest version this store has read or written. */
    private long version;

    /**
     * A store on {@code pool} (its schema already migrated); {@code written} runs after each
     * successful write (the relay tells the other relays to read the change).
     */
    public PgRosterStore(Pool pool, Runnable written) {
        this.pool = pool;
        this.written = written;
    }

    /** The version this store has read up to. */
    public long version() {
        return version;
    }

    @Override
    public Future<List<RosterRecord>> load() {
        version = 0;
        return changes().map(changes -> {
            List<RosterRecord> out = new ArrayList<>();
            for (Change c : changes) {
                if (c.snapshot()) {
                    out.clear();
                }
                out.addAll(c.records());
            }
            return out;
        });
    }

    @Override
    public Future<List<Change>> changes() {
        long from = version;
        return pool.preparedQuery("SELECT ord, snapshot, batch FROM roster_log WHERE ord > $1 ORDER BY ord")
                .execute(Tuple.of(from))
                .compose(rows -> {
                    List<Change> out = new ArrayList<>(rows.size());
                    long last = from;
                    try {
                        for (Row row : rows) {
                            last = row.getLong(0);
                            out.add(new Change(row.getBoolean(1), RosterCodec.decodeBatch(row.getBuffer(2).getBytes())));
                        }
                    } catch (DecodeException e) {
                        return Future.failedFuture(new RosterException(RosterException.Kind.STORE,
                                "roster store: an unreadable batch", e));
                    }
                    version = Math.max(version, last);
                    return Future.succeededFuture(out);
                });
    }

    @Override
    public Future<Void> append(List<RosterRecord> records) {
        long next = version + 1;
        return pool.preparedQuery("INSERT INTO roster_log (ord, snapshot, batch) VALUES ($1, false, $2)")
                .execute(Tuple.of(next, Buffer.buffer(RosterCodec.encodeBatch(records))))
                .<Void>map(rows -> {
                    version = next;
                    written.run();
                    return null;
                })
                .recover(PgRosterStore::conflict);
    }

    @Override
    public Future<Void> rewrite(List<RosterRecord> snapshot) {
        long seen = version;
        long next = seen + 1;
        Buffer batch = Buffer.buffer(RosterCodec.encodeBatch(snapshot));
        return pool.withTransaction(conn -> conn.preparedQuery(
                        "INSERT INTO roster_log (ord, snapshot, batch) VALUES ($1, true, $2)")
                        .execute(Tuple.of(next, batch))
                        .compose(v -> conn.preparedQuery("DELETE FROM roster_log WHERE ord < $1").execute(Tuple.of(next))))
                .<Void>map(rows -> {
                    version = next;
                    written.run();
                    return null;
                })
                .recover(PgRosterStore::conflict);
    }

    private static <T> Future<T> conflict(Throwable e) {
        if (e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
            return Future.failedFuture(new ConcurrentChange());
        }
        return Future.failedFuture(e);
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture(); // the pool belongs to the relay
    }
}
