package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The groups of a cluster in PostgreSQL (tables of {@code V4__cluster_state.sql}): every node reads
 * and writes them, and the database orders each group. A node names the version of the group it
 * validated against; a write fails with {@link StoreException.Reason#STALE} when the group changed
 * since (the node reads it again with {@link #load} and decides again), with
 * {@link StoreException.Reason#EPOCH_TAKEN} when another Commit of the epoch came first, with
 * {@link StoreException.Reason#REPLAY} for a message accepted before. Sequence numbers are assigned
 * by the database in the transaction that inserts the message; each future completes once that
 * transaction committed.
 *
 * <p>Application messages are written many to a transaction (group commit: every one waiting when a
 * batch starts; the next batch after it committed), so one node's messages keep their order. Commits,
 * proposals and cut-offs each have their own transaction.
 *
 * <p>Confined to the context that created it.
 */
public final class PgGroups {

    private static final int MAX_BATCH = 1_000;
    private static final String UNIQUE_VIOLATION = "23505";

    /** The version of a group as a node read it, and the records that rebuild its state. */
    public record Snapshot(long version, List<StoreRecord> records, Set<String> fencedUsers) {
        public Snapshot {
            records = List.copyOf(records);
            fencedUsers = Set.copyOf(fencedUsers);
        }
    }

    /** A message accepted: its sequence number and the group's version after it. */
    public record Appended(long seq, long version) {
    }

    /** A Commit accepted: its sequence number, the group's version, each joined device's mailbox slot. */
    public record Committed(long seq, long version, List<StoreRecord.Joined> joined) {
    }

    /**
     * A Commit to store: the message (its {@code seq} is assigned here), the new epoch's GroupInfo
     * and tree, the Welcome, the devices it adds ({@code welcomed}: those that get the Welcome in
     * their mailbox), the devices it removes, and the users who have a leaf after it (the fences of
     * the others are lifted).
     */
    public record Commit(GroupMessage message, Bytes digest, long newEpoch, Bytes groupInfo, Bytes ratchetTree,
            Bytes welcome, List<DeviceId> added, Set<DeviceId> welcomed, List<DeviceId> removed,
            Set<String> usersAfter) {
    }

    private record Pending(Bytes groupId, long version, long epoch, long ts, Bytes digest, Bytes payload,
            Promise<Long> promise) {
    }

    /** The order in which a batch locks the groups' rows: by group id ({@link Bytes}' order). */
    private static final Comparator<Pending> BY_GROUP = Comparator.comparing(Pending::groupId);

    private static final String APPEND_APPLICATION = """
            WITH g AS (
                UPDATE ds_groups SET next_seq = next_seq + 1
                WHERE group_id = $1 AND version = $2
                  AND NOT EXISTS (SELECT 1 FROM ds_messages m WHERE m.group_id = $1 AND m.digest = $5)
                RETURNING next_seq - 1 AS seq)
            INSERT INTO ds_messages (group_id, seq, epoch, kind, ts_ms, digest, payload)
            SELECT $1, g.seq, $3, 1, $4, $5, $6 FROM g
            RETURNING seq""";

    private final Pool pool;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean writing;

    public PgGroups(Pool pool) {
        this.pool = pool;
    }

    // ---- reads ---------------------------------------------------------------------------------

    /**
     * The group as it is now: its state, who receives it (with their cursors and departures), the
     * proposals of its epoch, and its fences; empty for an unknown group.
     */
    public Future<Optional<Snapshot>> load(Bytes groupId) {
        Buffer id = buf(groupId);
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT creator_user, creator_device, epoch, "
                        + "state_seq, next_seq, version, group_info, ratchet_tree FROM ds_groups WHERE group_id = $1")
                .execute(Tuple.of(id)).compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.succeededFuture(Optional.<Snapshot>empty());
                    }
                    Row r = rows.iterator().next();
                    long epoch = r.getLong(2);
                    long stateSeq = r.getLong(3);
                    List<StoreRecord> out = new ArrayList<>();
                    out.add(new StoreRecord.GroupState(groupId, device(r.getString(0), r.getString(1)), epoch,
                            stateSeq, r.getLong(4), bytes(r.getBuffer(6)), bytes(r.getBuffer(7))));
                    long version = r.getLong(5);
                    return conn.preparedQuery("SELECT user_id, device_id, since_seq FROM ds_access WHERE group_id = $1")
                            .execute(Tuple.of(id))
                            .compose(access -> {
                                access.forEach(a -> out.add(new StoreRecord.MemberSince(groupId,
                                        device(a.getString(0), a.getString(1)), a.getLong(2))));
                                return conn.preparedQuery("SELECT user_id, device_id, until_seq, rejoin_seq, ts_ms "
                                        + "FROM ds_departures WHERE group_id = $1 ORDER BY until_seq").execute(Tuple.of(id));
                            })
                            .compose(deps -> {
                                deps.forEach(d -> out.add(new StoreRecord.Departed(groupId,
                                        device(d.getString(0), d.getString(1)), d.getLong(2), d.getLong(3), d.getLong(4))));
                                return conn.preparedQuery("SELECT c.user_id, c.device_id, c.seq FROM ds_cursors c "
                                        + "JOIN ds_access a ON a.group_id = c.group_id AND a.user_id = c.user_id "
                                        + "AND a.device_id = c.device_id WHERE c.group_id = $1").execute(Tuple.of(id));
                            })
                            .compose(cursors -> {
                                cursors.forEach(c -> out.add(new StoreRecord.CursorMoved(
                                        device(c.getString(0), c.getString(1)), groupId, c.getLong(2))));
                                return conn.preparedQuery("SELECT seq, ts_ms, digest, payload FROM ds_messages "
                                        + "WHERE group_id = $1 AND kind = 2 AND epoch = $2 AND seq > $3 ORDER BY seq")
                                        .execute(Tuple.of(id, epoch, stateSeq));
                            })
                            .compose(proposals -> {
                                proposals.forEach(p -> out.add(new StoreRecord.MessageAccepted(new GroupMessage(groupId,
                                        p.getLong(0), epoch, MessageKind.PROPOSAL, p.getLong(1), bytes(p.getBuffer(3))),
                                        bytes(p.getBuffer(2)))));
                                return conn.preparedQuery("SELECT user_id FROM ds_fences WHERE group_id = $1")
                                        .execute(Tuple.of(id));
                            })
                            .map(fences -> {
                                Set<String> users = new java.util.TreeSet<>();
                                fences.forEach(f -> users.add(f.getString(0)));
                                return Optional.of(new Snapshot(version, out, users));
                            });
                }));
    }

    /** Up to {@code max} retained messages of the group from {@code fromSeq} on, in order. */
    public Future<List<GroupMessage>> read(Bytes groupId, long fromSeq, int max) {
        return pool.preparedQuery("SELECT seq, epoch, kind, ts_ms, payload FROM ds_messages "
                        + "WHERE group_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3")
                .execute(Tuple.of(buf(groupId), fromSeq, max))
                .map(rows -> {
                    List<GroupMessage> out = new ArrayList<>(rows.size());
                    for (Row r : rows) {
                        out.add(new GroupMessage(groupId, r.getLong(0), r.getLong(1), MessageKind.byWire(r.getShort(2)),
                                r.getLong(3), bytes(r.getBuffer(4))));
                    }
                    return out;
                });
    }

    /** Whether the database answers. */
    public Future<Void> ping() {
        return pool.query("SELECT 1").execute().mapEmpty();
    }

    /** Where a group is: its next sequence number and its version. */
    public record Head(long nextSeq, long version) {
    }

    /** The {@link Head} of each of these groups that exists. */
    public Future<java.util.Map<Bytes, Head>> heads(Collection<Bytes> groupIds) {
        return pool.preparedQuery("SELECT group_id, next_seq, version FROM ds_groups WHERE group_id = ANY($1)")
                .execute(Tuple.tuple().addArrayOfBuffer(groupIds.stream().map(PgGroups::buf).toArray(Buffer[]::new)))
                .map(rows -> {
                    java.util.Map<Bytes, Head> out = new java.util.HashMap<>();
                    rows.forEach(r -> out.put(bytes(r.getBuffer(0)), new Head(r.getLong(1), r.getLong(2))));
                    return out;
                });
    }

    /** The first retained sequence number of the group (its next one when none is retained; 1 if unknown). */
    public Future<Long> firstRetained(Bytes groupId) {
        return pool.preparedQuery("SELECT coalesce((SELECT min(seq) FROM ds_messages WHERE group_id = $1), "
                + "(SELECT next_seq FROM ds_groups WHERE group_id = $1), 1)").execute(Tuple.of(buf(groupId)))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    // ---- creation ------------------------------------------------------------------------------

    /** Registers a group and its first devices; {@link StoreException.Reason#EXISTS} if the id is taken. Its version. */
    public Future<Long> create(StoreRecord.GroupCreated g, Collection<DeviceId> devices) {
        return pool.withTransaction(conn -> conn.preparedQuery("INSERT INTO ds_groups (group_id, creator_user, "
                        + "creator_device, epoch, state_seq, next_seq, version, group_info, ratchet_tree, created_ms) "
                        + "VALUES ($1, $2, $3, $4, 0, 1, 1, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING version")
                .execute(Tuple.of(buf(g.groupId()), g.creator().userId(), g.creator().deviceId(), g.epoch(),
                        buf(g.groupInfo()), buf(g.ratchetTree()), g.timestampMillis()))
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.failedFuture(StoreException.refused(StoreException.Reason.EXISTS,
                                "group id in use"));
                    }
                    return access(conn, g.groupId(), devices, 0).map(1L);
                }))
                .recover(DatabaseFailures.SHARED::failedWrite);
    }

    private static Future<Void> access(SqlConnection conn, Bytes groupId, Collection<DeviceId> devices, long since) {
        if (devices.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Tuple> rows = devices.stream().map(d -> Tuple.of(buf(groupId), d.userId(), d.deviceId(), since)).toList();
        return conn.preparedQuery("INSERT INTO ds_access (group_id, user_id, device_id, since_seq) "
                + "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING").executeBatch(rows).mapEmpty();
    }

    // ---- application messages ------------------------------------------------------------------

    /**
     * Appends an application message sent in {@code epoch} to the group at {@code version}; completes
     * with its sequence number once committed.
     */
    public Future<Long> appendApplication(Bytes groupId, long version, long epoch, long ts, Bytes digest,
            Bytes payload) {
        Promise<Long> promise = Promise.promise();
        queue.addLast(new Pending(groupId, version, epoch, ts, digest, payload, promise));
        writeNext();
        return promise.future();
    }

    private void writeNext() {
        if (writing || queue.isEmpty()) {
            return;
        }
        writing = true;
        List<Pending> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH));
        while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
            batch.add(queue.pollFirst());
        }
        // Each statement locks its group's row until the batch commits: in one order of groups on
        // every node, two batches wait for each other instead of deadlocking (which PostgreSQL breaks
        // after deadlock_timeout, failing a whole batch). The sort is stable: a group's own messages
        // keep their order.
        batch.sort(BY_GROUP);
        List<Tuple> rows = batch.stream().map(p -> Tuple.of(buf(p.groupId()), p.version(), p.epoch(), p.ts(),
                buf(p.digest()), buf(p.payload()))).toList();
        pool.withTransaction(conn -> conn.preparedQuery(APPEND_APPLICATION).executeBatch(rows)).onComplete(ar -> {
            if (ar.succeeded()) {
                RowSet<Row> rs = ar.result();
                for (Pending p : batch) {
                    if (rs.size() == 1) {
                        p.promise().complete(rs.iterator().next().getLong(0));
                    } else {
                        refusedMessage(p.groupId(), p.digest()).onComplete(p.promise());
                    }
                    rs = rs.next();
                }
                finishBatch();
            } else if (batch.size() > 1 && unique(ar.cause())) {
                // two nodes took the same message at once: each alone, so that only the replay fails
                Future<Void> chain = Future.succeededFuture();
                for (Pending p : batch) {
                    chain = chain.compose(v -> single(p).andThen(p.promise()).transform(x -> Future.succeededFuture()));
                }
                chain.onComplete(x -> finishBatch());
            } else {
                StoreException e = failure(ar.cause(), DatabaseFailures.WRITE_FAILED);
                batch.forEach(p -> p.promise().fail(e));
                finishBatch();
            }
        });
    }

    private void finishBatch() {
        writing = false;
        writeNext();
    }

    private Future<Long> single(Pending p) {
        return pool.withTransaction(conn -> conn.preparedQuery(APPEND_APPLICATION).execute(Tuple.of(buf(p.groupId()),
                        p.version(), p.epoch(), p.ts(), buf(p.digest()), buf(p.payload()))))
                .transform(ar -> {
                    if (ar.succeeded() && ar.result().size() == 1) {
                        return Future.succeededFuture(ar.result().iterator().next().getLong(0));
                    }
                    if (ar.succeeded() || unique(ar.cause())) {
                        return refusedMessage(p.groupId(), p.digest());
                    }
                    return Future.failedFuture(failure(ar.cause(), DatabaseFailures.WRITE_FAILED));
                });
    }

    /** Why a message was not inserted: a replay, an unknown group, or a group that changed (stale). */
    private Future<Long> refusedMessage(Bytes groupId, Bytes digest) {
        return pool.preparedQuery("SELECT (SELECT seq FROM ds_messages WHERE group_id = $1 AND digest = $2), "
                        + "(SELECT version FROM ds_groups WHERE group_id = $1)")
                .execute(Tuple.of(buf(groupId), buf(digest)))
                .transform(ar -> {
                    if (ar.failed()) {
                        return Future.failedFuture(failure(ar.cause(), "the database did not answer"));
                    }
                    Row r = ar.result().iterator().next();
                    if (r.getLong(0) != null) {
                        return Future.failedFuture(StoreException.refused(StoreException.Reason.REPLAY,
                                "already accepted as seq " + r.getLong(0)));
                    }
                    if (r.getLong(1) == null) {
                        return Future.failedFuture(StoreException.refused(StoreException.Reason.STALE,
                                "unknown group"));
                    }
                    return Future.failedFuture(StoreException.refused(StoreException.Reason.STALE,
                            "the group changed; read it again"));
                });
    }

    // ---- proposals, commits, cut-offs, fences ---------------------------------------------------

    /** Appends a proposal of {@code epoch} to the group at {@code version}: it changes the group (a new version). */
    public Future<Appended> appendProposal(Bytes groupId, long version, long epoch, long ts, Bytes digest,
            Bytes payload) {
        return pool.withTransaction(conn -> advance(conn, groupId, version, Optional.empty())
                        .compose(a -> insert(conn, groupId, a.seq(), epoch, MessageKind.PROPOSAL, ts, digest, payload)
                                .map(a)))
                .recover(PgGroups::replayOrFailure);
    }

    /**
     * Appends a Commit of the group at {@code version}, in the epoch {@code commit.message().epoch()}:
     * the group moves to the next epoch, the added devices receive from the Commit on (those
     * welcomed get the Welcome in their mailbox), the removed ones up to it, and the fences of users
     * without a leaf are lifted — all in one transaction.
     */
    public Future<Committed> appendCommit(Bytes groupId, long version, Commit c) {
        GroupMessage m = c.message();
        return pool.withTransaction(conn -> advance(conn, groupId, version, Optional.of(c))
                        .compose(a -> insert(conn, groupId, a.seq(), m.epoch(), MessageKind.COMMIT, m.timestampMillis(),
                                c.digest(), m.message()).map(a))
                        .compose(a -> joined(conn, groupId, a.seq(), c).compose(joined ->
                                departed(conn, groupId, c.removed(), a.seq(), m.timestampMillis())
                                        .compose(v -> conn.preparedQuery("DELETE FROM ds_fences WHERE group_id = $1 "
                                                + "AND NOT (user_id = ANY($2))").execute(Tuple.tuple().addValue(buf(groupId))
                                                .addArrayOfString(c.usersAfter().toArray(String[]::new))))
                                        .map(v -> new Committed(a.seq(), a.version(), joined)))))
                .recover(PgGroups::replayOrFailure);
    }

    /**
     * Moves the group's row: the next sequence number, a new version, and for a Commit the new epoch
     * and state. Fails ({@link StoreException.Reason#STALE} or {@link StoreException.Reason#EPOCH_TAKEN})
     * when the group is not at {@code version} (and, for a Commit, at the Commit's epoch).
     */
    private static Future<Appended> advance(SqlConnection conn, Bytes groupId, long version, Optional<Commit> commit) {
        Future<RowSet<Row>> update = commit.isEmpty()
                ? conn.preparedQuery("UPDATE ds_groups SET next_seq = next_seq + 1, version = version + 1 "
                        + "WHERE group_id = $1 AND version = $2 RETURNING next_seq - 1, version")
                        .execute(Tuple.of(buf(groupId), version))
                : conn.preparedQuery("UPDATE ds_groups SET next_seq = next_seq + 1, version = version + 1, "
                        + "epoch = $3, state_seq = next_seq, group_info = $4, ratchet_tree = $5 "
                        + "WHERE group_id = $1 AND version = $2 AND epoch = $6 RETURNING next_seq - 1, version")
                        .execute(Tuple.of(buf(groupId), version, commit.get().newEpoch(), buf(commit.get().groupInfo()),
                                buf(commit.get().ratchetTree()), commit.get().message().epoch()));
        return update.compose(rows -> {
            if (rows.size() == 1) {
                Row r = rows.iterator().next();
                return Future.succeededFuture(new Appended(r.getLong(0), r.getLong(1)));
            }
            return conn.preparedQuery("SELECT epoch FROM ds_groups WHERE group_id = $1").execute(Tuple.of(buf(groupId)))
                    .compose(now -> {
                        boolean taken = commit.isPresent() && now.size() == 1
                                && now.iterator().next().getLong(0) != commit.get().message().epoch();
                        return Future.failedFuture(taken
                                ? StoreException.refused(StoreException.Reason.EPOCH_TAKEN,
                                        "another commit of the epoch was accepted first")
                                : StoreException.refused(StoreException.Reason.STALE, "the group changed; read it again"));
                    });
        });
    }

    private static Future<Void> insert(SqlConnection conn, Bytes groupId, long seq, long epoch, MessageKind kind,
            long ts, Bytes digest, Bytes payload) {
        return conn.preparedQuery("INSERT INTO ds_messages (group_id, seq, epoch, kind, ts_ms, digest, payload) "
                + "VALUES ($1, $2, $3, $4, $5, $6, $7)").execute(Tuple.of(buf(groupId), seq, epoch,
                (short) kind.wire(), ts, buf(digest), buf(payload))).mapEmpty();
    }

    /** The devices a Commit adds: re-added after a cut-off, or new from the Commit on; Welcomes in mailboxes. */
    private static Future<List<StoreRecord.Joined>> joined(SqlConnection conn, Bytes groupId, long seq, Commit c) {
        Future<List<StoreRecord.Joined>> chain = Future.succeededFuture(new ArrayList<>());
        for (DeviceId d : c.added()) {
            chain = chain.compose(out -> conn.preparedQuery("UPDATE ds_departures SET rejoin_seq = $4 "
                            + "WHERE group_id = $1 AND user_id = $2 AND device_id = $3 AND rejoin_seq = 0")
                    .execute(Tuple.of(buf(groupId), d.userId(), d.deviceId(), seq))
                    .compose(v -> conn.preparedQuery("INSERT INTO ds_access (group_id, user_id, device_id, since_seq) "
                            + "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                            .execute(Tuple.of(buf(groupId), d.userId(), d.deviceId(), seq)))
                    .compose(v -> conn.preparedQuery("INSERT INTO ds_cursors (user_id, device_id, group_id, seq) "
                            + "VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, device_id, group_id) "
                            + "DO UPDATE SET seq = greatest(ds_cursors.seq, excluded.seq)")
                            .execute(Tuple.of(d.userId(), d.deviceId(), buf(groupId), seq)))
                    .compose(v -> c.welcomed().contains(d) ? welcome(conn, d, groupId, seq, c) : Future.succeededFuture(0L))
                    .map(mailboxSeq -> {
                        out.add(new StoreRecord.Joined(d, mailboxSeq));
                        return out;
                    }));
        }
        return chain;
    }

    /** Puts the Welcome in the device's mailbox: its next mailbox sequence number. */
    private static Future<Long> welcome(SqlConnection conn, DeviceId d, Bytes groupId, long seq, Commit c) {
        return conn.preparedQuery("INSERT INTO ds_mailbox_heads (user_id, device_id, next_seq, acked) "
                        + "VALUES ($1, $2, 2, 0) ON CONFLICT (user_id, device_id) "
                        + "DO UPDATE SET next_seq = ds_mailbox_heads.next_seq + 1 RETURNING next_seq - 1")
                .execute(Tuple.of(d.userId(), d.deviceId()))
                .compose(rows -> {
                    long mailboxSeq = rows.iterator().next().getLong(0);
                    return conn.preparedQuery("INSERT INTO ds_mailbox (user_id, device_id, mailbox_seq, group_id, "
                                    + "group_seq, welcome, ts_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                            .execute(Tuple.of(d.userId(), d.deviceId(), mailboxSeq, buf(groupId), seq, buf(c.welcome()),
                                    c.message().timestampMillis()))
                            .map(mailboxSeq);
                });
    }

    /** Devices leave the group's delivery after {@code until} (those cut off earlier keep their earlier end). */
    private static Future<Void> departed(SqlConnection conn, Bytes groupId, Collection<DeviceId> devices, long until,
            long ts) {
        if (devices.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Tuple> rows = devices.stream().map(d -> Tuple.of(buf(groupId), d.userId(), d.deviceId(), until, ts)).toList();
        return access(conn, groupId, devices, 0).compose(v -> conn.preparedQuery("INSERT INTO ds_departures "
                        + "(group_id, user_id, device_id, until_seq, rejoin_seq, ts_ms) SELECT $1, $2, $3, $4, 0, $5 "
                        + "WHERE NOT EXISTS (SELECT 1 FROM ds_departures WHERE group_id = $1 AND user_id = $2 "
                        + "AND device_id = $3 AND rejoin_seq = 0) ON CONFLICT DO NOTHING")
                .executeBatch(rows)).mapEmpty();
    }

    /**
     * Cuts devices off (a roster removal, ahead of the Commit that removes their leaves): they
     * receive up to the last message the group has now and nothing after; {@code fence} users fence
     * the group until a Commit leaves them without leaves. Completes with the last sequence number
     * they receive and the group's new version.
     */
    public Future<Appended> cutOff(Bytes groupId, Collection<DeviceId> devices, Collection<String> fence, long ts) {
        return pool.withTransaction(conn -> conn.preparedQuery("UPDATE ds_groups SET version = version + 1 "
                        + "WHERE group_id = $1 RETURNING next_seq - 1, version").execute(Tuple.of(buf(groupId)))
                .compose(rows -> {
                    if (rows.size() == 0) {
                        return Future.failedFuture(StoreException.refused(StoreException.Reason.STALE, "unknown group"));
                    }
                    Row r = rows.iterator().next();
                    Appended a = new Appended(r.getLong(0), r.getLong(1));
                    return departed(conn, groupId, devices, a.seq(), ts).compose(v -> fence.isEmpty()
                            ? Future.succeededFuture()
                            : conn.preparedQuery("INSERT INTO ds_fences (group_id, user_id) VALUES ($1, $2) "
                                    + "ON CONFLICT DO NOTHING").executeBatch(fence.stream()
                                    .map(u -> Tuple.of(buf(groupId), u)).toList())).map(a);
                }))
                .recover(DatabaseFailures.SHARED::failedWrite);
    }

    /** Lifts the fences of {@code users} (back on the roster before the Commit): the group's new version. */
    public Future<Long> unfence(Bytes groupId, Collection<String> users) {
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM ds_fences WHERE group_id = $1 "
                        + "AND user_id = ANY($2)").execute(Tuple.tuple().addValue(buf(groupId)).addArrayOfString(users.toArray(String[]::new)))
                .compose(v -> conn.preparedQuery("UPDATE ds_groups SET version = version + 1 WHERE group_id = $1 "
                        + "RETURNING version").execute(Tuple.of(buf(groupId))))
                .map(rows -> rows.size() == 0 ? 0L : rows.iterator().next().getLong(0)))
                .recover(DatabaseFailures.SHARED::failedWrite);
    }

    // ---- retention -----------------------------------------------------------------------------

    /** Drops the group's messages before {@code seq} (every recipient acknowledged them); how many. */
    public Future<Integer> dropBefore(Bytes groupId, long seq) {
        return pool.preparedQuery("DELETE FROM ds_messages WHERE group_id = $1 AND seq < $2")
                .execute(Tuple.of(buf(groupId), seq)).map(RowSet::rowCount);
    }

    /** Drops messages accepted before {@code cutoffMillis} (of one group, or of all when {@code groupId} is empty). */
    public Future<Integer> expireBefore(Optional<Bytes> groupId, long cutoffMillis) {
        return groupId.map(g -> pool.preparedQuery("DELETE FROM ds_messages WHERE group_id = $1 AND ts_ms < $2")
                        .execute(Tuple.of(buf(g), cutoffMillis)))
                .orElseGet(() -> pool.preparedQuery("DELETE FROM ds_messages WHERE ts_ms < $1")
                        .execute(Tuple.of(cutoffMillis)))
                .map(RowSet::rowCount);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static <T> Future<T> replayOrFailure(Throwable e) {
        if (unique(e)) {
            return Future.failedFuture(StoreException.refused(StoreException.Reason.REPLAY,
                    "the message or the epoch's commit is already there"));
        }
        return DatabaseFailures.SHARED.failedWrite(e);
    }

    private static StoreException failure(Throwable e, String what) {
        return DatabaseFailures.SHARED.failed(what, e);
    }

    private static boolean unique(Throwable e) {
        return e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState());
    }

    static Buffer buf(Bytes b) {
        return Buffer.buffer(b.unsafeArray());
    }

    static Bytes bytes(Buffer b) {
        return Bytes.wrap(b.getBytes());
    }

    static DeviceId device(String user, String device) {
        return new DeviceId(user, device);
    }
}
