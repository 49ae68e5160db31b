package dev.ampoule.relay.store;

import static dev.ampoule.relay.store.PgGroups.buf;
import static dev.ampoule.relay.store.PgGroups.bytes;
import static dev.ampoule.relay.store.PgGroups.device;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The devices' side of a cluster's state in PostgreSQL ({@code V4__cluster_state.sql}): cursors,
 * mailboxes of Welcomes, KeyPackages and registered signature keys, shared by every node. A cursor
 * only moves forward (the database keeps the greater of the stored and the new value, whichever
 * node writes); an ordinary KeyPackage is handed out once (taking it deletes its row, and of two
 * nodes taking it only one deletes it). Cursor moves are written many to a transaction.
 *
 * <p>Confined to the context that created it.
 */
public final class PgDevices {

    private static final int MAX_BATCH = 1_000;
    private static final String MOVE_CURSOR = "INSERT INTO ds_cursors (user_id, device_id, group_id, seq) "
            + "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, device_id, group_id) "
            + "DO UPDATE SET seq = greatest(ds_cursors.seq, excluded.seq) RETURNING seq";

    /** What a device has: the groups it receives and the records of its cursors and mailbox. */
    public record Snapshot(Set<Bytes> groups, List<StoreRecord> records) {
        public Snapshot {
            groups = Set.copyOf(groups);
            records = List.copyOf(records);
        }
    }

    private record Move(DeviceId device, Bytes groupId, long seq, Promise<Long> promise) {
    }

    /** The order in which a batch locks cursor rows: by user, device and group, as the key reads. */
    private static final Comparator<Move> BY_ROW = Comparator.comparing((Move m) -> m.device().userId())
            .thenComparing(m -> m.device().deviceId())
            .thenComparing(Move::groupId);

    private final Pool pool;
    private final ArrayDeque<Move> queue = new ArrayDeque<>();
    private boolean writing;

    public PgDevices(Pool pool) {
        this.pool = pool;
    }

