package dev.ampoule.relay.roster;

import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.relay.log.FramedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded roster store: one append-only {@link FramedLog} {@code <dir>/roster.log}, each frame
 * one batch of records ({@link RosterCodec#encodeBatch}), so a batch survives a crash whole or not at
 * all. Opening replays the file; a torn or corrupt frame ends it and is cut off (with everything
 * after it). Each append is written and fsynced before its future completes. A rewrite replaces the
 * log atomically ({@link FramedLog#replace}). The crash rules are {@link FramedLog}'s. The blocking
 * I/O runs on a one-thread worker pool, never on an event loop.
 */
public final class FileRosterStore implements RosterStore {

    public static final String FILE_NAME = "roster.log";
    static final int MAX_FRAME = 16 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(FileRosterStore.class);

    private final Path dir;
    private final Path file;
    private final boolean fsync;
    private final WorkerExecutor worker;
    private volatile FramedLog log;

    /**
     * A store in {@code dir} (created if missing). {@code fsync} false skips the fsyncs of appends
     * (tests of throughput only).
     */
    public FileRosterStore(Vertx vertx, Path dir, boolean fsync) {
        this.dir = dir;
        this.file = dir.resolve(FILE_NAME);
        this.fsync = fsync;
        this.worker = vertx.createSharedWorkerExecutor("ampoule-roster-store", 1);
    }

    @Override
    public Future<List<RosterRecord>> load() {
        return worker.executeBlocking(this::openAndReplay, true);
    }

    @Override
    public Future<Void> append(List<RosterRecord> records) {
        byte[] payload = RosterCodec.encodeBatch(records);
        return worker.executeBlocking(() -> {
            open().append(payload, fsync);
            return null;
        }, true);
    }

    @Override
    public Future<Void> rewrite(List<RosterRecord> snapshot) {
        List<byte[]> payloads = snapshot.isEmpty() ? List.of() : List.of(RosterCodec.encodeBatch(snapshot));
        return worker.executeBlocking(() -> {
            // if the new content cannot be written, the current log stays in use
            log = open().replace(payloads);
            return null;
        }, true);
    }

    @Override
    public Future<Void> close() {
        return worker.<Void>executeBlocking(() -> {
            FramedLog current = log;
            log = null;
            if (current != null) {
                current.close();
            }
            return null;
        }, true).eventually(() -> worker.close());
    }

    private FramedLog open() throws IOException {
        FramedLog current = log;
        if (current == null) {
            throw new IOException("the roster store is not open");
        }
        return current;
    }

    private List<RosterRecord> openAndReplay() throws IOException {
        Files.createDirectories(dir);
        List<RosterRecord> records = new ArrayList<>();
        FramedLog opened = FramedLog.open(file, MAX_FRAME);
        try {
            FramedLog.Scan scan = opened.recover((offset, payload) -> {
                try {
                    records.addAll(RosterCodec.decodeBatch(payload));
                } catch (DecodeException e) {
                    // the CRC matched: this is not a torn write but a record this relay cannot read
                    throw new IOException("roster store: unreadable record at offset " + offset + ": "
                            + e.getMessage(), e);
                }
            });
            if (scan.torn()) {
                LOG.warn("roster store: discarded {} bytes of a torn or corrupt write at offset {}",
                        scan.tornBytes(), scan.validBytes());
            }
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        log = opened;
        return records;
    }
}
