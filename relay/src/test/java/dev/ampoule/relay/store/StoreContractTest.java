package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.TestPostgres;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link Store} contract, run against every implementation: the embedded file store and
 * PostgreSQL (a real server, {@link TestPostgres}). What the Delivery Service relies on: records
 * come back in append order after a restart (application messages without their bytes), messages
 * are readable by group and sequence number (from memory or from disk), retention shrinks the
 * retained range and a compaction makes it durable, the live state a compaction writes is replayed
 * before the retained messages and what was appended after, appends during a compaction (held, or
 * written beside it) follow it, and a closed store refuses appends.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoreContractTest {

    static final Bytes GROUP = Bytes.ofHex("0102");
    static final Bytes OTHER = Bytes.ofHex("0304");
    static final DeviceId ALICE = new DeviceId("alice", "phone");

    enum Kind {
        FILE, POSTGRESQL
    }

    @TempDir
    Path dir;

    private OnContext context;
    private PgConnectOptions database;

    /** A fresh store of the kind over the same durable place each time it is called in a test. */
    private Store store(Vertx vertx, Kind kind, long cacheBudget) {
        context = context == null ? new OnContext(vertx) : context;
        return switch (kind) {
            case FILE -> new FileStore(vertx, dir, 4096, true, cacheBudget);
            case POSTGRESQL -> {
                database = database == null ? TestPostgres.freshDatabase() : database;
                yield new PgStore(vertx, database, 2, cacheBudget);
            }
        };
    }


    private List<StoreRecord> open(Store store) {
        List<StoreRecord> replayed = new ArrayList<>();
        context.run(() -> store.open(replayed::add));
        return replayed;
    }

    static GroupMessage message(Bytes group, long seq) {
        byte[] body = ("message " + seq + " ").repeat(8).getBytes(StandardCharsets.UTF_8);
        return new GroupMessage(group, seq, 0, MessageKind.APPLICATION, 1_000 + seq, Bytes.wrap(body));
    }

    private void appendAll(Store store, List<StoreRecord> records) {
        context.run(() -> {
            List<Future<Void>> all = new ArrayList<>();
            records.forEach(r -> all.add(store.append(r)));
            return Future.all(all).mapEmpty();
        });
    }

    private static List<StoreRecord> sample() {
        List<StoreRecord> records = new ArrayList<>();
        records.add(new StoreRecord.KeyPackageAdded(ALICE, Bytes.ofHex("aa"), 1, Bytes.ofHex("0001"), false));
        records.add(new StoreRecord.GroupCreated(GROUP, ALICE, 0, Bytes.ofHex("61"), Bytes.ofHex("62"), 5));
        for (long s = 1; s <= 50; s++) {
            records.add(new StoreRecord.MessageAccepted(message(GROUP, s), Bytes.ofHex("d1" + String.format("%04x", s))));
        }
        records.add(new StoreRecord.CursorMoved(ALICE, GROUP, 7));
        records.add(new StoreRecord.KeyPackageTaken(ALICE, Bytes.ofHex("aa")));
        return records;
    }

    /** A record as the store replays it: application messages without their bytes. */
    private static StoreRecord asReplayed(StoreRecord r) {
        if (r instanceof StoreRecord.MessageAccepted a && a.message().kind() == MessageKind.APPLICATION) {
            GroupMessage m = a.message();
            return new StoreRecord.MessageAccepted(new GroupMessage(m.groupId(), m.seq(), m.epoch(), m.kind(),
                    m.timestampMillis(), Bytes.EMPTY), a.digest());
        }
        return r;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void appendsAreReplayedInOrderAndReadable(Kind kind, Vertx vertx) {
        List<StoreRecord> records = sample();
        Store first = store(vertx, kind, 0);
        assertEquals(List.of(), open(first));
        appendAll(first, records);
        context.run(first::close);

        Store second = store(vertx, kind, 0);
        List<StoreRecord> replayed = open(second);
        assertEquals(records.stream().map(StoreContractTest::asReplayed).toList(), replayed);
        // nothing cached after a restart: read back from disk or database
        assertEquals(List.of(message(GROUP, 10), message(GROUP, 11), message(GROUP, 12)),
                context.run(() -> second.read(GROUP, 10, 3)));
        assertEquals(List.of(message(GROUP, 50)), context.run(() -> second.read(GROUP, 50, 10)));
        assertEquals(List.of(), context.run(() -> second.read(OTHER, 1, 10)));
        context.run(second::close);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void freshAppendsAreReadFromTheCache(Kind kind, Vertx vertx) {
        Store store = store(vertx, kind, 1 << 20);
        open(store);
        appendAll(store, sample());
        List<GroupMessage> read = context.run(() -> store.read(GROUP, 45, 100));
        assertEquals(List.of(message(GROUP, 45), message(GROUP, 46), message(GROUP, 47), message(GROUP, 48),
                message(GROUP, 49), message(GROUP, 50)), read);
        context.run(store::close);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void retentionShrinksTheRangeAndACompactionMakesItDurable(Kind kind, Vertx vertx) {
        Store store = store(vertx, kind, 1 << 20);
        open(store);
        appendAll(store, sample());
        for (long s = 1; s <= 5; s++) {
            appendAll(store, List.of(new StoreRecord.MessageAccepted(message(OTHER, s))));
        }
        context.run(() -> {
            assertEquals(1, store.firstRetained(GROUP));
            store.dropBefore(GROUP, 20);
            assertEquals(20, store.firstRetained(GROUP));
            assertEquals(10, store.expireBefore(GROUP, 1_030)); // timestamps 1,020..1,029
            assertEquals(30, store.firstRetained(GROUP));
            assertEquals(1, store.firstRetained(OTHER), "one group's retention leaves others alone");
            return Future.succeededFuture();
        });
        assertEquals(30, context.run(() -> store.read(GROUP, 1, 100)).get(0).seq());
        List<StoreRecord> live = List.of(new StoreRecord.GroupState(GROUP, ALICE, 3, 17, 51, Bytes.ofHex("71"),
                Bytes.ofHex("72")), new StoreRecord.CursorMoved(ALICE, GROUP, 40));
        assertTrue(context.run(() -> store.compact(() -> live)));
        appendAll(store, List.of(new StoreRecord.CursorMoved(ALICE, GROUP, 45)));
        context.run(store::close);

        Store reopened = store(vertx, kind, 0);
        List<StoreRecord> replayed = open(reopened);
        // the live state, then the retained messages (of both groups), then what came after
        assertEquals(live, replayed.subList(0, 2));
        List<Long> groupSeqs = new ArrayList<>();
        List<Long> otherSeqs = new ArrayList<>();
        for (StoreRecord r : replayed.subList(2, replayed.size() - 1)) {
            GroupMessage m = assertInstanceOf(StoreRecord.MessageAccepted.class, r).message();
            (m.groupId().equals(GROUP) ? groupSeqs : otherSeqs).add(m.seq());
        }
        assertEquals(java.util.stream.LongStream.rangeClosed(30, 50).boxed().toList(), groupSeqs);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), otherSeqs);
        assertEquals(new StoreRecord.CursorMoved(ALICE, GROUP, 45), replayed.get(replayed.size() - 1));
        context.run(() -> {
            assertEquals(30, reopened.firstRetained(GROUP));
            return Future.succeededFuture();
        });
        assertEquals(message(GROUP, 30), context.run(() -> reopened.read(GROUP, 1, 1)).get(0));
        context.run(reopened::close);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void appendsDuringACompactionFollowIt(Kind kind, Vertx vertx) {
        Store store = store(vertx, kind, 1 << 20);
        open(store);
        appendAll(store, sample());
        List<StoreRecord> live = List.of(new StoreRecord.GroupState(GROUP, ALICE, 0, 0, 51, Bytes.ofHex("71"),
                Bytes.ofHex("72")));
        context.run(() -> {
            Future<Boolean> compaction = store.compact(() -> live);
            Future<Void> during = store.append(new StoreRecord.MessageAccepted(message(GROUP, 51)));
            return Future.all(compaction, during).mapEmpty();
        });
        context.run(store::close);
        Store reopened = store(vertx, kind, 0);
        List<StoreRecord> replayed = open(reopened);
        assertEquals(live.get(0), replayed.get(0));
        assertEquals(51, RecordCodec.messageOf(replayed.get(replayed.size() - 1)).seq());
        assertEquals(52, replayed.size(), "the live state and messages 1..51");
        context.run(reopened::close);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void aClosedStoreRefusesAppends(Kind kind, Vertx vertx) {
        Store store = store(vertx, kind, 0);
        open(store);
        context.run(store::close);
        Throwable refused = context.run(() -> store.append(new StoreRecord.CursorMoved(ALICE, GROUP, 1))
                .map(v -> (Throwable) null).recover(Future::succeededFuture));
        assertInstanceOf(StoreException.class, refused);
    }
}
