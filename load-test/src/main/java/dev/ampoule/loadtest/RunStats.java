package dev.ampoule.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Counters of one run, updated from every event-loop thread: messages sent, accepted and
 * delivered, errors by the relay's error code (or by what went wrong on the generator's side),
 * connections opened and how long each took (connect plus {@code Authenticate}).
 */
final class RunStats {

    /** Messages due that could not be sent (sender offline, encryption failed). */
    final LongAdder notSent = new LongAdder();
    final LongAdder sent = new LongAdder();
    final LongAdder accepted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder unanswered = new LongAdder();
    /** First deliveries of load messages to devices (the sender's own copy included). */
    final LongAdder delivered = new LongAdder();
    final LongAdder reconnections = new LongAdder();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Histogram connectMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private final Histogram reconnectMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);

    /** An error: a relay error code's name, or a generator-side cause such as {@code CONNECTION_CLOSED}. */
    void error(String code) {
        errors.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    Map<String, Long> errors() {
        Map<String, Long> out = new TreeMap<>();
        errors.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    synchronized void connected(long nanos, boolean reconnection) {
        long micros = Math.min(TimeUnit.MINUTES.toMicros(10), Math.max(0, nanos / 1_000));
        (reconnection ? reconnectMicros : connectMicros).recordValue(micros);
        if (reconnection) {
            reconnections.increment();
        }
    }

    synchronized Histogram connectMicros() {
        return connectMicros.copy();
    }

    synchronized Histogram reconnectMicros() {
        return reconnectMicros.copy();
    }
}
