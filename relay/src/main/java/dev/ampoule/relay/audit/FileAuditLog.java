package dev.ampoule.relay.audit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's audit log: an append-only file of JSON lines, {@code <dataDir>/audit/audit.log},
 * each entry chained to the one before by its hash, plus a head file {@code audit.head}.
 *
 * <h2>Line format</h2>
 * One entry per line, UTF-8, ending with {@code \n}, compact JSON (no spaces) with exactly these
 * members in this order:
 * <pre>
 * {"seq":1,"time":"2025-01-31T08:15:02.120Z","type":"member_removed","actor":"dr-osei","team":"t-9f…",
 *  "user":"pharmacist-lin","details":{"role":"pharmacist"},"prev":"000…000","hash":"3b5e…"}
 * </pre>
 * <ul>
 * <li>{@code seq}: 1 for the first entry, then +1 per entry, no gaps.
 * <li>{@code time}: when the event was recorded, UTC, millisecond precision, always the form
 *     {@code yyyy-MM-ddTHH:mm:ss.SSSZ}; never earlier than the previous entry's.
 * <li>{@code type}: the {@link AuditType#wireName()}.
 * <li>{@code actor}, {@code team}, {@code user}: strings, or {@code null} when absent (the member is
 *     always there).
 * <li>{@code details}: an object of string values with its keys in ascending order (Java
 *     {@code String} order).
 * <li>{@code prev}: the previous entry's {@code hash}; 64 zeros ({@code "000…0"}) for entry 1.
 * <li>{@code hash}: the lower-case hex SHA-256 of the UTF-8 bytes of the line without its final
 *     member, i.e. with {@code ,"hash":"<64 hex>"} removed so that the text ends {@code …"prev":"<hex>"}}.
 * </ul>
 * Strings are escaped as Jackson does (via Vert.x {@code JsonObject}): {@code "}, {@code \} and
 * control characters escaped, everything else written as is. A verifier does not need to
 * reproduce the encoder to check a hash: it cuts the last member off the line and hashes the rest;
 * {@link AuditVerifier} also re-encodes each entry to check that the line is canonical.
 *
 * <h2>Head file</h2>
 * {@code audit.head} holds {@code {"seq":N,"hash":"<hash of entry N>"}} for the last durable
 * entry, replaced atomically after every batch (temp file, fsync, rename), so deleting the last
 * entries of the log is detected as well.
 *
 * <h2>Writing</h2>
 * {@link #record} never blocks: events go to a bounded queue ({@link Options#maxPending}; beyond
 * it, {@code record} fails with an {@link AuditLogException} and the caller decides) and one
 * dedicated writer thread appends everything waiting in one write and one fsync (group commit),
 * then replaces the head file; each future completes, on its caller's context, once the entry is
 * durable. Events carrying something that looks like a bearer token, or oversized values, are
 * refused.
 *
 * <h2>Opening</h2>
 * An incomplete last line (no newline: a crash mid-write, never acknowledged) is cut off; then
 * the whole chain is verified against the head file while an in-memory index is built (offsets,
 * times, and per team/user positions). A log that does not verify is not appended to: {@link
 * #open} fails with the verifier's finding. Preserve the directory for investigation; moving it
 * aside starts a new chain.
 *
 * <h2>Queries</h2>
 * {@link #query} selects from the index and reads the matching lines on a worker thread.
 */
public final class FileAuditLog implements AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);

    /** The log's directory under the relay's data directory. */
    public static final String DIRECTORY = "audit";
    public static final String LOG_FILE = "audit.log";
    public static final String HEAD_FILE = "audit.head";

    /**
     * @param fsync fsync each batch and the head before acknowledging (only throughput tests turn it off)
     * @param maxPending entries waiting for the writer beyond which {@link #record} fails
     * @param maxBatch entries written together at most
     * @param clock the time of entries
     */
    public record Options(boolean fsync, int maxPending, int maxBatch, Clock clock) {

        public Options {
            if (maxPending < 1 || maxBatch < 1) {
                throw new IllegalArgumentException("maxPending and maxBatch must be positive");
            }
        }

        public static Options defaults() {
            return new Options(true, 65_536, 1_024, Clock.systemUTC());
        }

        public Options withFsync(boolean value) {
            return new Options(value, maxPending, maxBatch, clock);
        }

        public Options withMaxPending(int value) {
            return new Options(fsync, value, maxBatch, clock);
        }

        public Options withClock(Clock value) {
            return new Options(fsync, maxPending, maxBatch, value);
        }
    }

    private sealed interface Command {
    }

    private record Append(AuditEvent event, long millis, Context context, Promise<Void> promise) implements Command {
    }

    private record Stop(Context context, Promise<Void> promise) implements Command {
    }

    private final Vertx vertx;
    private final Path dir;
    private final Path logPath;
    private final Path headPath;
    private final Options options;
    private final BlockingQueue<Command> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AuditIndex index = new AuditIndex();
    private volatile boolean closed;
    private volatile Throwable failure;
    private Future<Void> closing;
    private FileChannel reader;

    // writer-thread state (set by recovery before the thread starts)
    private FileChannel out;
    private long lastSeq;
    private String lastHash = AuditLines.GENESIS;
    private long lastMillis = Long.MIN_VALUE;
    private long endOffset;

    private FileAuditLog(Vertx vertx, Path dir, Options options) {
        this.vertx = vertx;
        this.dir = dir;
        this.logPath = dir.resolve(LOG_FILE);
        this.headPath = dir.resolve(HEAD_FILE);
        this.options = options;
    }

    /** {@code <dataDir>/audit/audit.log}. */
    public static Path logFile(Path dataDir) {
        return dataDir.resolve(DIRECTORY).resolve(LOG_FILE);
    }

    /**
     * Opens (or creates) the audit log under {@code dataDir}: recovers and verifies it on a worker
     * thread, then starts the writer. Fails with an {@link AuditLogException} if the log on disk
     * does not verify.
     */
    public static Future<FileAuditLog> open(Vertx vertx, Path dataDir, Options options) {
        FileAuditLog log = new FileAuditLog(vertx, dataDir.resolve(DIRECTORY), options);
        return vertx.executeBlocking(() -> {
            try {
                log.recover();
            } catch (IOException | RuntimeException e) {
                log.closeChannels();
                throw e;
            }
            return log;
        }, false).onSuccess(FileAuditLog::startWriter);
    }

    // ---- recovery ------------------------------------------------------------------------------

    private void recover() throws IOException {
        Files.createDirectories(dir);
        Optional<AuditHead> head;
        try {
            head = AuditHead.read(headPath);
        } catch (AuditLines.MalformedEntry e) {
            throw new AuditLogException("the audit log in " + dir + " cannot be opened: " + e.getMessage());
        }
        boolean existed = Files.exists(logPath);
        if (!existed && head.isPresent() && head.get().seq() > 0) {
            throw new AuditLogException("the audit log in " + dir + " cannot be opened: " + LOG_FILE
                    + " is missing but " + HEAD_FILE + " records " + head.get().seq() + " entries");
        }
        out = FileChannel.open(logPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (!existed && options.fsync()) {
            AuditHead.syncDirectory(dir);
        }
        cutTornTail();
        AuditVerifier.Result r = AuditVerifier.scan(logPath, head, (e, offset) -> {
            index.add(e, offset);
            lastSeq = e.seq();
            lastHash = e.hash();
            lastMillis = e.time().toEpochMilli();
        });
        if (!r.ok()) {
            throw new AuditLogException("the audit log in " + dir + " failed verification, so the relay will not append"
                    + " to it: " + r.describe() + ". Preserve the directory for investigation; moving it aside starts a"
                    + " new chain");
        }
        endOffset = out.size();
        index.end(endOffset);
        out.position(endOffset);
        if (head.isEmpty() || head.get().seq() != lastSeq) {
            new AuditHead(lastSeq, lastHash).write(headPath, options.fsync());
        }
        reader = FileChannel.open(logPath, StandardOpenOption.READ);
        LOG.info("audit log opened: {} entries, chain verified", lastSeq);
    }

    /** Cuts bytes after the last newline (a line whose write a crash interrupted). */
    private void cutTornTail() throws IOException {
        long size = out.size();
        long keep = 0;
        ByteBuffer buf = ByteBuffer.allocate(8192);
        search:
        for (long pos = size; pos > 0; ) {
            int n = (int) Math.min(buf.capacity(), pos);
            pos -= n;
            buf.clear().limit(n);
            while (buf.hasRemaining()) {
                if (out.read(buf, pos + buf.position()) < 0) {
                    throw new IOException("the audit log shrank while being read");
                }
            }
            for (int i = n - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    keep = pos + i + 1;
                    break search;
                }
            }
        }
        if (keep < size) {
            LOG.warn("audit log: cut an incomplete last line ({} bytes) left by an interrupted write", size - keep);
            out.truncate(keep);
            out.force(true);
        }
    }

    private void startWriter() {
        Thread.ofPlatform().name("relay-audit-writer").daemon(true).start(this::writeLoop);
    }

    // ---- appends -------------------------------------------------------------------------------

    @Override
    public Future<Void> record(AuditEvent event) {
        if (event == null) {
            return Future.failedFuture(new AuditLogException("no audit event"));
        }
        Optional<String> refused = AuditLines.refusal(event);
        if (refused.isPresent()) {
            return Future.failedFuture(new AuditLogException("audit event refused: " + refused.get()));
        }
        if (closed) {
            return Future.failedFuture(new AuditLogException("the audit log is closed"));
        }
        if (failure != null) {
            return Future.failedFuture(new AuditLogException("the audit log failed and refuses appends", failure));
        }
        if (pending.incrementAndGet() > options.maxPending()) {
            pending.decrementAndGet();
            return Future.failedFuture(new AuditLogException("the audit writer is more than " + options.maxPending()
                    + " entries behind; the event was not recorded"));
        }
        Promise<Void> promise = Promise.promise();
        queue.add(new Append(event, options.clock().millis(), vertx.getOrCreateContext(), promise));
        return promise.future();
    }

    private void writeLoop() {
        List<Command> batch = new ArrayList<>();
        while (true) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            queue.drainTo(batch, options.maxBatch() - 1);
            Stop stop = null;
            if (failure == null) {
                try {
                    stop = writeBatch(batch);
                } catch (IOException | RuntimeException e) {
                    LOG.error("audit log write failed; the audit log refuses further appends", e);
                    failure = e;
                }
            }
            if (failure != null) {
                AuditLogException refused = new AuditLogException("the audit log failed and refuses appends", failure);
                stop = failAll(batch, refused);
            }
            if (stop != null) {
                closeChannels();
                List<Command> rest = new ArrayList<>();
                queue.drainTo(rest);
                failAll(rest, new AuditLogException("the audit log is closed"));
                Promise<Void> done = stop.promise();
                stop.context().runOnContext(v -> done.complete());
                return;
            }
        }
    }

    /** Appends a batch durably, updates the head and the index, completes the futures; the Stop, if any. */
    private Stop writeBatch(List<Command> batch) throws IOException {
        Stop stop = null;
        List<AuditEntry> written = new ArrayList<>(batch.size());
        List<Long> offsets = new ArrayList<>(batch.size());
        Map<Context, List<Runnable>> completions = new IdentityHashMap<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long pos = endOffset;
        int appends = 0;
        for (Command c : batch) {
            switch (c) {
                case Stop s -> stop = s;
                case Append a -> {
                    appends++;
                    if (stop != null) {
                        completions.computeIfAbsent(a.context(), k -> new ArrayList<>())
                                .add(() -> a.promise().fail(new AuditLogException("the audit log is closed")));
                        continue;
                    }
                    long millis = Math.max(a.millis(), lastMillis);
                    AuditEntry e = AuditLines.encode(lastSeq + 1, Instant.ofEpochMilli(millis), a.event(), lastHash);
                    byte[] line = (e.jsonLine() + "\n").getBytes(StandardCharsets.UTF_8);
                    if (line.length > AuditLines.MAX_LINE_BYTES) {
                        completions.computeIfAbsent(a.context(), k -> new ArrayList<>())
                                .add(() -> a.promise().fail(new AuditLogException("audit event refused: its line would be"
                                        + " longer than " + AuditLines.MAX_LINE_BYTES + " bytes")));
                        continue;
                    }
                    bytes.writeBytes(line);
                    offsets.add(pos);
                    pos += line.length;
                    written.add(e);
                    lastSeq = e.seq();
                    lastHash = e.hash();
                    lastMillis = millis;
                    completions.computeIfAbsent(a.context(), k -> new ArrayList<>()).add(() -> a.promise().complete());
                }
            }
        }
        if (!written.isEmpty()) {
            ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray());
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            if (options.fsync()) {
                out.force(false);
            }
            new AuditHead(lastSeq, lastHash).write(headPath, options.fsync());
            endOffset = pos;
            index.addAll(written, offsets, pos);
        }
        pending.addAndGet(-appends);
        completions.forEach((ctx, list) -> ctx.runOnContext(v -> list.forEach(Runnable::run)));
        return stop;
    }

    /** Fails every append in {@code commands}; returns the Stop among them, if any. */
    private Stop failAll(List<Command> commands, AuditLogException e) {
        Stop stop = null;
        for (Command c : commands) {
            switch (c) {
                case Stop s -> stop = s;
                case Append a -> {
                    pending.decrementAndGet();
                    a.context().runOnContext(v -> a.promise().tryFail(e));
                }
            }
        }
        return stop;
    }

    // ---- queries -------------------------------------------------------------------------------

    @Override
    public Future<List<AuditEntry>> query(AuditQuery query) {
        if (closed) {
            return Future.failedFuture(new AuditLogException("the audit log is closed"));
        }
        return vertx.executeBlocking(() -> read(index.select(query)), false);
    }

    /** The number of durable entries (= the last entry's seq). */
    public long size() {
        return index.size();
    }

    private List<AuditEntry> read(List<AuditIndex.Slot> slots) throws IOException {
        List<AuditEntry> entries = new ArrayList<>(slots.size());
        int i = 0;
        while (i < slots.size()) {
            // one read for each run of consecutive entries
            int j = i;
            while (j + 1 < slots.size() && slots.get(j + 1).seq() == slots.get(j).seq() + 1) {
                j++;
            }
            AuditIndex.Slot first = slots.get(i);
            AuditIndex.Slot last = slots.get(j);
            long length = last.offset() + last.length() - first.offset();
            if (length > Integer.MAX_VALUE - 8) {
                j = i;
                length = first.length();
            }
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            while (buf.hasRemaining()) {
                if (reader.read(buf, first.offset() + buf.position()) < 0) {
                    throw new IOException("the audit log is shorter than its index");
                }
            }
            byte[] bytes = buf.array();
            for (int k = i; k <= j; k++) {
                AuditIndex.Slot s = slots.get(k);
                String line = new String(bytes, (int) (s.offset() - first.offset()), s.length(), StandardCharsets.UTF_8);
                try {
                    entries.add(AuditLines.parse(line));
                } catch (AuditLines.MalformedEntry e) {
                    throw new AuditLogException("audit entry " + s.seq() + " no longer parses: " + e.getMessage());
                }
            }
            i = j + 1;
        }
        return entries;
    }

    // ---- closing -------------------------------------------------------------------------------

    /** Writes what is queued, then closes the files. Appends and queries after this fail. */
    @Override
    public synchronized Future<Void> close() {
        if (closing == null) {
            closed = true;
            Promise<Void> done = Promise.promise();
            queue.add(new Stop(vertx.getOrCreateContext(), done));
            closing = done.future();
        }
        return closing;
    }

    private void closeChannels() {
        for (FileChannel ch : new FileChannel[] {out, reader}) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    LOG.debug("closing the audit log", e);
                }
            }
        }
    }
}
