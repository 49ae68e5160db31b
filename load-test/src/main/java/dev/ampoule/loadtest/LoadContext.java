package dev.ampoule.loadtest;

import java.util.function.Function;

/**
 * What every simulated device of one run shares: the workload, the message format, the verifier,
 * the latency recorder, the counters, how tokens are obtained, and the time the schedule starts.
 */
final class LoadContext {

    final Workload workload;
    final MessageFactory messages;
    final DeliveryVerifier verifier = new DeliveryVerifier();
    final LatencyRecorder latency = new LatencyRecorder();
    final RunStats stats = new RunStats();
    final ChurnStats churn = new ChurnStats();
    /** A bearer token for a user id. */
    final Function<String, String> tokens;
    /** The ceiling server needs a {@code Resume} per group to subscribe a connection; the relay does not. */
    final boolean subscribeOnConnect;
    private volatile long startNanos = Long.MAX_VALUE;

    LoadContext(Workload workload, Function<String, String> tokens, boolean subscribeOnConnect) {
        this.workload = workload;
        this.messages = new MessageFactory(workload.messageSize());
        this.tokens = tokens;
        this.subscribeOnConnect = subscribeOnConnect;
    }

    void start(long nanos) {
        startNanos = nanos;
    }

    /** When message {@code k} is due ({@link System#nanoTime()}). */
    long intendedNanos(long k) {
        return startNanos + workload.intendedOffsetNanos(k);
    }
}
