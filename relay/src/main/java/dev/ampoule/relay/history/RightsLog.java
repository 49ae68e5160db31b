package dev.ampoule.relay.history;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

/**
 * The durable log of {@link RightsRecord}s of a single relay (the embedded {@code store=file}): one
 * append-only {@link FramedLog} {@code <dataDir>/rights/rights.log} (or {@code records/}), a record
 * per frame, each appended and fsynced before its future completes; opening replays it and cuts a
 * torn tail (the crash rules are FramedLog's). Its owner is the only writer. With
 * {@code store=postgresql} the log is {@link PgRightsLog}. Blocking I/O runs on a one-thread worker
 * pool.
 */
final class RightsLog implements RightsStore {

    static final String DIR_NAME = "rights";
    static final String FILE_NAME = "rights.log";
    private static final int MAX_RECORD = 64 << 10;
    private static final Logger LOG = LoggerFactory.getLogger(RightsLog.class);

    private final Path dir;
    private final boolean fsync;
    private final WorkerExecutor worker;
    private volatile FramedLog log;

    RightsLog(Vertx vertx, Path dir, boolean fsync) {
        this.dir = dir;
        this.fsync = fsync;
        this.worker = vertx.createSharedWorkerExecutor("ampoule-rights-log", 1);
    }

    @Override
    public Future<List<RightsRecord>> load() {
        return worker.executeBlocking(() -> {
            Files.createDirectories(dir);
            List<RightsRecord> records = new ArrayList<>();
            FramedLog opened = FramedLog.open(dir.resolve(FILE_NAME), MAX_RECORD);
            try {
                FramedLog.Scan scan = opened.recover((offset, payload) -> {
                    try {
                        records.add(RightsRecord.decode(payload));
                    } catch (DecodeException e) {
                        throw new IOException("rights log: unreadable record at offset " + offset + ": " + e.getMessage(), e);
                    }
                });
                if (scan.torn()) {
                    LOG.warn("rights log: discarded " + scan.tornBytes() + " bytes of a torn write");
                }
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            log = opened;
            return records;
        }, true);
    }

    @Override
    public Future<List<Change>> append(RightsRecord record) {
        return write(record).map(v -> List.of(new Logged(record)));
    }

    @Override
    public Future<List<Change>> changes() {
        return Future.succeededFuture(List.of()); // the owner is the only writer
    }

    private Future<Void> write(RightsRecord record) {
        byte[] payload = record.encode();
        return worker.executeBlocking(() -> {
            FramedLog current = log;
            if (current == null) {
                throw new IOException("the rights log is not open");
            }
            current.append(payload, fsync);
            return null;
        }, true);
    }

    /** Replaces the log with the live records atomically (the old one stays if the new one cannot be written). */
    @Override
    public Future<Void> rewrite(java.util.function.Function<List<Change>, List<RightsRecord>> live) {
        List<byte[]> payloads = live.apply(List.of()).stream().map(RightsRecord::encode).toList();
        return worker.executeBlocking(() -> {
            FramedLog current = log;
            if (current == null) {
                throw new IOException("the rights log is not open");
            }
            log = current.replace(payloads);
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
}
