package dev.ampoule.relay.roster;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.admin.MemoryAuditLog;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.PgFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The roster shared in PostgreSQL by several relays: two {@link Roster}s, each on its own context
 * and its own {@link PgRosterStore} over one real database, as two nodes of a cluster. What one
 * records the other reads; changes made at once are serialised by the database and each is checked
 * against the roster the other left (an organisation's invariant holds across relays); an erasure's
 * compaction reaches both; a relay started later loads it all.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgRosterStoreTest {

    private Vertx vertx;
    private PgFixture pg;
    private final AtomicInteger writes = new AtomicInteger();

    /** One relay: its context, its store and its roster. */
    private record Relay(OnContext on, PgRosterStore store, Roster roster) {
        <T> T run(Supplier<Future<T>> op) {
            return on.run(op);
        }
    }

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        pg = new PgFixture(vertx);
    }

    @AfterEach
    void tearDown() {
        pg.close();
    }

    private Relay relay() {
        Pool pool = pg.pool();
        OnContext on = new OnContext(vertx);
        PgRosterStore store = new PgRosterStore(pool, writes::incrementAndGet);
        Roster roster = on.run(() -> Roster.open(store, RelayConfig.builder().build().roles, new MemoryAuditLog(),
                Clock.systemUTC()));
        return new Relay(on, store, roster);
    }

    @Test
    void whatOneRelayRecordsTheOtherReads() {
        Relay a = relay();
        Relay b = relay();
        Team team = a.run(() -> a.roster().createTeam("admin", "org-1", "ward 3", Optional.empty(),
                Optional.of("dr-osei")));
        assertTrue(b.roster().team(team.id()).isEmpty(), "not read yet");
        b.run(() -> b.roster().refresh());
        assertEquals(Optional.of("coordinator"), b.roster().role(team.id(), "dr-osei"));

        // b changes the roster without refreshing first: its change is made on the latest roster
        assertTrue(b.run(() -> b.roster().putMember("dr-osei", team.id(), "nurse-kim", "practitioner")));
        a.run(() -> a.roster().removeMember("admin", team.id(), "dr-osei"));
        b.run(() -> b.roster().refresh());
        assertEquals(List.of(new TeamMember(team.id(), "nurse-kim", "practitioner")), b.roster().members(team.id()));
        assertEquals(b.roster().members(team.id()), a.roster().members(team.id()));
        assertEquals(3, writes.get(), "each durable write is told to the other relays");

        Relay later = relay();
        assertEquals(a.roster().members(team.id()), later.roster().members(team.id()), "a relay started later loads it");
    }

    @Test
    void changesMadeAtOnceAreSerialisedAndCheckedAgainstEachOther() {
        Relay a = relay();
        Relay b = relay();
        Team t1 = a.run(() -> a.roster().createTeam("admin", "org-1", "team one", Optional.empty(), Optional.empty()));
        Team t2 = b.run(() -> b.roster().createTeam("admin", "org-2", "team two", Optional.empty(), Optional.empty()));

        // the same user put on a team of each organisation, on each relay at once: one organisation wins
        Future<Boolean>[] both = startBoth(a, () -> a.roster().putMember("admin", t1.id(), "pat", "patient"),
                b, () -> b.roster().putMember("admin", t2.id(), "pat", "patient"));
        int ok = 0;
        for (Future<Boolean> f : both) {
            Throwable e = await(f.map(v -> (Throwable) null).recover(Future::succeededFuture));
            if (e == null) {
                ok++;
            } else {
                RosterException re = assertInstanceOf(RosterException.class, e);
                assertEquals(RosterException.Kind.CONFLICT, re.kind(), "refused on the other's change: " + e);
            }
        }
        assertEquals(1, ok, "exactly one organisation takes the user");

        // many changes from both relays at once: every one lands, both relays end with the same roster
        List<Future<Boolean>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String user = "u" + i;
            Relay r = i % 2 == 0 ? a : b;
            Team t = i % 2 == 0 ? t1 : t2;
            all.add(r.on().run(() -> Future.succeededFuture(r.roster().putMember("admin", t.id(), user, "practitioner"))));
        }
        all.forEach(f -> assertTrue(await(f)));
        a.run(() -> a.roster().refresh());
        b.run(() -> b.roster().refresh());
        assertEquals(a.roster().members(t1.id()), b.roster().members(t1.id()));
        assertEquals(a.roster().members(t2.id()), b.roster().members(t2.id()));
        assertEquals(21, a.roster().members(t1.id()).size() + a.roster().members(t2.id()).size(),
                "twenty users and the patient");
    }

    @SuppressWarnings("unchecked")
    private static Future<Boolean>[] startBoth(Relay a, Supplier<Future<Boolean>> opA, Relay b,
            Supplier<Future<Boolean>> opB) {
        Future<Boolean> fa = a.on().run(() -> Future.succeededFuture(opA.get()));
        Future<Boolean> fb = b.on().run(() -> Future.succeededFuture(opB.get()));
        return new Future[] {fa, fb};
    }

    @Test
    void anErasureCompactsTheSharedHistoryForEveryRelay() {
        Relay a = relay();
        Relay b = relay();
        Team team = a.run(() -> a.roster().createTeam("admin", "org-1", "ward", Optional.empty(),
                Optional.of("dr-osei")));
        a.run(() -> a.roster().putMember("admin", team.id(), "pat", "patient"));
        b.run(() -> b.roster().refresh());
        assertEquals(2, b.roster().members(team.id()).size());

        assertEquals(List.of(team.id()), b.run(() -> b.roster().eraseUser("admin", "org-1", "pat")));
        a.run(() -> a.roster().refresh());
        assertEquals(List.of(new TeamMember(team.id(), "dr-osei", "coordinator")), a.roster().members(team.id()));
        assertEquals(Optional.of("org-1"), a.roster().orgOf("pat"), "the erased id stays bound to its organisation");
        assertEquals(1L, (long) await(pg.pool().query("SELECT count(*) FROM roster_log").execute())
                .iterator().next().getLong(0), "one snapshot row is all the history left");

        // both go on from the snapshot
        assertTrue(a.run(() -> a.roster().putMember("admin", team.id(), "nurse-kim", "practitioner")));
        b.run(() -> b.roster().refresh());
        assertEquals(a.roster().members(team.id()), b.roster().members(team.id()));
        assertEquals(a.roster().members(team.id()), relay().roster().members(team.id()));
    }
}
