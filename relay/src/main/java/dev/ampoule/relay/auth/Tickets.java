package dev.ampoule.relay.auth;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Where browser tickets are kept: in memory on a single relay ({@link TicketService}), in the
 * database shared by a cluster's relays ({@link PgTickets}), so that a ticket issued by one node is
 * redeemed on whichever node the browser's WebSocket reaches — once.
 */
public interface Tickets {

    /** A new ticket for {@code principal}, or the limit that refused one. */
    Future<TicketService.Issue> grant(Principal principal);

    /** The ticket's principal, once (the ticket is consumed); empty if unknown or expired. */
    Future<Optional<Principal>> take(String ticket);

    /** Forgets expired tickets. */
    Future<Void> purge(Instant now);

    /** How long a ticket lives at most. */
    Duration ttl();
}
