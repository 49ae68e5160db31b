package dev.ampoule.relay.history;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.support.FakeRoster;
import dev.ampoule.relay.support.PgFixture;
import dev.ampoule.relay.support.RecordingAudit;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The history rights and records' recipients of {@code store=postgresql} on a real PostgreSQL, with
 * two or three relay instances (each its own pool and event-loop context) sharing the log: what one
 * writes another applies once it reads on — a revocation included —, re-reading applies nothing
 * twice, and an erasure rewrites the log without the erased id and without losing what another
 * instance wrote meanwhile.
 */
@ExtendWith(VertxExtension.class)
class PgRightsLogTest {

    private static final DeviceId DESK = DeviceId.of("coordinator", "desk").orElseThrow();
    private static final long DAY = 20_000;
    private static final Bytes RECORD = Bytes.ofHex("00112233445566778899aabbccddeeff");
    private static final Bytes OTHER_RECORD = Bytes.ofHex("ffeeddccbbaa99887766554433221100");

    private final RecordingAudit audit = new RecordingAudit();
    private final List<Long> written = new CopyOnWriteArrayList<>();
    private final FakeRoster roster = new FakeRoster();
    private PgFixture pg;
    private Vertx vertx;

    /** One relay instance: its own context and pool. */
    private final class Instance {
        final Context context = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
        final HistoryRights rights = HistoryRights.inDatabase(pg.pool(), written::add, audit, Clock.systemUTC());
        final RecordShares shares = RecordShares.inDatabase(pg.pool(), written::add, audit, Clock.systemUTC());

        Instance open() {
            on(rights::open);
            on(shares::open);
            return this;
        }

        <T> T on(Supplier<Future<T>> call) {
            return await(Future.<T>future(p -> context.runOnContext(v -> call.get().onComplete(p))));
        }

