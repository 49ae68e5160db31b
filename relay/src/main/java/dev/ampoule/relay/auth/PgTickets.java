package dev.ampoule.relay.auth;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * Browser tickets in the database a cluster's relays share ({@code V5__tickets.sql}): the same
 * limits as {@link TicketService} ({@code perUser} outstanding per user, {@code capacity} in all),
 * checked under a lock per user in the transaction that issues; a ticket is redeemed once, on any
 * node (the redemption deletes its row). Only the ticket's SHA-256 is stored.
 */
public final class PgTickets implements Tickets {

    private final Pool pool;
    private final Duration ttl;
    private final int capacity;
    private final int perUser;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public PgTickets(Pool pool, Duration ttl, int capacity, int perUser, Clock clock) {
        this.pool = pool;
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
    public Future<TicketService.Issue> grant(Principal p) {
        long now = clock.millis();
        byte[] raw = new byte[32];
        random.nextBytes(raw);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        long expiry = Math.min(now + ttl.toMillis(), p.expiresAt().toEpochMilli());
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT pg_advisory_xact_lock(hashtext($1)), "
                        + "(SELECT count(*) FROM ds_tickets WHERE user_id = $1 AND expires_ms > $2), "
                        + "(SELECT count(*) FROM ds_tickets WHERE expires_ms > $2)").execute(Tuple.of(p.userId(), now))
                .compose(rows -> {
                    Row r = rows.iterator().next();
                    if (r.getLong(1) >= perUser) {
                        return Future.succeededFuture((TicketService.Issue) new TicketService.Issue.Refused(
                                TicketService.Refusal.PER_USER, ttl.toMillis()));
                    }
                    if (r.getLong(2) >= capacity) {
                        return Future.succeededFuture((TicketService.Issue) new TicketService.Issue.Refused(
                                TicketService.Refusal.TOTAL, ttl.toMillis()));
                    }
                    return conn.preparedQuery("INSERT INTO ds_tickets (ticket_hash, user_id, org, roles, token_exp_ms, "
                                    + "expires_ms) VALUES ($1, $2, $3, $4, $5, $6)")
                            .execute(Tuple.of(hash(ticket), p.userId(), p.org().orElse(null),
                                    p.roles().toArray(String[]::new), p.expiresAt().toEpochMilli(), expiry))
                            .map(v -> (TicketService.Issue) new TicketService.Issue.Granted(ticket));
                }));
    }

    @Override
    public Future<Optional<Principal>> take(String ticket) {
        if (ticket == null || ticket.length() > 128) {
            return Future.succeededFuture(Optional.empty());
        }
        long now = clock.millis();
        return pool.preparedQuery("DELETE FROM ds_tickets WHERE ticket_hash = $1 "
                        + "RETURNING user_id, org, roles, token_exp_ms, expires_ms").execute(Tuple.of(hash(ticket)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    if (now >= r.getLong(4)) {
                        return Optional.empty();
                    }
                    return Optional.of(new Principal(r.getString(0), Instant.ofEpochMilli(r.getLong(3)),
                            Optional.ofNullable(r.getString(1)), Set.of(r.getArrayOfStrings(2))));
                });
    }

    @Override
    public Future<Void> purge(Instant now) {
        return pool.preparedQuery("DELETE FROM ds_tickets WHERE expires_ms <= $1").execute(Tuple.of(now.toEpochMilli()))
                .mapEmpty();
    }

    private static Buffer hash(String ticket) {
        try {
            return Buffer.buffer(MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }
}