    /**
     * The device as it is now: the groups it receives, its cursor in each, its mailbox (what it
     * acknowledged, and each waiting Welcome).
     */
    public Future<Snapshot> load(DeviceId d) {
        Tuple id = Tuple.of(d.userId(), d.deviceId());
        Set<Bytes> groups = new LinkedHashSet<>();
        List<StoreRecord> out = new ArrayList<>();
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT group_id FROM ds_access "
                        + "WHERE user_id = $1 AND device_id = $2").execute(id)
                .compose(rows -> {
                    rows.forEach(r -> groups.add(bytes(r.getBuffer(0))));
                    return conn.preparedQuery("SELECT group_id, seq FROM ds_cursors WHERE user_id = $1 "
                            + "AND device_id = $2").execute(id);
                })
                .compose(rows -> {
                    rows.forEach(r -> out.add(new StoreRecord.CursorMoved(d, bytes(r.getBuffer(0)), r.getLong(1))));
                    return conn.preparedQuery("SELECT acked, next_seq FROM ds_mailbox_heads WHERE user_id = $1 "
                            + "AND device_id = $2").execute(id);
                })
                .compose(rows -> {
                    if (rows.size() == 1) {
                        Row h = rows.iterator().next();
                        // numbers below the next one are taken, whether their entries are still there or not
                        out.add(new StoreRecord.MailboxAcked(d, h.getLong(0)));
                    }
                    return conn.preparedQuery("SELECT mailbox_seq, group_id, group_seq, welcome, ts_ms FROM ds_mailbox "
                            + "WHERE user_id = $1 AND device_id = $2 ORDER BY mailbox_seq").execute(id);
                })
                .map(rows -> {
                    rows.forEach(r -> out.add(new StoreRecord.MailboxEntry(d, r.getLong(0), bytes(r.getBuffer(1)),
                            r.getLong(2), bytes(r.getBuffer(3)), r.getLong(4))));
                    return new Snapshot(groups, out);
                }));
    }

    // ---- cursors and mailboxes -----------------------------------------------------------------

    /** Moves the device's cursor in the group forward to {@code seq}; completes with the cursor as stored. */
    public Future<Long> moveCursor(DeviceId device, Bytes groupId, long seq) {
        Promise<Long> p = Promise.promise();
        queue.addLast(new Move(device, groupId, seq, p));
        writeNext();
        return p.future();
    }

    private void writeNext() {
        if (writing || queue.isEmpty()) {
            return;
        }
        writing = true;
        List<Move> batch = new ArrayList<>();
        while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
            batch.add(queue.pollFirst());
        }
        batch.sort(BY_ROW); // one lock order on every node: batches wait for each other, never deadlock
        List<Tuple> rows = batch.stream().map(m -> Tuple.of(m.device().userId(), m.device().deviceId(),
                buf(m.groupId()), m.seq())).toList();
        pool.withTransaction(conn -> conn.preparedQuery(MOVE_CURSOR).executeBatch(rows)).onComplete(ar -> {
            writing = false;
            if (ar.succeeded()) {
                RowSet<Row> rs = ar.result();
                for (Move m : batch) {
                    m.promise().complete(rs.iterator().next().getLong(0));
                    rs = rs.next();
                }
            } else {
                StoreException e = DatabaseFailures.SHARED.failed(ar.cause());
                batch.forEach(m -> m.promise().fail(e));
            }
            writeNext();
        });
    }

    /** The device acknowledged its mailbox up to {@code seq}: those entries go. */
    public Future<Void> ackMailbox(DeviceId d, long seq) {
        return pool.withTransaction(conn -> conn.preparedQuery("UPDATE ds_mailbox_heads SET acked = greatest(acked, $3) "
                        + "WHERE user_id = $1 AND device_id = $2").execute(Tuple.of(d.userId(), d.deviceId(), seq))
                .compose(v -> conn.preparedQuery("DELETE FROM ds_mailbox WHERE user_id = $1 AND device_id = $2 "
                        + "AND mailbox_seq <= $3").execute(Tuple.of(d.userId(), d.deviceId(), seq)))
                .<Void>mapEmpty())
                .recover(DatabaseFailures.SHARED::failedWrite);
    }

    // ---- KeyPackages and signature keys --------------------------------------------------------

    /** Stores published KeyPackages (one already there is kept as it is). */
    public Future<Void> addKeyPackages(List<StoreRecord.KeyPackageAdded> packages) {
        if (packages.isEmpty()) {
            return Future.succeededFuture();
        }
        return pool.preparedQuery("INSERT INTO ds_key_packages (user_id, device_id, ref, suite, key_package, last_resort) "
                        + "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
                .executeBatch(packages.stream().map(k -> Tuple.of(k.device().userId(), k.device().deviceId(),
                        buf(k.ref()), k.cipherSuite(), buf(k.keyPackage()), k.lastResort())).toList())
                .<Void>mapEmpty()
                .recover(DatabaseFailures.SHARED::failedWrite);
    }

    /**
     * Takes a KeyPackage out of the directory (handed out, or withdrawn); completes with whether this
     * call took it — false when another node took it first.
     */
    public Future<Boolean> take(DeviceId d, Bytes ref) {
        return pool.preparedQuery("DELETE FROM ds_key_packages WHERE user_id = $1 AND device_id = $2 AND ref = $3")
                .execute(Tuple.of(d.userId(), d.deviceId(), buf(ref)))
                .map(rows -> rows.rowCount() == 1)
                .recover(DatabaseFailures.SHARED::failedWrite);
    }

    /** Every KeyPackage of the user's devices, in publication order. */
    public Future<List<StoreRecord.KeyPackageAdded>> keyPackagesOf(String userId) {
        return pool.preparedQuery("SELECT device_id, ref, suite, key_package, last_resort FROM ds_key_packages "
                        + "WHERE user_id = $1 ORDER BY added").execute(Tuple.of(userId))
                .map(rows -> {
                    List<StoreRecord.KeyPackageAdded> out = new ArrayList<>(rows.size());
                    rows.forEach(r -> out.add(new StoreRecord.KeyPackageAdded(device(userId, r.getString(0)),
                            bytes(r.getBuffer(1)), r.getInteger(2), bytes(r.getBuffer(3)), r.getBoolean(4))));
                    return out;
                });
    }

    /** Records that the device registered a signature key. */
    public Future<Void> registerKey(DeviceId d, Bytes key) {
        return pool.preparedQuery("INSERT INTO ds_signature_keys (user_id, device_id, key) VALUES ($1, $2, $3) "
                        + "ON CONFLICT DO NOTHING").execute(Tuple.of(d.userId(), d.deviceId(), buf(key)))
                .<Void>mapEmpty()
                .recover(DatabaseFailures.SHARED::failedWrite);
    }

    /** The signature keys the user's devices registered, oldest first. */
    public Future<List<StoreRecord.SignatureKeyRegistered>> keysOf(String userId) {
        return pool.preparedQuery("SELECT device_id, key FROM ds_signature_keys WHERE user_id = $1 ORDER BY added")
                .execute(Tuple.of(userId))
                .map(rows -> {
                    List<StoreRecord.SignatureKeyRegistered> out = new ArrayList<>(rows.size());
                    rows.forEach(r -> out.add(new StoreRecord.SignatureKeyRegistered(device(userId, r.getString(0)),
                            bytes(r.getBuffer(1)))));
                    return out;
                });
    }

    /** The KeyPackages and registered signature keys of these users' devices, oldest first. */
    public record UserKeys(List<StoreRecord.KeyPackageAdded> packages, List<StoreRecord.SignatureKeyRegistered> keys) {
    }

    /** {@link UserKeys} of each of {@code users} (empty lists for a user with none). */
    public Future<java.util.Map<String, UserKeys>> keysOf(java.util.Collection<String> users) {
        String[] ids = users.toArray(String[]::new);
        java.util.Map<String, UserKeys> out = new java.util.HashMap<>();
        users.forEach(u -> out.put(u, new UserKeys(new ArrayList<>(), new ArrayList<>())));
        Tuple t = Tuple.tuple().addArrayOfString(ids);
        return pool.preparedQuery("SELECT user_id, device_id, ref, suite, key_package, last_resort FROM ds_key_packages "
                        + "WHERE user_id = ANY($1) ORDER BY added").execute(t)
                .compose(rows -> {
                    rows.forEach(r -> out.get(r.getString(0)).packages().add(new StoreRecord.KeyPackageAdded(
                            device(r.getString(0), r.getString(1)), bytes(r.getBuffer(2)), r.getInteger(3),
                            bytes(r.getBuffer(4)), r.getBoolean(5))));
                    return pool.preparedQuery("SELECT user_id, device_id, key FROM ds_signature_keys "
                            + "WHERE user_id = ANY($1) ORDER BY added").execute(t);
                })
                .map(rows -> {
                    rows.forEach(r -> out.get(r.getString(0)).keys().add(new StoreRecord.SignatureKeyRegistered(
                            device(r.getString(0), r.getString(1)), bytes(r.getBuffer(2)))));
                    return out;
                });
    }

    /** The groups the user's devices receive (an erasure reads them all). */
    public Future<Set<Bytes>> groupsOf(String userId) {
        return pool.preparedQuery("SELECT DISTINCT group_id FROM ds_access WHERE user_id = $1").execute(Tuple.of(userId))
                .map(rows -> {
                    Set<Bytes> out = new LinkedHashSet<>();
                    rows.forEach(r -> out.add(bytes(r.getBuffer(0))));
                    return out;
                });
    }

    /**
     * Erases what the devices of the user have here (GDPR art. 17): cursors, mailboxes, KeyPackages,
     * signature keys. Their place in groups' delivery is the groups' business.
     */
    public Future<Void> eraseUser(String userId) {
        Tuple u = Tuple.of(userId);
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM ds_cursors WHERE user_id = $1").execute(u)
                .compose(v -> conn.preparedQuery("DELETE FROM ds_mailbox WHERE user_id = $1").execute(u))
                .compose(v -> conn.preparedQuery("DELETE FROM ds_mailbox_heads WHERE user_id = $1").execute(u))
                .compose(v -> conn.preparedQuery("DELETE FROM ds_key_packages WHERE user_id = $1").execute(u))
                .compose(v -> conn.preparedQuery("DELETE FROM ds_signature_keys WHERE user_id = $1").execute(u))
                .<Void>mapEmpty());
    }
}
