package dev.ampoule.relay.auth;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import java.security.SecureRandom;
import java.time.Clock;
import io.vertx.core.Future;
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
 * At most {@code perUser} tickets are outstanding for one user and {@code capacity} in all, so one
 * user cannot take every ticket the relay will hand out. A refusal is {@code RATE_LIMITED} with the
 * ticket lifetime as its retry hint ({@link Refusal} tells which limit).
 * Event-loop confined.
 */
public final class TicketService implements Tickets {

    /** Which limit refused a ticket (a metric tag and the refusal's message). */
    public enum Refusal {
        PER_USER("tickets_per_user", "too many outstanding tickets per user"),
        TOTAL("tickets_outstanding", "too many outstanding tickets");

        public final String limit;
        public final String message;

        Refusal(String limit, String message) {
            this.limit = limit;
            this.message = message;
        }
    }

    /** What {@link #issue} gives: a ticket, or the limit that refused one. */
    public sealed interface Issue {
        /** A new ticket. */
        record Granted(String ticket) implements Issue {
            @Override
            public String toString() {
                return "Granted[ticket hidden]";
            }
        }

        /** Refused: {@code RATE_LIMITED}, to be retried after the hint. */
        record Refused(Refusal refusal, long retryAfterMillis) implements Issue {
            public RelayException asError() {
                return new RelayException(ErrorCode.RATE_LIMITED, refusal.message, retryAfterMillis);
            }
        }
    }

    private record Entry(Principal principal, Instant expiresAt) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> tickets = new HashMap<>();
    private final Map<String, Integer> perUserCount = new HashMap<>();
    private final Duration ttl;
    private final int capacity;
    private final int perUser;
    private final Clock clock;

    /**
     * @param capacity tickets outstanding at most, in all
     * @param perUser tickets outstanding at most for one user
     */
    public TicketService(Duration ttl, int capacity, int perUser, Clock clock) {
        if (capacity < 1 || perUser < 1) {
            throw new IllegalArgumentException("ticket limits must be positive");
        }
        this.ttl = ttl;
        this.capacity = capacity;
        this.perUser = perUser;
        this.clock = clock;
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    @Override
    public Future<Issue> grant(Principal principal) {
        return Future.succeededFuture(issue(principal));
    }

    @Override
    public Future<Optional<Principal>> take(String ticket) {
        return Future.succeededFuture(redeem(ticket));
    }

    /**
     * A new ticket for {@code principal}; it expires after the TTL or with the token, whichever is
     * first. Refused when the user's or the relay's limit is reached; nothing changes then.
     */
    public Issue issue(Principal principal) {
        Instant now = clock.instant();
        String user = principal.userId();
        if (tickets.size() >= capacity || count(user) >= perUser) {
            purgeNow(now);
            if (count(user) >= perUser) {
                return new Issue.Refused(Refusal.PER_USER, ttl.toMillis());
            }
            if (tickets.size() >= capacity) {
                return new Issue.Refused(Refusal.TOTAL, ttl.toMillis());
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
        perUserCount.merge(user, 1, Integer::sum);
        return new Issue.Granted(ticket);
    }

    /** The ticket's principal, once: the ticket is consumed. Empty if unknown or expired. */
    public Optional<Principal> redeem(String ticket) {
        Entry e = tickets.remove(ticket);
        if (e == null) {
            return Optional.empty();
        }
        forget(e);
        if (!clock.instant().isBefore(e.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(e.principal());
    }

    public int outstanding() {
        return tickets.size();
    }

    /** The tickets outstanding for {@code userId}. */
    public int outstanding(String userId) {
        return count(userId);
    }

    @Override
    public Future<Void> purge(Instant now) {
        purgeNow(now);
        return Future.succeededFuture();
    }

    /** Forgets expired tickets (at once: the state is in memory). */
    public void purgeNow(Instant now) {
        for (Iterator<Entry> it = tickets.values().iterator(); it.hasNext();) {
            Entry e = it.next();
            if (!now.isBefore(e.expiresAt())) {
                it.remove();
                forget(e);
            }
        }
    }

    private int count(String user) {
        return perUserCount.getOrDefault(user, 0);
    }

    private void forget(Entry e) {
        perUserCount.computeIfPresent(e.principal().userId(), (u, n) -> n <= 1 ? null : n - 1);
    }
}
