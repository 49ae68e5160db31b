package dev.ampoule.relay.audit;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.PgFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log in PostgreSQL, written by two relays at once (two {@link PgAuditLog}s on their own
 * contexts and pools over one real database): one chain, no gap and no fork, which the file
 * verifier accepts once exported; queries by team and user; entries removed behind the relays'
 * back are detected when a relay opens the log.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgAuditLogTest {

    @TempDir
    Path dir;
    private Vertx vertx;
    private PgFixture pg;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
        pg = new PgFixture(vertx);
    }

    @AfterEach
    void tearDown() {
        pg.close();
    }

    @Test
    void twoRelaysExtendOneChain() throws Exception {
        OnContext onA = new OnContext(vertx);
        OnContext onB = new OnContext(vertx);
        PgAuditLog a = onA.run(() -> PgAuditLog.open(pg.pool(), Clock.systemUTC()));
        PgAuditLog b = onB.run(() -> PgAuditLog.open(pg.pool(), Clock.systemUTC()));
        List<Future<Void>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            AuditEvent e = AuditFixtures.event(i);
            OnContext on = i % 2 == 0 ? onA : onB;
            PgAuditLog log = i % 2 == 0 ? a : b;
            all.add(on.run(() -> Future.succeededFuture(log.record(e))));
        }
        all.forEach(f -> await(f));

        Path file = dir.resolve("audit.log");
        assertEquals(200, PgAuditExport.export(pg.jdbcUrl(), pg.db.getUser(), pg.db.getPassword(), file));
        AuditVerifier.Result r = AuditVerifier.verify(file);
        assertTrue(r.ok(), r.describe());
        assertEquals(200, r.entries());

        List<AuditEntry> page = onB.run(() -> b.query(new AuditQuery(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 150, 100)));
        assertEquals(List.of(151L, 200L), List.of(page.get(0).seq(), page.get(page.size() - 1).seq()));
        List<AuditEntry> ofTeam = onA.run(() -> a.query(new AuditQuery(Optional.of("team-1"), Optional.empty(),
                Optional.empty(), Optional.empty(), 0, 1000)));
        assertEquals(50, ofTeam.size(), "a quarter of the events name team-1");
        assertTrue(ofTeam.stream().allMatch(x -> x.event().team().equals(Optional.of("team-1"))));
        List<AuditEntry> ofUser = onA.run(() -> a.query(new AuditQuery(Optional.empty(), Optional.of("user-1"),
                Optional.of(Instant.EPOCH), Optional.empty(), 0, 1000)));
        assertEquals(java.util.Set.of(AuditType.LOGIN, AuditType.COMMIT_ACCEPTED),
                java.util.Set.copyOf(ofUser.stream().map(x -> x.event().type()).toList()),
                "as user (its login) and as actor (a commit)");
        assertEquals(2, ofUser.size());
        onA.run(a::close);
        onB.run(b::close);
    }

    @Test
    void entriesRemovedFromTheEndAreDetectedAtOpen() {
        OnContext on = new OnContext(vertx);
        PgAuditLog log = on.run(() -> PgAuditLog.open(pg.pool(), Clock.systemUTC()));
        for (int i = 0; i < 5; i++) {
            AuditEvent e = AuditFixtures.event(i);
            on.run(() -> log.record(e));
        }
        on.run(log::close);
        await(pg.pool().query("DELETE FROM audit_log WHERE seq = 5").execute());
        Throwable t = on.failure(() -> PgAuditLog.open(pg.pool(), Clock.systemUTC()));
        assertInstanceOf(AuditLogException.class, t);

        // an event naming a bearer token is refused, nothing written
        PgAuditLog other = on.run(() -> {
            return pg.pool().query("DELETE FROM audit_log").execute()
                    .compose(v -> pg.pool().query("UPDATE audit_head SET seq = 0, hash = repeat('0', 64)").execute())
                    .compose(v -> PgAuditLog.open(pg.pool(), Clock.systemUTC()));
        });
        Throwable refused = on.failure(() -> other.record(AuditEvent.of(AuditType.LOGIN, "u", null, "u",
                Map.of("device", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlc2lnbmF0dXJl"))));
        assertInstanceOf(AuditLogException.class, refused);
    }
}
