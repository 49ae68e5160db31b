package dev.ampoule.relay.blob;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.store.PgSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The blob store in PostgreSQL ({@code store=postgresql}): the tables of
 * {@code V10__relay_blobs.sql}, through the reactive client (its own small pool). Each uploaded
 * chunk is one row keyed by its offset, so a read of any range touches one row; a blob is visible
 * once its row is marked finished with its metadata, in one statement. The schema migrations run
 * at {@link #open} (Flyway, as for the relay's log; running them twice is harmless).
 *
 * <p>Several relay instances share the tables: finishing numbers the blob ({@code finished_ord} of
 * {@code V12__relay_blob_order.sql}) under a transaction-scoped advisory lock, so blobs commit in
 * that order, and {@link #finishedElsewhere} reads those numbered after the last one seen.
 */
public final class PgBlobStore implements BlobStore {

    private static final int OPEN_PAGE = 1_000;

    private final Vertx vertx;
    private final PgConnectOptions options;
    private final int poolSize;
    private Pool pool;
    /** The highest {@code finished_ord} this store has seen. */
    private long seen;
    /** The advisory lock under which blobs are finished (two keys: "BLOB", 0). */
    private static final String LOCK = "SELECT pg_advisory_xact_lock(1112297282, 0)";

    public PgBlobStore(Vertx vertx, PgConnectOptions options, int poolSize) {
        this.vertx = vertx;
        this.options = options;
        this.poolSize = Math.max(1, poolSize);
    }

    @Override
    public Future<List<BlobMeta>> open() {
        return PgSchema.migrate(vertx, options).compose(version -> {
            pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(options).using(vertx)
                    .build();
            // no unfinished upload is dropped here: other relays of a cluster may be receiving theirs;
            // abandoned ones go with dropAbandoned
            return pool.query("SELECT COALESCE(max(finished_ord), 0) FROM relay_blob").execute();
        }).compose(rows -> {
                    seen = rows.iterator().next().getLong(0);
                    return page(Bytes.EMPTY, new ArrayList<>());
                });
    }

    /** Reads the finished blobs' metadata a page at a time, in id order. */
    private Future<List<BlobMeta>> page(Bytes after, List<BlobMeta> found) {
        return pool.preparedQuery("SELECT blob_id, meta FROM relay_blob WHERE finished AND blob_id > $1 "
                + "ORDER BY blob_id LIMIT $2").execute(Tuple.of(Buffer.buffer(after.unsafeArray()), OPEN_PAGE))
                .compose(rows -> {
                    Bytes last = after;
                    for (Row row : rows) {
                        last = Bytes.wrap(row.getBuffer(0).getBytes());
                        found.add(BlobMeta.decode(row.getBuffer(1).getBytes()));
                    }
                    return rows.size() < OPEN_PAGE ? Future.succeededFuture(found) : page(last, found);
                });
    }

    private static Buffer id(Bytes blobId) {
        return Buffer.buffer(blobId.unsafeArray());
    }

    @Override
    public Future<Void> begin(Bytes blobId) {
        return pool.withTransaction(c -> c.preparedQuery("DELETE FROM relay_blob WHERE blob_id = $1 AND NOT finished")
                .execute(Tuple.of(id(blobId)))
                .compose(v -> c.preparedQuery("INSERT INTO relay_blob (blob_id) VALUES ($1)")
                        .execute(Tuple.of(id(blobId)))))
                .mapEmpty();
    }

    @Override
    public Future<Void> append(Bytes blobId, long offset, Buffer data) {
        return pool.preparedQuery("WITH t AS (UPDATE relay_blob SET touched = now() WHERE blob_id = $1 AND NOT finished) "
                + "INSERT INTO relay_blob_chunk (blob_id, off, data) VALUES ($1, $2, $3)")
                .execute(Tuple.of(id(blobId), offset, data)).mapEmpty();
    }

    @Override
    public Future<Integer> dropAbandoned(Duration idle) {
        return pool.preparedQuery("DELETE FROM relay_blob WHERE NOT finished "
                + "AND touched < now() - make_interval(secs => $1)")
                .execute(Tuple.of(idle.toMillis() / 1000.0)).map(rows -> rows.rowCount());
    }

    @Override
    public Future<Void> finish(BlobMeta meta) {
        return pool.withTransaction(c -> c.query(LOCK).execute().compose(v -> c.preparedQuery(
                        "UPDATE relay_blob SET finished = TRUE, meta = $2, finished_ord = nextval('relay_blob_finished_ord') "
                        + "WHERE blob_id = $1 AND NOT finished "
                        + "AND (SELECT COALESCE(SUM(length(data)), 0) FROM relay_blob_chunk WHERE blob_id = $1) = $3")
                        .execute(Tuple.of(id(meta.blobId()), Buffer.buffer(meta.encode()), meta.size()))))
                .compose(rows -> rows.rowCount() == 1 ? Future.<Void>succeededFuture()
                        : Future.failedFuture(new IllegalStateException("blob store: the upload does not match")));
    }

    @Override
    public Future<List<BlobMeta>> finishedElsewhere() {
        return pool.preparedQuery("SELECT finished_ord, meta FROM relay_blob WHERE finished AND finished_ord > $1 "
                + "ORDER BY finished_ord").execute(Tuple.of(seen)).map(rows -> {
                    List<BlobMeta> out = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        out.add(BlobMeta.decode(row.getBuffer(1).getBytes()));
                        seen = Math.max(seen, row.getLong(0));
                    }
                    return out;
                });
    }

    @Override
    public Future<Void> abort(Bytes blobId) {
        return pool.preparedQuery("DELETE FROM relay_blob WHERE blob_id = $1 AND NOT finished")
                .execute(Tuple.of(id(blobId))).mapEmpty();
    }

    @Override
    public Future<Buffer> read(Bytes blobId, long offset, int maxLength) {
        return pool.preparedQuery("SELECT c.off, c.data FROM relay_blob_chunk c JOIN relay_blob b USING (blob_id) "
                + "WHERE c.blob_id = $1 AND b.finished AND c.off <= $2 ORDER BY c.off DESC LIMIT 1")
                .execute(Tuple.of(id(blobId), offset))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Buffer.buffer();
                    }
                    Row row = rows.iterator().next();
                    Buffer chunk = row.getBuffer(1);
                    int from = (int) (offset - row.getLong(0));
                    if (from >= chunk.length()) {
                        return Buffer.buffer();
                    }
                    return chunk.slice(from, Math.min(chunk.length(), from + Math.max(0, maxLength)));
                });
    }

    @Override
    public Future<Void> delete(Bytes blobId) {
        return pool.preparedQuery("DELETE FROM relay_blob WHERE blob_id = $1").execute(Tuple.of(id(blobId)))
                .mapEmpty();
    }

    @Override
    public Future<Void> close() {
        return pool == null ? Future.succeededFuture() : pool.close();
    }
}