        void catchUp() {
            on(rights::catchUp);
            on(shares::catchUp);
        }
    }

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        this.pg = new PgFixture(vertx);
        roster.addTeam("t-1");
    }

    @AfterEach
    void stop() {
        pg.close();
    }

    private Team team() {
        return roster.team("t-1").orElseThrow();
    }

    @Test
    void aGrantMadeByOneInstanceIsServedByAnotherAndARevocationEndsItThere() {
        Instance a = new Instance().open();
        Instance b = new Instance().open();
        a.on(() -> a.rights.authorise("coordinator", "t-1", "cardio", HistoryRights.Access.ALL, 0));
        a.on(() -> a.rights.granted("t-1", "cardio", DAY - 30, DAY, DESK, 42));
        assertFalse(b.rights.granted("t-1", "cardio", DAY - 1, 0), "not read yet");
        b.catchUp();
        assertTrue(b.rights.granted("t-1", "cardio", DAY - 1, 0), "the other instance serves the grant");
        assertEquals(1, b.rights.grants("t-1", "cardio").size());
        assertEquals(2, written.size(), "each durable change is announced: " + written);
        assertTrue(written.get(1) > written.get(0));

        // revoked through the second instance: the first refuses once it reads on
        assertTrue(b.on(() -> b.rights.revoke("coordinator", "t-1", "cardio", "admin")));
        a.catchUp();
        assertFalse(a.rights.granted("t-1", "cardio", DAY - 1, 0), "the revocation is in force on the first");
        assertEquals(Optional.empty(), a.rights.authorisation("t-1", "cardio"));
        // a revoke checks the latest state: the first instance finds nothing left to revoke
        assertFalse(a.on(() -> a.rights.revoke("coordinator", "t-1", "cardio", "admin")));

        // a third instance opened now starts from the same state
        Instance c = new Instance().open();
        assertEquals(Optional.empty(), c.rights.authorisation("t-1", "cardio"));
        assertEquals(List.of(), c.rights.grants("t-1", "cardio"));
    }

    @Test
    void aChangeFirstAppliesWhatOthersWroteBeforeIt() {
        Instance a = new Instance().open();
        Instance b = new Instance().open();
        a.on(() -> a.rights.authorise("coordinator", "t-1", "cardio", HistoryRights.Access.ALL, 0));
        // the second instance has not read the authorisation; revoking reads it first, then revokes
        assertTrue(b.on(() -> b.rights.revoke("coordinator", "t-1", "cardio", "admin")));
        a.catchUp();
        assertEquals(Optional.empty(), a.rights.authorisation("t-1", "cardio"));
        // the roster's removal through one instance revokes what another granted
        b.on(() -> b.rights.authorise("coordinator", "t-1", "nurse", HistoryRights.Access.SINCE, DAY - 3));
        b.on(() -> b.rights.granted("t-1", "nurse", DAY - 3, DAY, DESK, 9));
        a.on(() -> a.rights.memberRemoved(team(), "nurse"));
        b.catchUp();
        assertFalse(b.rights.granted("t-1", "nurse", DAY, 0));
    }

    @Test
    void reApplyingAGrantOrReReadingTheLogChangesNothing() {
        Instance a = new Instance().open();
        Instance b = new Instance().open();
        a.on(() -> a.rights.authorise("coordinator", "t-1", "cardio", HistoryRights.Access.ALL, 0));
        // the same grant (device and group message seq) told twice, through two instances
        a.on(() -> a.rights.granted("t-1", "cardio", DAY - 10, DAY, DESK, 42));
        b.on(() -> b.rights.granted("t-1", "cardio", DAY - 10, DAY, DESK, 42));
        a.on(() -> a.rights.granted("t-1", "cardio", DAY - 10, DAY, DESK, 42));
        a.catchUp();
        b.catchUp();
        b.catchUp();
        for (Instance i : List.of(a, b, new Instance().open())) {
            assertEquals(1, i.rights.grants("t-1", "cardio").size(), "one grant");
        }
        // another group message is another grant
        a.on(() -> a.rights.granted("t-1", "cardio", DAY - 2, DAY, DESK, 43));
        b.catchUp();
        assertEquals(2, b.rights.grants("t-1", "cardio").size());

        // recipients set the same way twice are one state
        a.on(() -> a.shares.set("gp", RECORD, new RecordShares.Recipients("t-1", Set.of("practitioner"), Set.of())));
        b.on(() -> b.shares.set("gp", RECORD, new RecordShares.Recipients("t-1", Set.of("practitioner"), Set.of())));
        a.catchUp();
        assertEquals(Set.of("practitioner"), a.shares.recipients(RECORD).orElseThrow().roles());
    }

    @Test
    void anErasureRewritesTheLogWithoutTheUserAndKeepsWhatAnotherInstanceWroteMeanwhile() {
        Instance a = new Instance().open();
        Instance b = new Instance().open();
        a.on(() -> a.rights.authorise("coordinator", "t-1", "erased-user-7", HistoryRights.Access.ALL, 0));
        a.on(() -> a.rights.granted("t-1", "erased-user-7", DAY - 1, DAY, DESK, 5));
        a.on(() -> a.rights.authorise("coordinator", "t-1", "cardio", HistoryRights.Access.ALL, 0));
        a.on(() -> a.shares.set("gp", RECORD, new RecordShares.Recipients("t-1", Set.of("practitioner"),
                Set.of("erased-user-7", "insurer"))));
        // the user leaves the roster through the first instance, which revokes and unnames them...
        a.on(() -> a.rights.memberRemoved(team(), "erased-user-7"));
        a.on(() -> a.shares.memberRemoved(team(), "erased-user-7"));
        // ...while the second, not having read any of it, changes other rights
        b.on(() -> b.rights.authorise("coordinator", "t-1", "nurse", HistoryRights.Access.SINCE, DAY - 2));
        b.on(() -> b.shares.set("coordinator", OTHER_RECORD, new RecordShares.Recipients("t-1", Set.of(),
                Set.of("nurse"))));
        a.on(() -> a.rights.userErased("erased-user-7"));
        a.on(() -> a.shares.userErased("erased-user-7"));

        // the erased id is nowhere in the database's logs
        for (Row row : await(pg.pool().query("SELECT record FROM rights_log WHERE record IS NOT NULL").execute())) {
            String text = new String(row.getBuffer(0).getBytes(), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains("erased-user-7"), "the erased id left the log");
        }
        // nothing another instance wrote is lost, on any instance, however far it had read
        b.on(() -> b.rights.authorise("coordinator", "t-1", "pharmacist", HistoryRights.Access.ALL, 0));
        for (Instance i : List.of(a, b, new Instance().open())) {
            i.catchUp();
            assertEquals(HistoryRights.Access.ALL, i.rights.authorisation("t-1", "cardio").orElseThrow().access());
            assertEquals(DAY - 2, i.rights.authorisation("t-1", "nurse").orElseThrow().sinceDay());
            assertTrue(i.rights.authorisation("t-1", "pharmacist").isPresent(), "written after the rewrite");
            assertEquals(Optional.empty(), i.rights.authorisation("t-1", "erased-user-7"));
            assertEquals(List.of(), i.rights.grants("t-1", "erased-user-7"));
            assertEquals(Set.of("insurer"), i.shares.recipients(RECORD).orElseThrow().users());
            assertEquals(Set.of("nurse"), i.shares.recipients(OTHER_RECORD).orElseThrow().users());
        }
        List<Long> ords = new ArrayList<>();
        for (Row row : await(pg.pool().query("SELECT ord FROM rights_log ORDER BY ord").execute())) {
            ords.add(row.getLong(0));
        }
        assertTrue(ords.size() < 15, "older rows were deleted by the rewrites: " + ords);
    }
}
