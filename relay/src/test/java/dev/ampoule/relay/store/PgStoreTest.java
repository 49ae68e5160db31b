package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.TcpProxy;
import dev.ampoule.relay.support.TestPostgres;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What PostgreSQL adds to the store contract: the database itself refuses a second message with a
 * group's sequence number and a second commit of a group's epoch; an unreachable database fails the
 * appends of the moment (nothing is acknowledged that is not committed) and the store recovers by
 * itself when it is reachable again; the schema is migrated once and a restart finds it in place.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgStoreTest {

    static final Bytes GROUP = Bytes.ofHex("0a0b");
    static final DeviceId ALICE = new DeviceId("alice", "phone");

    private OnContext context;



    private PgStore open(Vertx vertx, PgConnectOptions db, List<StoreRecord> replayed) {
        context = context == null ? new OnContext(vertx) : context;
        PgStore store = new PgStore(vertx, db, 2, 1 << 20);
        context.run(() -> store.open(replayed::add));
        return store;
    }

    private static GroupMessage message(long seq, long epoch, MessageKind kind) {
        return new GroupMessage(GROUP, seq, epoch, kind, 1_000 + seq, Bytes.ofHex("c0ffee"));
    }

    private static StoreRecord.CommitAccepted commit(long seq, long epoch) {
        return new StoreRecord.CommitAccepted(message(seq, epoch, MessageKind.COMMIT), Bytes.ofHex("61"),
                Bytes.ofHex("62"), Bytes.EMPTY, List.of(), List.of());
    }

    @Test
    void theDatabaseRefusesADuplicateSequenceNumberAndASecondCommitOfAnEpoch(Vertx vertx) {
        PgConnectOptions db = TestPostgres.freshDatabase();
        PgStore store = open(vertx, db, new ArrayList<>());
        context.run(() -> store.append(new StoreRecord.MessageAccepted(message(1, 0, MessageKind.APPLICATION))));
        context.run(() -> store.append(commit(2, 0)));

        Throwable sameSeq = context.failure(() -> store.append(
                new StoreRecord.MessageAccepted(message(1, 1, MessageKind.APPLICATION))));
        assertTrue(assertInstanceOf(StoreException.class, sameSeq).conflict(), "sequence number 1 is taken");
        Throwable sameEpoch = context.failure(() -> store.append(commit(3, 0)));
        assertTrue(assertInstanceOf(StoreException.class, sameEpoch).conflict(), "epoch 0 has its commit");
        // the refusals changed nothing, and the next append goes through
        context.run(() -> store.append(commit(3, 1)));
        context.run(store::close);

        List<StoreRecord> replayed = new ArrayList<>();
        PgStore reopened = open(vertx, db, replayed);
        assertEquals(List.of(1L, 2L, 3L), replayed.stream().map(r -> RecordCodec.messageOf(r).seq()).toList());
        context.run(reopened::close);
    }

    @Test
    void anUnreachableDatabaseFailsAppendsUntilItIsBack(Vertx vertx) {
        PgConnectOptions db = TestPostgres.freshDatabase();
        try (TcpProxy proxy = TcpProxy.start(vertx, db.getHost(), db.getPort())) {
            PgStore store = open(vertx, TestPostgres.via(db, "127.0.0.1", proxy.port()), new ArrayList<>());
            context.run(() -> store.append(new StoreRecord.CursorMoved(ALICE, GROUP, 1)));

            proxy.cut();
            Throwable down = context.failure(() -> store.append(new StoreRecord.CursorMoved(ALICE, GROUP, 2)));
            StoreException e = assertInstanceOf(StoreException.class, down);
            assertFalse(e.conflict());
            assertFalse(String.valueOf(e.getMessage()).contains("alice"), "no ids in the error");

            proxy.restore();
            context.run(() -> store.append(new StoreRecord.CursorMoved(ALICE, GROUP, 3)));
            context.run(store::close);
        }
        List<StoreRecord> replayed = new ArrayList<>();
        PgStore reopened = open(vertx, db, replayed);
        assertEquals(List.of(new StoreRecord.CursorMoved(ALICE, GROUP, 1), new StoreRecord.CursorMoved(ALICE, GROUP, 3)),
                replayed, "exactly what was acknowledged");
        context.run(reopened::close);
    }
}
