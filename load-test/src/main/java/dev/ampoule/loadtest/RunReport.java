package dev.ampoule.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The figures of one run (against the relay, or against the ceiling server), as they go into the
 * JSON summary and the HTML report. Rates are per second over the measured window (after the
 * warm-up); latencies are milliseconds from the intended send time to the delivery.
 *
 * @param name {@code relay} or {@code ceiling}
 * @param sendLag how late messages left the generator (intended time to the write) after the warm-up:
 *     the generator's own delay, included in {@code latency}
 * @param verified the verifier found no lost, duplicated, misordered or otherwise wrong delivery
 * @param drained every request was answered and every delivery arrived within the drain time (when
 *     not, what had not arrived counts as lost)
 * @param churn the membership changes made during the run (all zero without {@code --churn})
 */
record RunReport(String name, List<String> targets, Setup setup, Totals totals, double sentPerSecond,
        double deliveredPerSecond, Latency latency, Latency catchUpLatency, Latency sendLag, Map<String, Long> errors,
        DeliveryVerifier.Verdict verification, boolean verified, boolean drained, Cpu cpu, Map<String, Double> relayMetrics,
        Churn churn, List<Sampler.Point> series) {

    /**
     * Membership churn over the whole run.
     *
     * @param perMinute the changes per minute asked for
     * @param scheduled changes that fell due
     * @param removes Remove Commits the relay accepted
     * @param adds devices added back that joined from their Welcome
     * @param failed changes that did not happen, by the relay's error code or the generator-side cause
     * @param commitLatency {@code SendCommit} written → {@code Ok}, removes and adds
     * @param joinLatency an add's scheduled time → the device joined from its {@code WelcomeDelivery}
     * @param rosterCallLatency care teams: a coordinator's {@code DELETE} or {@code PUT} → its answer
     * @param proposedLatency care teams: the roster call made → the relay's proposals for it processed
     *     by the committer
     * @param resent messages the relay refused because a Commit came first (or held back while a
     *     proposal waited for its Commit), sent again (by code)
     */
    record Churn(double perMinute, long scheduled, long removes, long adds, Map<String, Long> failed,
            Latency commitLatency, Latency joinLatency, Latency rosterCallLatency, Latency proposedLatency,
            Map<String, Long> resent) {

        static Churn of(double perMinute, ChurnStats s) {
            return new Churn(perMinute, s.scheduled.sum(), s.removes.sum(), s.adds.sum(), s.failures(),
                    Latency.of(s.commitMicros()), Latency.of(s.joinMicros()), Latency.of(s.rosterCallMicros()),
                    Latency.of(s.proposedMicros()), s.resentByCode());
        }

        /** Changes done (removes and adds). */
        public long done() {
            return removes + adds;
        }

        /** Changes failed, all codes. */
        public long failedCount() {
            return failed.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Connecting the devices before the load, and reconnecting during it. */
    record Setup(int connections, double seconds, double connectionsPerSecond, Latency connectLatency,
            long reconnections, Latency reconnectLatency) {
    }

    /** Counts over the whole run, warm-up and drain included. */
    record Totals(long scheduled, long sent, long accepted, long rejected, long unanswered, long delivered) {
    }

    /**
     * CPU time used while the load ran (setup excluded): the generator's process and, when the
     * tool started it, the server's.
     */
    record Cpu(double seconds, double generatorCpuSeconds, double generatorCores, Double serverCpuSeconds,
            Double serverCores) {
    }

    /** A latency distribution in milliseconds, with its percentile curve for plotting. */
    record Latency(long count, double mean, double p50, double p90, double p99, double p999, double max,
            List<double[]> percentileCurve) {

        static Latency of(Histogram micros) {
            if (micros.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0, List.of());
            }
            List<double[]> curve = new ArrayList<>();
            for (HistogramIterationValue v : micros.percentiles(5)) {
                curve.add(new double[] {v.getPercentileLevelIteratedTo(), v.getValueIteratedTo() / 1000.0});
                if (curve.size() > 400) {
                    break;
                }
            }
            return new Latency(micros.getTotalCount(), micros.getMean() / 1000.0, ms(micros, 50), ms(micros, 90),
                    ms(micros, 99), ms(micros, 99.9), micros.getMaxValue() / 1000.0, curve);
        }

        private static double ms(Histogram h, double percentile) {
            return h.getValueAtPercentile(percentile) / 1000.0;
        }
    }
}
