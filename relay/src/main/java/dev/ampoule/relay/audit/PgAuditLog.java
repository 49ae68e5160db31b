package dev.ampoule.relay.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit log in PostgreSQL (tables of {@code V3__audit.sql}): one hash chain for every relay of a
 * cluster, each entry's line exactly as {@link FileAuditLog} would write it. The chain is extended
 * under the database's lock on the head row: a batch of entries is written in one transaction that
 * reads the head {@code FOR UPDATE}, numbers and hashes the entries from it, inserts them and moves
 * the head — so concurrent relays extend the chain one after the other, without gaps or forks,
 * whatever their clocks (an entry's time is never before the head's).
 *
 * <p>{@link #record} completes once the entry is committed; while the database is unreachable it
 * fails (the caller refuses what it could not audit), and succeeds again once it is back. Appends
 * of this instance are written in order, many to a transaction (group commit). Opening checks that
 * the head matches the last entry (entries removed from the end are detected); {@code relay
 * audit-verify --postgres-url} checks the whole chain ({@link PgAuditExport}).
 *
 * <p>Confined to the context that opened it.
 */
public final class PgAuditLog implements AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(PgAuditLog.class);
    private static final int MAX_BATCH = 512;
    private static final int MAX_PENDING = 65_536;

    private record Pending(AuditEvent event, long millis, Promise<Void> promise) {
    }

    private record Head(long seq, String hash, long millis) {
    }

    private final Pool pool;
    private final Clock clock;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean writing;
    private boolean closed;
    private Promise<Void> drained;

    private PgAuditLog(Pool pool, Clock clock) {
        this.pool = pool;
        this.clock = clock;
    }

    /**
     * Opens the log on {@code pool} (schema migrated): fails with an {@link AuditLogException} if the
     * head does not match the last entry.
     */
    public static Future<PgAuditLog> open(Pool pool, Clock clock) {
        PgAuditLog log = new PgAuditLog(pool, clock);
        return pool.query("SELECT h.seq, h.hash, (SELECT max(seq) FROM audit_log), "
                + "(SELECT line FROM audit_log WHERE seq = h.seq) FROM audit_head h WHERE id = 1").execute()
                .compose(rows -> {
                    Row r = rows.iterator().next();
                    long head = r.getLong(0);
                    Long last = r.getLong(2);
                    String line = r.getString(3);
                    if ((last == null ? 0 : last) != head) {
                        return Future.failedFuture(new AuditLogException("the audit log in PostgreSQL does not end at"
                                + " its head (entry " + head + "): entries were added or removed outside the relay"));
                    }
                    if (head > 0) {
                        try {
                            if (!AuditLines.parse(line).hash().equals(r.getString(1))) {
                                return Future.failedFuture(new AuditLogException("the last audit entry's hash does not"
                                        + " match the head"));
                            }
                        } catch (AuditLines.MalformedEntry e) {
                            return Future.failedFuture(new AuditLogException("the last audit entry does not parse: "
                                    + e.getMessage()));
                        }
                    }
                    LOG.info("audit log in PostgreSQL opened at entry {}", head);
                    return Future.succeededFuture(log);
                });
    }

    @Override
    public Future<Void> record(AuditEvent event) {
        if (event == null) {
            return Future.failedFuture(new AuditLogException("no audit event"));
        }
        var refused = AuditLines.refusal(event);
        if (refused.isPresent()) {
            return Future.failedFuture(new AuditLogException("audit event refused: " + refused.get()));
        }
        if (closed) {
            return Future.failedFuture(new AuditLogException("the audit log is closed"));
        }
        if (queue.size() >= MAX_PENDING) {
            return Future.failedFuture(new AuditLogException("the audit writer is more than " + MAX_PENDING
                    + " entries behind; the event was not recorded"));
        }
        Promise<Void> promise = Promise.promise();
        queue.addLast(new Pending(event, clock.millis(), promise));
        writeNext();
        return promise.future();
    }

    private void writeNext() {
        if (writing || queue.isEmpty()) {
            if (!writing && queue.isEmpty() && drained != null) {
                drained.tryComplete();
            }
            return;
        }
        writing = true;
        List<Pending> batch = new ArrayList<>();
        while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
            batch.add(queue.pollFirst());
        }
        List<Pending> written = new ArrayList<>(batch.size());
        pool.withTransaction(conn -> append(conn, batch, written)).onComplete(ar -> {
            writing = false;
            if (ar.succeeded()) {
                for (Pending p : batch) {
                    if (written.contains(p)) {
                        p.promise().complete();
                    } else {
                        p.promise().fail(new AuditLogException("audit event refused: its line would be longer than "
                                + AuditLines.MAX_LINE_BYTES + " bytes"));
                    }
                }
            } else {
                LOG.warn("an audit write of {} entries failed: {}", batch.size(), ar.cause().getMessage());
                AuditLogException e = new AuditLogException("the audit log could not be written", ar.cause());
                batch.forEach(p -> p.promise().fail(e));
            }
            writeNext();
        });
    }

    /** In the transaction: the head, locked; the entries chained from it; the new head. */
    private static Future<Void> append(SqlConnection conn, List<Pending> batch, List<Pending> written) {
        written.clear();
        return conn.query("SELECT seq, hash, time_ms FROM audit_head WHERE id = 1 FOR UPDATE").execute()
                .compose(rows -> {
                    Row r = rows.iterator().next();
                    Head head = new Head(r.getLong(0), r.getString(1), r.getLong(2));
                    List<Tuple> inserts = new ArrayList<>(batch.size());
                    for (Pending p : batch) {
                        long millis = Math.max(p.millis(), head.millis());
                        AuditEntry e = AuditLines.encode(head.seq() + 1, Instant.ofEpochMilli(millis), p.event(),
                                head.hash());
                        if (e.jsonLine().getBytes(StandardCharsets.UTF_8).length + 1 > AuditLines.MAX_LINE_BYTES) {
                            continue; // refused alone; the others are written
                        }
                        inserts.add(Tuple.of(e.seq(), millis, p.event().team().orElse(null),
                                p.event().user().orElse(null), p.event().actor().orElse(null), e.jsonLine()));
                        written.add(p);
                        head = new Head(e.seq(), e.hash(), millis);
                    }
                    if (inserts.isEmpty()) {
                        return Future.succeededFuture();
                    }
                    Head last = head;
                    return conn.preparedQuery("INSERT INTO audit_log (seq, time_ms, team, usr, actor, line) "
                            + "VALUES ($1, $2, $3, $4, $5, $6)").executeBatch(inserts)
                            .compose(v -> conn.preparedQuery("UPDATE audit_head SET seq = $1, hash = $2, time_ms = $3 "
                                    + "WHERE id = 1").execute(Tuple.of(last.seq(), last.hash(), last.millis())))
                            .mapEmpty();
                });
    }

    @Override
    public Future<List<AuditEntry>> query(AuditQuery q) {
        if (closed) {
            return Future.failedFuture(new AuditLogException("the audit log is closed"));
        }
        StringBuilder sql = new StringBuilder("SELECT line FROM audit_log WHERE seq > $1");
        List<Object> args = new ArrayList<>(List.of(q.afterSeq()));
        q.team().ifPresent(t -> {
            args.add(t);
            sql.append(" AND team = $").append(args.size());
        });
        q.user().ifPresent(u -> {
            args.add(u);
            sql.append(" AND (usr = $").append(args.size()).append(" OR actor = $").append(args.size()).append(')');
        });
        q.from().ifPresent(f -> {
            args.add(f.toEpochMilli());
            sql.append(" AND time_ms >= $").append(args.size());
        });
        q.to().ifPresent(t -> {
            args.add(t.toEpochMilli());
            sql.append(" AND time_ms < $").append(args.size());
        });
        args.add(q.limit());
        sql.append(" ORDER BY seq LIMIT $").append(args.size());
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(args)).compose(rows -> {
            List<AuditEntry> out = new ArrayList<>(rows.size());
            for (Row row : rows) {
                try {
                    out.add(AuditLines.parse(row.getString(0)));
                } catch (AuditLines.MalformedEntry e) {
                    return Future.failedFuture(new AuditLogException("an audit entry no longer parses: "
                            + e.getMessage()));
                }
            }
            return Future.succeededFuture(out);
        });
    }

    /** Writes what is queued, then refuses appends and queries (the pool belongs to the relay). */
    @Override
    public Future<Void> close() {
        if (closed) {
            return drained == null ? Future.succeededFuture() : drained.future();
        }
        closed = true;
        drained = Promise.promise();
        writeNext();
        return drained.future();
    }
}
