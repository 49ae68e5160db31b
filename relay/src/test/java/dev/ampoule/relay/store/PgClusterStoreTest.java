package dev.ampoule.relay.store;

import static dev.ampoule.relay.store.PgGroupsTest.ALICE;
import static dev.ampoule.relay.store.PgGroupsTest.BOB;
import static dev.ampoule.relay.store.PgGroupsTest.bytes;
import static dev.ampoule.relay.store.PgGroupsTest.digest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.PgFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A cluster relay's reads of messages in a real PostgreSQL: the receivers of a group, woken
 * together, ask for the same messages at once, and one query answers them all; a read asked after
 * that query completed queries again and sees what was written since.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgClusterStoreTest {

    static final Bytes GROUP = Bytes.ofHex("0c0d0e");

    private PgFixture pg;
    private OnContext on;
    private PgGroups groups;
    private PgClusterStore store;

    @BeforeEach
    void setUp(Vertx vertx) {
        pg = new PgFixture(vertx);
        on = new OnContext(vertx);
        groups = new PgGroups(pg.pool());
        store = new PgClusterStore(groups);
        assertEquals(1L, on.run(() -> groups.create(new StoreRecord.GroupCreated(GROUP, ALICE, 0, bytes("gi0"),
                bytes("tree0"), 1000), List.of(ALICE, BOB))));
    }

    @AfterEach
    void tearDown() {
        pg.close();
    }

    private long append(String text) {
        Bytes payload = bytes(text);
        return on.run(() -> groups.appendApplication(GROUP, 1, 0, 2000, digest(payload), payload));
    }

    /** {@code n} reads asked in one turn of the store's context. */
    private List<List<GroupMessage>> readsAtOnce(int n, long from, int max) {
        return on.run(() -> {
            List<Future<List<GroupMessage>>> reads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                reads.add(store.read(GROUP, from, max));
            }
            return Future.all(reads).map(all -> reads.stream().map(Future::result).toList());
        });
    }

    @Test
    void readsOfTheSameMessagesAskedAtOnceShareOneQuery() {
        long first = append("m1");
        append("m2");
        append("m3");

        List<List<GroupMessage>> ten = readsAtOnce(10, first, 64);
        assertEquals(List.of(bytes("m1"), bytes("m2"), bytes("m3")), ten.get(0).stream().map(GroupMessage::message).toList());
        for (List<GroupMessage> read : ten) {
            assertSame(ten.get(0), read, "one query's answer for every receiver");
        }
        assertThrows(UnsupportedOperationException.class, () -> ten.get(0).clear(), "the shared answer cannot be changed");

        // other messages asked for: their own query
        List<List<GroupMessage>> later = readsAtOnce(2, first + 1, 64);
        assertNotSame(ten.get(0), later.get(0));
        assertEquals(List.of(bytes("m2"), bytes("m3")), later.get(0).stream().map(GroupMessage::message).toList());

        // asked after the first query completed: a new query, which sees the message written since
        append("m4");
        List<List<GroupMessage>> again = readsAtOnce(1, first, 64);
        assertEquals(List.of(bytes("m1"), bytes("m2"), bytes("m3"), bytes("m4")),
                again.get(0).stream().map(GroupMessage::message).toList());
    }
}
