package dev.ampoule.relay.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.OnContext;
import dev.ampoule.relay.support.PgFixture;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Browser tickets shared by a cluster's relays in a real PostgreSQL: issued on one node, redeemed
 * on another, once; the per-user limit holds across nodes; an expired ticket is refused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgTicketsTest {

    private PgFixture pg;
    private OnContext on;

    @BeforeEach
    void setUp(Vertx vertx) {
        pg = new PgFixture(vertx);
        on = new OnContext(vertx);
    }

    @AfterEach
    void tearDown() {
        pg.close();
    }

    @Test
    void aTicketIssuedOnOneNodeIsRedeemedOnceOnAnother() {
        Clock clock = Clock.systemUTC();
        PgTickets nodeA = new PgTickets(pg.pool(), Duration.ofSeconds(30), 100, 2, clock);
        PgTickets nodeB = new PgTickets(pg.pool(), Duration.ofSeconds(30), 100, 2, clock);
        Principal alice = new Principal("alice", Instant.now().plus(Duration.ofHours(1)), Optional.of("org-1"),
                Set.of("coordinator"));
        TicketService.Issue.Granted g = assertInstanceOf(TicketService.Issue.Granted.class, on.run(() -> nodeA.grant(alice)));
        assertEquals(Optional.of(new Principal("alice", alice.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                Optional.of("org-1"), Set.of("coordinator"))), on.run(() -> nodeB.take(g.ticket())));
        assertEquals(Optional.empty(), on.run(() -> nodeA.take(g.ticket())), "once");
        assertEquals(Optional.empty(), on.run(() -> nodeA.take("not-a-ticket")));

        on.run(() -> nodeA.grant(alice));
        on.run(() -> nodeB.grant(alice));
        TicketService.Issue third = on.run(() -> nodeA.grant(alice));
        assertEquals(TicketService.Refusal.PER_USER, assertInstanceOf(TicketService.Issue.Refused.class, third).refusal(),
                "two outstanding per user, whichever node issued them");
    }

    @Test
    void anExpiredTicketIsRefused() {
        Instant t0 = Instant.parse("2030-01-01T00:00:00Z");
        PgTickets past = new PgTickets(pg.pool(), Duration.ofSeconds(30), 100, 5, Clock.fixed(t0, ZoneOffset.UTC));
        PgTickets later = new PgTickets(pg.pool(), Duration.ofSeconds(30), 100, 5,
                Clock.fixed(t0.plusSeconds(31), ZoneOffset.UTC));
        Principal bob = new Principal("bob", t0.plus(Duration.ofHours(1)));
        TicketService.Issue.Granted g = assertInstanceOf(TicketService.Issue.Granted.class, on.run(() -> past.grant(bob)));
        assertEquals(Optional.empty(), on.run(() -> later.take(g.ticket())));
        TicketService.Issue.Granted g2 = assertInstanceOf(TicketService.Issue.Granted.class, on.run(() -> past.grant(bob)));
        on.run(() -> later.purge(t0.plusSeconds(31)));
        assertTrue(on.run(() -> past.take(g2.ticket())).isEmpty(), "purged");
    }
}
