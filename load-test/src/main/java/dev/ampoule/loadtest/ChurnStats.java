package dev.ampoule.loadtest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Counters of the membership churn of one run, updated from the committers' and devices' event
 * loops: changes scheduled, done and failed (by the relay's error code, or what failed on the
 * generator's side), how long the relay took to accept each Commit ({@code SendCommit} written →
 * {@code Ok}), how long an add took from its scheduled time to the device's join, in care teams how
 * long a coordinator's roster call took to be answered and to bring the relay's proposals to the
 * committer, and the messages a Commit made the relay refuse that were sent again.
 */
final class ChurnStats {

    final LongAdder scheduled = new LongAdder();
    final LongAdder removes = new LongAdder();
    final LongAdder adds = new LongAdder();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> resent = new ConcurrentHashMap<>();
    private final Histogram commitMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private final Histogram joinMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private final Histogram rosterCallMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    private final Histogram proposedMicros = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);

    /** A change that did not happen: a relay error code's name, or a generator-side cause. */
    void failed(String code) {
        failures.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** A message sent again after the relay refused it because of a Commit ({@code STALE_EPOCH}, {@code FORBIDDEN}). */
    void resent(String code) {
        resent.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    synchronized void commitAccepted(long nanos) {
        commitMicros.recordValue(micros(nanos));
    }

    synchronized void joined(long nanosSinceScheduled) {
        joinMicros.recordValue(micros(nanosSinceScheduled));
    }

    /** A coordinator's roster call ({@code DELETE} or {@code PUT}) was answered after {@code nanos}. */
    synchronized void rosterCallAnswered(long nanos) {
        rosterCallMicros.recordValue(micros(nanos));
    }

    /** The relay's proposals for a roster call reached the committer {@code nanos} after the call was made. */
    synchronized void proposed(long nanos) {
        proposedMicros.recordValue(micros(nanos));
    }

    private static long micros(long nanos) {
        return Math.min(TimeUnit.MINUTES.toMicros(10), Math.max(0, nanos / 1_000));
    }

    Map<String, Long> failures() {
        return sums(failures);
    }

    Map<String, Long> resentByCode() {
        return sums(resent);
    }

    long failedCount() {
        return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    synchronized Histogram commitMicros() {
        return commitMicros.copy();
    }

    synchronized Histogram joinMicros() {
        return joinMicros.copy();
    }

    synchronized Histogram rosterCallMicros() {
        return rosterCallMicros.copy();
    }

    synchronized Histogram proposedMicros() {
        return proposedMicros.copy();
    }
}
