package dev.ampoule.relay.admin;

import dev.ampoule.relay.audit.AuditEntry;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditLog;
import dev.ampoule.relay.audit.AuditQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An audit log in memory for tests: hash-chained lines in the relay's format ({@code seq, time,
 * type, actor, team, user, details, prev, hash}), queries as {@link AuditLog} specifies them.
 * {@link #failing} makes {@link #record} fail (the entry is not kept).
 */
public final class MemoryAuditLog implements AuditLog {

    private final List<AuditEntry> entries = new CopyOnWriteArrayList<>();
    private final Clock clock;
    public volatile boolean failing;

    public MemoryAuditLog(Clock clock) {
        this.clock = clock;
    }

    public MemoryAuditLog() {
        this(Clock.systemUTC());
    }

    @Override
    public synchronized Future<Void> record(AuditEvent event) {
        if (failing) {
            return Future.failedFuture(new IllegalStateException("audit log unavailable (test)"));
        }
        long seq = entries.size() + 1L;
        String prev = entries.isEmpty() ? "0".repeat(64) : entries.get(entries.size() - 1).hash();
        Instant time = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq);
        m.put("time", time.toString());
        m.put("type", event.type().wireName());
        m.put("actor", event.actor().orElse(null));
        m.put("team", event.team().orElse(null));
        m.put("user", event.user().orElse(null));
        m.put("details", new JsonObject(new TreeMap<>(event.details())));
        m.put("prev", prev);
        String unhashed = new JsonObject(m).encode();
        String hash = sha256(unhashed);
        String line = unhashed.substring(0, unhashed.length() - 1) + ",\"hash\":\"" + hash + "\"}";
        entries.add(new AuditEntry(seq, time, event, prev, hash, line));
        return Future.succeededFuture();
    }

    @Override
    public Future<List<AuditEntry>> query(AuditQuery q) {
        List<AuditEntry> out = new ArrayList<>();
        for (AuditEntry e : entries) {
            if (e.seq() <= q.afterSeq()) {
                continue;
            }
            AuditEvent ev = e.event();
            if (q.team().isPresent() && !q.team().equals(ev.team())) {
                continue;
            }
            if (q.user().isPresent() && !q.user().equals(ev.user()) && !q.user().equals(ev.actor())) {
                continue;
            }
            if (q.from().isPresent() && e.time().isBefore(q.from().get())) {
                continue;
            }
            if (q.to().isPresent() && !e.time().isBefore(q.to().get())) {
                continue;
            }
            out.add(e);
            if (out.size() == q.limit()) {
                break;
            }
        }
        return Future.succeededFuture(out);
    }

    @Override
    public Future<Void> close() {
        return Future.succeededFuture();
    }

    /** Forgets every entry after the first {@code keep} (a long-running test bounds its memory). */
    public synchronized void forgetAfter(int keep) {
        if (entries.size() > keep) {
            List<AuditEntry> kept = new ArrayList<>(entries.subList(0, keep));
            entries.clear();
            entries.addAll(kept);
        }
    }

    public List<AuditEntry> entries() {
        return List.copyOf(entries);
    }

    public List<AuditEvent> events(Predicate<AuditEvent> which) {
        return entries.stream().map(AuditEntry::event).filter(which).toList();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
