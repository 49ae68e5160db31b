package dev.ampoule.relay.auth;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Short-lived single-use tickets for WebSocket clients that cannot send an Authorization header
 * (browsers): {@code POST /v1/tickets} with a bearer token issues one; the WebSocket URL carries it.
 * At most {@code capacity} tickets are outstanding. Event-loop confined.
 */
public final class TicketService {

    private record Entry(Principal principal, Instant expiresAt) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> tickets = new HashMap<>();
    private final Duration ttl;
    private final int capacity;
    private final Clock clock;

    public TicketService(Duration ttl, int capacity, Clock clock) {
        this.ttl = ttl;
        this.capacity = capacity;
        this.clock = clock;
    }

    public Duration ttl() {
        return ttl;
    }

    /** A new ticket for {@code principal}; it expires after the TTL or with the token, whichever is first. */
    public String issue(Principal principal) {
        Instant now = clock.instant();
        if (tickets.size() >= capacity) {
            purge(now);
            if (tickets.size() >= capacity) {
                throw new RelayException(ErrorCode.RATE_LIMITED, "too many outstanding tickets", ttl.toMillis());
            }
        }
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Instant expiry = now.plus(ttl);
        if (principal.expiresAt().isBefore(expiry)) {
            expiry = principal.expiresAt();
        }
        tickets.put(ticket, new Entry(principal, expiry));
        return ticket;
    }

    /** The ticket's principal, once: the ticket is consumed. Empty if unknown or expired. */
    public Optional<Principal> redeem(String ticket) {
        Entry e = tickets.remove(ticket);
        if (e == null || !clock.instant().isBefore(e.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(e.principal());
    }

    public int outstanding() {
        return tickets.size();
    }

    public void purge(Instant now) {
        for (Iterator<Entry> it = tickets.values().iterator(); it.hasNext();) {
            if (!now.isBefore(it.next().expiresAt())) {
                it.remove();
            }
        }
    }
}
