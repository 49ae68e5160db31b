package dev.ampoule.relay.history;

import dev.ampoule.mls.error.DecodeException;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * A log of {@link RightsRecord}s in PostgreSQL (table {@code rights_log} of {@code V11__rights_log.sql}),
 * shared by every relay instance of every node of a cluster. Each instance keeps the highest
 * {@code ord} it has applied and reads only the rows after it ({@link #changes}); writers insert
 * holding their log's transaction-scoped advisory lock, so rows commit in {@code ord} order and no
 * reader skips one. After each write, {@code written} gets the new row's {@code ord} (the relay tells
 * the other instances and nodes to read on: {@code NodeEvent.RightsChanged}).
 *
 * <p>A rewrite (after an erasure) runs in one transaction under the same lock: it reads what others
 * wrote meanwhile, writes a reset row and the live records, and deletes every older row of the log —
 * other instances meet the reset row, drop their state and rebuild it from the rows after it, so a
 * change made on another node is never lost and the erased id leaves the database.
 *
 * <p>Confined to the context of its owner (the read position is plain state).
 */
final class PgRightsLog implements RightsStore {

    /** Which log a row belongs to (the {@code log} column). */
    enum Log {
        RIGHTS(1), RECORDS(2);

        final int id;

        Log(int id) {
            this.id = id;
        }
    }

    /** The first key of the advisory locks of the rights logs (the second is the log's id). */
    private static final int LOCK_KEY = 0x52494754;
    private static final String LOCK = "SELECT pg_advisory_xact_lock($1, $2)";
    private static final String INSERT = "INSERT INTO rights_log (log, record) VALUES ($1, $2) RETURNING ord";
    private static final String READ = "SELECT ord, record FROM rights_log WHERE log = $1 AND ord > $2 ORDER BY ord";

    private final Pool pool;
    private final Log log;
    private final LongConsumer written;
    /** The highest {@code ord} of this log the owner has applied. */
    private long applied;

    PgRightsLog(Pool pool, Log log, LongConsumer written) {
        this.pool = pool;
        this.log = log;
        this.written = written;
    }

    @Override
    public Future<List<RightsRecord>> load() {
        applied = 0;
        return changes().map(changes -> {
            List<RightsRecord> out = new ArrayList<>();
            for (Change c : changes) {
                switch (c) {
                    case Reset r -> out.clear();
                    case Logged l -> out.add(l.record());
                }
            }
            return out;
        });
    }

    @Override
    public Future<List<Change>> append(RightsRecord record) {
        Buffer payload = Buffer.buffer(record.encode());
        return pool.withTransaction(conn -> lock(conn)
                        .compose(v -> conn.preparedQuery(INSERT).execute(Tuple.of(log.id, payload)))
                        .map(rows -> rows.iterator().next().getLong(0)))
                .compose(ord -> changes().map(changes -> {
                    written.accept(ord);
                    return changes;
                }));
    }

    @Override
    public Future<List<Change>> changes() {
        return read(pool.preparedQuery(READ).execute(Tuple.of(log.id, applied)));
    }

    @Override
    public Future<Void> rewrite(Function<List<Change>, List<RightsRecord>> live) {
        return pool.withTransaction(conn -> lock(conn)
                .compose(v -> read(conn.preparedQuery(READ).execute(Tuple.of(log.id, applied))))
                .compose(pending -> {
                    List<RightsRecord> records = live.apply(pending);
                    return conn.preparedQuery(INSERT).execute(Tuple.tuple().addInteger(log.id).addBuffer(null))
                            .map(rows -> rows.iterator().next().getLong(0))
                            .compose(reset -> insertAll(conn, records)
                                    .compose(v -> conn.preparedQuery("DELETE FROM rights_log WHERE log = $1 AND ord < $2")
                                            .execute(Tuple.of(log.id, reset)))
                                    .compose(v -> conn.preparedQuery(
                                            "SELECT max(ord) FROM rights_log WHERE log = $1").execute(Tuple.of(log.id))))
                            .map(rows -> rows.iterator().next().getLong(0));
                }))
                .map(last -> {
                    applied = Math.max(applied, last); // the owner's state is the live records already
                    written.accept(last);
                    return null;
                });
    }

    private Future<Void> lock(SqlConnection conn) {
        return conn.preparedQuery(LOCK).execute(Tuple.of(LOCK_KEY, log.id)).mapEmpty();
    }

    private Future<Void> insertAll(SqlConnection conn, List<RightsRecord> records) {
        if (records.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Tuple> rows = records.stream().map(r -> Tuple.of(log.id, Buffer.buffer(r.encode()))).toList();
        return conn.preparedQuery("INSERT INTO rights_log (log, record) VALUES ($1, $2)").executeBatch(rows).mapEmpty();
    }

    /** The rows read, as changes, and the read position moved past them. */
    private Future<List<Change>> read(Future<RowSet<Row>> query) {
        return query.compose(rows -> {
            List<Change> out = new ArrayList<>(rows.size());
            long last = applied;
            try {
                for (Row row : rows) {
                    last = row.getLong(0);
                    Buffer record = row.getBuffer(1);
                    out.add(record == null ? new Reset() : new Logged(RightsRecord.decode(record.getBytes())));
                }
            } catch (DecodeException e) {
                return Future.failedFuture(new IllegalStateException("rights log: an unreadable record at ord " + last, e));
            }
            applied = Math.max(applied, last);
            return Future.succeededFuture(out);
        });
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture(); // the pool belongs to the relay
    }
}
