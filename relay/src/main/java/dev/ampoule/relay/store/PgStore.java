package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's store in PostgreSQL ({@code store=postgresql}): the same records as {@link FileStore}
 * (encoded by {@link RecordCodec}) in the tables of {@code V1__relay_log.sql}, written through the
 * reactive client. Appends are written in order, in batches: every append waiting when a batch
 * starts goes into one transaction (group commit), and the next batch starts when it has committed,
 * so each append is durable — committed by PostgreSQL — before its future completes. The database
 * refuses a second message with a group's sequence number and a second commit of a group's epoch
 * ({@link StoreException#conflict()}), whatever the writer.
 *
 * <p>Retention ({@link #dropBefore}, {@link #expireBefore}) is kept in an in-memory index, as in the
 * file store, and reaches the database at the next {@link #compact}: one transaction replaces the
 * checkpoint with the live state, deletes every earlier non-message record and the messages no
 * longer retained. Recent messages are cached in memory (bounded); older ones are read back from
 * the database. A failed batch fails its appends and those queued behind it (no holes, see
 * {@link Store#append}); the next append tries again, so the store recovers by itself when the
 * database is reachable again.
 *
 * <p>The index, the cache and the queue are confined to the context that called {@link #open}.
 */
public final class PgStore implements Store {

    private static final Logger LOG = LoggerFactory.getLogger(PgStore.class);
    private static final int MAX_BATCH = 1_000;
    private static final int REPLAY_PAGE = 2_000;
    /** PostgreSQL's unique_violation. */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String INSERT = "INSERT INTO relay_log (group_id, seq, epoch, kind, ts_millis, payload) "
            + "VALUES ($1, $2, $3, $4, $5, $6)";

    private record Pending(StoreRecord record, byte[] payload, Promise<Void> promise) {
    }

    private final Vertx vertx;
    private final PgConnectOptions options;
    private final int poolSize;
    private final AtomicLong diskBytes = new AtomicLong();
    private Pool pool;

    // confined to the context of open()
    private final MessageIndex messages;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean writing;
    private int inFlight;
    private List<Runnable> held;
    private Supplier<List<StoreRecord>> pendingCompaction;
    private Promise<Boolean> compactionPromise;
    private boolean closed;
    private Promise<Void> drained;
    /** The last write failed (not a conflict): unavailable until a write or a probe succeeds. */
    private boolean failing;

    /**
     * @param options     the database (host, port, database, user, password)
     * @param poolSize    connections (one writes at a time; the others read and compact)
     * @param cacheBudget bytes of recent messages kept in memory
     */
    public PgStore(Vertx vertx, PgConnectOptions options, int poolSize, long cacheBudget) {
        this.vertx = vertx;
        this.options = options;
        this.poolSize = Math.max(2, poolSize);
        this.messages = new MessageIndex(cacheBudget);
    }

    // ---- open / recovery -----------------------------------------------------------------------

    @Override
    public Future<Void> open(Consumer<StoreRecord> replay) {
        return PgSchema.migrate(vertx, options).compose(version -> {
            pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(options).using(vertx)
                    .build();
            LOG.info("PostgreSQL store at schema version {}", version);
            return replayTable("relay_checkpoint", 0, replay);
        }).compose(v -> replayTable("relay_log", 0, replay))
                .compose(v -> measure());
    }

    /** Replays a table from {@code afterOrd} on, a page at a time, in order. */
    private Future<Void> replayTable(String table, long afterOrd, Consumer<StoreRecord> replay) {
        return pool.preparedQuery("SELECT ord, payload FROM " + table + " WHERE ord > $1 ORDER BY ord LIMIT $2")
                .execute(Tuple.of(afterOrd, REPLAY_PAGE))
                .compose(rows -> {
                    long last = afterOrd;
                    for (Row row : rows) {
                        last = row.getLong(0);
                        replay.accept(recovered(RecordCodec.decode(row.getBuffer(1).getBytes())));
                    }
                    return rows.size() < REPLAY_PAGE ? Future.succeededFuture() : replayTable(table, last, replay);
                });
    }

    /** Indexes a recovered message record; replayed application messages carry no bytes (as in the file store). */
    private StoreRecord recovered(StoreRecord r) {
        if (!(r instanceof StoreRecord.MessageAccepted || r instanceof StoreRecord.CommitAccepted)) {
            return r;
        }
        GroupMessage m = RecordCodec.messageOf(r);
        index(m, false);
        if (m.kind() == MessageKind.APPLICATION && r instanceof StoreRecord.MessageAccepted a) {
            return new StoreRecord.MessageAccepted(new GroupMessage(m.groupId(), m.seq(), m.epoch(), m.kind(),
                    m.timestampMillis(), Bytes.EMPTY), a.digest());
        }
        return r;
    }

    /** The bytes the records take (payloads of both tables), for metrics and compaction decisions. */
    private Future<Void> measure() {
        return pool.query("SELECT (SELECT coalesce(sum(octet_length(payload)), 0) FROM relay_log)"
                + " + (SELECT coalesce(sum(octet_length(payload)), 0) FROM relay_checkpoint)").execute()
                .map(rows -> {
                    diskBytes.set(rows.iterator().next().getLong(0));
                    return null;
                });
    }

    // ---- appends -------------------------------------------------------------------------------

    @Override
    public Future<Void> append(StoreRecord record) {
        if (closed || pool == null) {
            return Future.failedFuture(new StoreException("store is " + (closed ? "closed" : "not open"), null));
        }
        byte[] payload = RecordCodec.encode(record);
        Promise<Void> promise = Promise.promise();
        Runnable submit = () -> {
            queue.addLast(new Pending(record, payload, promise));
            inFlight++;
            writeNext();
        };
        if (held != null) {
            held.add(submit);
        } else {
            submit.run();
        }
        return promise.future().andThen(ar -> {
            inFlight--;
            if (ar.succeeded()
                    && (record instanceof StoreRecord.MessageAccepted || record instanceof StoreRecord.CommitAccepted)) {
                index(RecordCodec.messageOf(record), true);
            }
            maybeCheckpoint();
            maybeDrained();
        });
    }

    /** Writes every waiting append in one transaction, unless a batch is being written. */
    private void writeNext() {
        if (writing || queue.isEmpty()) {
            return;
        }
        writing = true;
        List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
        List<Tuple> rows = new ArrayList<>(batch.size());
        long bytes = 0;
        while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
            Pending p = queue.pollFirst();
            batch.add(p);
            rows.add(row(p));
            bytes += p.payload().length;
        }
        long written = bytes;
        pool.withTransaction(conn -> conn.preparedQuery(INSERT).executeBatch(rows)).onComplete(ar -> {
            writing = false;
            StoreException e = ar.failed() ? failure(ar.cause()) : null;
            failing = e != null && !e.conflict();
            if (e == null) {
                diskBytes.addAndGet(written);
                batch.forEach(p -> p.promise().complete());
            } else {
                batch.forEach(p -> p.promise().fail(e));
                // no holes (Store.append): what was submitted after the failed batch fails with it
                while (!queue.isEmpty()) {
                    queue.pollFirst().promise().fail(e);
                }
            }
            writeNext();
        });
    }

    private static Tuple row(Pending p) {
        byte[] payload = p.payload();
        if (p.record() instanceof StoreRecord.MessageAccepted || p.record() instanceof StoreRecord.CommitAccepted) {
            GroupMessage m = RecordCodec.messageOf(p.record());
            return Tuple.of(Buffer.buffer(m.groupId().unsafeArray()), m.seq(), m.epoch(), (short) m.kind().wire(),
                    m.timestampMillis(), Buffer.buffer(payload));
        }
        return Tuple.tuple().addValue(null).addValue(null).addValue(null).addValue(null).addValue(null)
                .addBuffer(Buffer.buffer(payload));
    }

    private static StoreException failure(Throwable cause) {
        if (cause instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
            return new StoreException("the database already holds this group's sequence number or epoch commit",
                    cause, true);
        }
        return DatabaseFailures.SHARED.failed(cause); // reported to the operator, rate-limited, without values
    }

    private void index(GroupMessage m, boolean cache) {
        // PostgreSQL finds a message by (group, seq): the entry's file location is not used
        messages.add(m, 0, 0, 0, cache);
    }

    // ---- availability --------------------------------------------------------------------------

    @Override
    public boolean available() {
        return !failing && !closed && pool != null;
    }

    /** After a failed write: one query; when the database answers, the store is available again. */
    @Override
    public Future<Void> probe() {
        if (!failing || closed || pool == null) {
            return Future.succeededFuture();
        }
        return pool.query("SELECT 1").execute().<Void>mapEmpty().onSuccess(v -> failing = false);
    }

    // ---- reads and retention -------------------------------------------------------------------

    @Override
    public Future<List<GroupMessage>> read(Bytes groupId, long fromSeq, int max) {
        GroupIndex gi = messages.group(groupId);
        if (gi == null || max <= 0 || pool == null) {
            return Future.succeededFuture(List.of());
        }
        long from = Math.max(fromSeq, gi.firstSeq());
        long end = Math.min(gi.endSeq(), from + max);
        List<GroupMessage> out = new ArrayList<>();
        for (long s = from; s < end; s++) {
            GroupIndex.Entry e = gi.get(s);
            if (e.cached == null) {
                return readFromDatabase(groupId, from, end);
            }
            out.add(e.cached);
        }
        return Future.succeededFuture(out);
    }

    private Future<List<GroupMessage>> readFromDatabase(Bytes groupId, long from, long end) {
        return pool.preparedQuery("SELECT payload FROM relay_log WHERE group_id = $1 AND seq >= $2 AND seq < $3 "
                + "ORDER BY seq").execute(Tuple.of(Buffer.buffer(groupId.unsafeArray()), from, end))
                .map(PgStore::messages);
    }

    private static List<GroupMessage> messages(RowSet<Row> rows) {
        List<GroupMessage> out = new ArrayList<>(rows.size());
        for (Row row : rows) {
            out.add(RecordCodec.messageOf(RecordCodec.decode(row.getBuffer(0).getBytes())));
        }
        return out;
    }

    @Override
    public long firstRetained(Bytes groupId) {
        return messages.firstRetained(groupId);
    }

    @Override
    public void dropBefore(Bytes groupId, long seq) {
        messages.dropBefore(groupId, seq);
    }

    @Override
    public int expireBefore(long cutoffMillis) {
        return messages.expireBefore(cutoffMillis);
    }

    @Override
    public int expireBefore(Bytes groupId, long cutoffMillis) {
        return messages.expireBefore(groupId, cutoffMillis);
    }

    @Override
    public long diskBytes() {
        return diskBytes.get();
    }

    // ---- compaction ----------------------------------------------------------------------------

    @Override
    public Future<Boolean> compact(Supplier<List<StoreRecord>> liveState) {
        if (closed || held != null || pool == null) {
            return Future.succeededFuture(false);
        }
        held = new ArrayList<>();
        pendingCompaction = liveState;
        compactionPromise = Promise.promise();
        Future<Boolean> f = compactionPromise.future();
        maybeCheckpoint();
        return f;
    }

    /** Starts a requested checkpoint once no append is in flight (new ones are held meanwhile). */
    private void maybeCheckpoint() {
        if (pendingCompaction == null || inFlight > 0 || writing) {
            return;
        }
        Supplier<List<StoreRecord>> supplier = pendingCompaction;
        Promise<Boolean> done = compactionPromise;
        pendingCompaction = null;
        compactionPromise = null;
        List<StoreRecord> snapshot = List.copyOf(supplier.get());
        List<Buffer> ids = new ArrayList<>();
        List<Long> firsts = new ArrayList<>();
        messages.groups().forEach((id, gi) -> {
            ids.add(Buffer.buffer(id.unsafeArray()));
            firsts.add(gi.firstSeq());
        });
        List<Tuple> live = new ArrayList<>(snapshot.size());
        // the records are encoded on a worker thread: only the snapshot is taken on the event loop
        vertx.executeBlocking(() -> {
            for (StoreRecord r : snapshot) {
                live.add(Tuple.of((long) live.size() + 1, Buffer.buffer(RecordCodec.encode(r))));
            }
            return live;
        }, false).compose(rows -> pool.withTransaction(conn -> checkpoint(conn, rows, ids, firsts)))
                .compose(v -> measure())
                .onComplete(ar -> {
                    release();
                    maybeDrained();
                    if (ar.succeeded()) {
                        LOG.info("store compacted: {} live records, {} bytes", live.size(), diskBytes.get());
                        done.complete(true);
                    } else {
                        done.fail(failure(ar.cause()));
                    }
                });
    }

    /** In one transaction: the new checkpoint, and nothing before it but the retained messages. */
    private static Future<Void> checkpoint(SqlConnection conn, List<Tuple> live, List<Buffer> groupIds,
            List<Long> firstRetained) {
        Future<?> f = conn.query("DELETE FROM relay_log WHERE group_id IS NULL").execute()
                .compose(v -> conn.preparedQuery("DELETE FROM relay_log l USING unnest($1::bytea[], $2::bigint[]) "
                        + "AS r(group_id, first_seq) WHERE l.group_id = r.group_id AND l.seq < r.first_seq")
                        .execute(Tuple.tuple().addArrayOfBuffer(groupIds.toArray(Buffer[]::new))
                                .addArrayOfLong(firstRetained.toArray(Long[]::new))))
                .compose(v -> conn.query("DELETE FROM relay_checkpoint").execute());
        if (!live.isEmpty()) {
            f = f.compose(v -> conn.preparedQuery("INSERT INTO relay_checkpoint (ord, payload) VALUES ($1, $2)")
                    .executeBatch(live));
        }
        return f.mapEmpty();
    }

    /** Submits the appends held during a checkpoint, after it. */
    private void release() {
        List<Runnable> h = held;
        held = null;
        if (h != null) {
            h.forEach(Runnable::run);
        }
    }

    // ---- close ---------------------------------------------------------------------------------

    @Override
    public Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        if (pool == null) {
            return Future.succeededFuture();
        }
        drained = Promise.promise();
        maybeDrained();
        return drained.future().compose(v -> pool.close());
    }

    private void maybeDrained() {
        if (drained != null && inFlight == 0 && !writing && held == null) {
            drained.tryComplete();
        }
    }
}
