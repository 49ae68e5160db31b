package dev.ampoule.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The send lag a run reports covers the measured window, as its latencies do. */
class LatencyRecorderTest {

    @Test
    void sendLagsOfTheWarmUpAreNotReported() {
        LatencyRecorder recorder = new LatencyRecorder();
        recorder.recordSendLag(TimeUnit.MILLISECONDS.toNanos(500)); // a cold generator, during the warm-up
        recorder.recycle(recorder.interval(false));
        recorder.recordSendLag(TimeUnit.MILLISECONDS.toNanos(2));
        recorder.recycle(recorder.interval(true));
        recorder.recordSendLag(TimeUnit.MILLISECONDS.toNanos(3));
        recorder.recycle(recorder.interval(true));
        Histogram lag = recorder.sendLag();
        assertEquals(2, lag.getTotalCount(), "the two measured seconds' lags");
        assertTrue(lag.getMaxValue() < 4_000, "the warm-up's 500 ms lag is not among them: " + lag.getMaxValue() + " µs");
    }
}
