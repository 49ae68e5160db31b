package dev.ampoule.relay.audit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the audit log's volume in proportion: a device's acknowledgements of one group
 * ({@link AuditType#DELIVERED}) within a window become one entry instead of one each. Every other
 * event goes straight through to the sink behind.
 *
 * <p>The first acknowledgement of a device and group opens its entry; later ones in the window
 * raise its {@code seq}. At the end of the window (a timer every {@code window}), and when
 * {@link #close()}d at shutdown, each open entry is written with the event's own details plus
 * <ul>
 * <li>{@code seq}: the highest sequence number acknowledged (as in a single entry),</li>
 * <li>{@code firstSeq}: the sequence number of the window's first acknowledgement,</li>
 * <li>{@code acks}: how many acknowledgements the entry stands for,</li>
 * <li>{@code since}: when the first of them was made (UTC, milliseconds); the entry's own time is
 *     when it was written.</li>
 * </ul>
 * Ids and numbers only, as before. An entry the sink behind cannot write (its disk is full) is
 * kept and merged with what comes next, so the fact that a device acknowledged stays until it is
 * written. If more than {@value #MAX_OPEN} device–group pairs are open, they are written at once.
 * A window of zero writes every acknowledgement as it comes.
 *
 * <p>{@link #record} for a delivery completes at once (the entry is held in memory); the Delivery
 * Service does not wait for delivery entries. Event-loop confined: create it, record and close on
 * the relay's context.
 */
public final class CoalescingAuditSink implements AuditSink {

    /** Open device–group entries beyond which the window is written early. */
    public static final int MAX_OPEN = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(CoalescingAuditSink.class);

    private final Vertx vertx;
    private final AuditSink sink;
    private final Clock clock;
    private final boolean coalescing;
    /** By the event without its {@code seq}: the device, user, team or group. */
    private final Map<AuditEvent, Open> open = new LinkedHashMap<>();
    private final long timer;
    private boolean closed;

    /** One device's acknowledgements of one group in the window. */
    private record Open(long firstSeq, long seq, long acks, long sinceMillis) {

        Open merge(Open later) {
            return new Open(firstSeq, Math.max(seq, later.seq), acks + later.acks, sinceMillis);
        }
    }

    /**
     * @param window how long acknowledgements are gathered into one entry ({@code
     *        auditDeliveryWindowSeconds}); zero writes each at once
     */
    public CoalescingAuditSink(Vertx vertx, AuditSink sink, Duration window, Clock clock) {
        if (window.isNegative()) {
            throw new IllegalArgumentException("the delivery audit window must not be negative");
        }
        this.vertx = vertx;
        this.sink = sink;
        this.clock = clock;
        this.coalescing = !window.isZero();
        this.timer = coalescing ? vertx.setPeriodic(window.toMillis(), id -> flush()) : -1;
    }

    @Override
    public Future<Void> record(AuditEvent event) {
        if (!coalescing || closed || event.type() != AuditType.DELIVERED) {
            return sink.record(event);
        }
        long seq;
        try {
            seq = Long.parseLong(event.details().getOrDefault("seq", ""));
        } catch (NumberFormatException e) {
            return sink.record(event);
        }
        Map<String, String> rest = new HashMap<>(event.details());
        rest.remove("seq");
        AuditEvent key = new AuditEvent(event.type(), event.actor(), event.team(), event.user(), rest);
        open.merge(key, new Open(seq, seq, 1, clock.millis()), Open::merge);
        if (open.size() >= MAX_OPEN) {
            flush();
        }
        return Future.succeededFuture();
    }

    @Override
    public boolean ok() {
        return sink.ok();
    }

    /** Writes every open entry now; those that cannot be written stay open. */
    public Future<Void> flush() {
        if (open.isEmpty()) {
            return Future.succeededFuture();
        }
        List<Map.Entry<AuditEvent, Open>> batch = new ArrayList<>(open.entrySet());
        open.clear();
        List<Future<Void>> written = new ArrayList<>(batch.size());
        for (Map.Entry<AuditEvent, Open> e : batch) {
            AuditEvent key = e.getKey();
            Open o = e.getValue();
            Map<String, String> details = new HashMap<>(key.details());
            details.put("seq", Long.toString(o.seq()));
            details.put("firstSeq", Long.toString(o.firstSeq()));
            details.put("acks", Long.toString(o.acks()));
            details.put("since", AuditLines.formatTime(Instant.ofEpochMilli(o.sinceMillis())));
            Future<Void> f;
            try {
                f = sink.record(new AuditEvent(key.type(), key.actor(), key.team(), key.user(), details));
            } catch (RuntimeException ex) {
                f = Future.failedFuture(ex);
            }
            written.add(f.recover(ex -> {
                // kept, ahead of what came since: written with the next window
                open.merge(key, o, (later, earlier) -> earlier.merge(later));
                return Future.failedFuture(ex);
            }));
        }
        return Future.join(written).<Void>mapEmpty().onFailure(ex -> LOG.warn("delivery audit entries could not be"
                + " written yet ({} kept for the next window): {}", open.size(), ex.getClass().getSimpleName()));
    }

    /**
     * Stops the window and writes every open entry (the relay's graceful shutdown, after the last
     * acknowledgement and before the audit log closes). Later deliveries are written one by one.
     */
    public Future<Void> close() {
        if (!closed) {
            closed = true;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }
        return flush();
    }

    /** Device–group entries open now (tests, metrics). */
    public int openEntries() {
        return open.size();
    }
}
