package dev.ampoule.relay.metrics;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The free and total space of the file system under the data directory (the file store, the audit
 * log, the roster), as the gauges {@value RelayMetrics#DATA_DIR_FREE_BYTES} and
 * {@value RelayMetrics#DATA_DIR_TOTAL_BYTES}: read on a worker every {@link #PERIOD_MILLIS}, so that a
 * scrape on the event loop never waits for the file system. -1 until the first reading, or when
 * it fails.
 */
public final class DiskSpace {

    static final long PERIOD_MILLIS = 15_000;

    private final Vertx vertx;
    private final Path dir;
    private final AtomicLong free = new AtomicLong(-1);
    private final AtomicLong total = new AtomicLong(-1);
    private long timer = -1;

    public DiskSpace(Vertx vertx, Path dir, RelayMetrics metrics) {
        this.vertx = vertx;
        this.dir = dir;
        metrics.gauge(RelayMetrics.DATA_DIR_FREE_BYTES, free::get);
        metrics.gauge(RelayMetrics.DATA_DIR_TOTAL_BYTES, total::get);
    }

    /** Reads now, then periodically. */
    public void start() {
        read();
        timer = vertx.setPeriodic(PERIOD_MILLIS, id -> read());
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    private void read() {
        vertx.executeBlocking(() -> {
            try {
                FileStore fs = Files.getFileStore(dir);
                free.set(fs.getUsableSpace());
                total.set(fs.getTotalSpace());
            } catch (IOException e) {
                free.set(-1);
                total.set(-1);
            }
            return null;
        }, false);
    }
}
