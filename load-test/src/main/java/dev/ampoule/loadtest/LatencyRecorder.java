package dev.ampoule.loadtest;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * End-to-end latencies, from a message's intended send time to its delivery at a device, in
 * microseconds (HdrHistogram, 3 significant digits, up to one hour). Deliveries to a device that
 * was connected when the message was due go to the live recorder; those a device receives on
 * catching up after being offline go to the catch-up recorder, so that offline time never passes
 * for relay latency. Any thread may record; one thread takes the interval histograms.
 */
final class LatencyRecorder {

    static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final Recorder live = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder catchUp = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder sendLag = new Recorder(HIGHEST_MICROS, 3);
    private final Histogram liveTotal = new Histogram(HIGHEST_MICROS, 3);
    private final Histogram catchUpTotal = new Histogram(HIGHEST_MICROS, 3);
    private Histogram recycled;

    void record(long latencyNanos, boolean caughtUp) {
        long micros = Math.min(HIGHEST_MICROS, Math.max(0, latencyNanos / 1_000));
        (caughtUp ? catchUp : live).recordValue(micros);
    }

    /**
     * How late a message left the generator: from its intended time to the moment its sender's event
     * loop wrote it. Large values mean the generator, not the server, fell behind.
     */
    void recordSendLag(long lagNanos) {
        sendLag.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, lagNanos / 1_000)));
    }

    /**
     * The send lags recorded since the warm-up ended (call once, at the end): the same window as the
     * latencies, so that a generator that fell behind while measuring shows, and the cold start does not.
     */
    Histogram sendLag() {
        return sendLag.getIntervalHistogram();
    }

    /**
     * The live latencies recorded since the last call; added to the totals when {@code measured}
     * (after the warm-up). Catch-up latencies are added to their total at every call.
     */
    Histogram interval(boolean measured) {
        Histogram h = live.getIntervalHistogram(recycled);
        if (measured) {
            liveTotal.add(h);
            catchUpTotal.add(catchUp.getIntervalHistogram());
        } else {
            catchUp.getIntervalHistogram();
            sendLag.reset(); // a warm-up second: its lags are not the measured window's
        }
        recycled = null;
        return h;
    }

    /** Gives back an interval histogram that is no longer needed. */
    void recycle(Histogram h) {
        recycled = h;
    }

    Histogram liveTotal() {
        return liveTotal;
    }

    Histogram catchUpTotal() {
        return catchUpTotal;
    }
}
