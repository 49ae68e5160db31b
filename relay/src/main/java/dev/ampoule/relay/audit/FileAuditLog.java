package dev.ampoule.relay.audit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's audit log: append-only files of JSON lines under {@code <dataDir>/audit/}, each
 * entry chained to the one before by its hash, plus a head file {@code audit.head}. Entries are
 * appended to {@code audit.log}; it is rotated ({@link AuditFiles}) before a write would take it
 * past {@link Options#maxFileBytes} or once its first entry is older than {@link
 * Options#maxFileAge}: renamed {@code audit-<its first seq, 20 digits>.log}, never written again,
 * and a new {@code audit.log} goes on with the chain — its first entry's {@code prev} is the hash
 * of the last entry of the rotated file.
 *
 * <h2>Line format</h2>
 * One entry per line, UTF-8, ending with {@code \n}, compact JSON (no spaces) with exactly these
 * members in this order:
 * <pre>
 * {"seq":1,"time":"2025-01-31T08:15:02.120Z","type":"member_removed","actor":"dr-osei","team":"t-9f…",
 *  "user":"pharmacist-lin","details":{"role":"pharmacist"},"prev":"000…000","hash":"3b5e…"}
 * </pre>
 * <ul>
 * <li>{@code seq}: 1 for the first entry, then +1 per entry, no gaps (across files too).
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
 * <h2>Faults</h2>
 * Writes go through an {@link AuditDisk}. When a batch cannot be written durably (no space left,
 * an I/O error on write or fsync, a rotation that fails), its futures fail and the log turns
 * unavailable: {@link #ok()} is false and {@link #record} fails at once, so that the relay refuses
 * what must be audited instead of doing it unaudited (and reports itself not ready). Every
 * {@link Options#retryInterval} the writer tries to put the files back in order — cut the bytes
 * written after the last durable entry, re-create a missing active file, rewrite the head — and to
 * append an {@link AuditType#AUDIT_OUTAGE} entry ({@code since}, {@code notRecorded}: the events
 * refused meanwhile, {@code cause}); once that entry is durable the log is available again. So the
 * chain never holds a half-written line nor an entry whose future failed, and it records its own
 * gap. An entry that became durable but whose head could not be replaced stands (its future
 * succeeds); the log is unavailable until the head is written again.
 *
 * <h2>Opening</h2>
 * An incomplete last line of {@code audit.log} (no newline: a crash mid-write, never acknowledged)
 * is cut off; then the whole chain — every rotated file, then {@code audit.log} — is verified
 * against the head file while an in-memory index is built (file, offset, time, and per team/user
 * positions). Rotated files the operators removed (the oldest, after archiving them) are
 * accepted: the chain then starts at the first remaining entry, from its recorded predecessor
 * ({@link AuditVerifier#verifyDirectory} with {@code allowPruned}). A log that does not verify is
 * not appended to: {@link #open} fails with the verifier's finding. Preserve the directory for
 * investigation; moving it aside starts a new chain.
 *
 * <h2>Queries</h2>
 * {@link #query} selects from the index and reads the matching lines on a worker thread; the
 * entries of a rotated file removed while the relay runs are no longer returned.
 */
public final class FileAuditLog implements AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(FileAuditLog.class);

    /** The log's directory under the relay's data directory. */
    public static final String DIRECTORY = "audit";
    public static final String LOG_FILE = AuditFiles.ACTIVE;
    public static final String HEAD_FILE = AuditFiles.HEAD;

    /**
     * @param fsync fsync each batch and the head before acknowledging (only throughput tests turn it off)
     * @param maxPending entries waiting for the writer beyond which {@link #record} fails
     * @param maxBatch entries written together at most
     * @param clock the time of entries
     * @param maxFileBytes the active file is rotated before a write would take it past this size (a
     *        batch larger by itself still goes whole into a fresh file); 0: no size limit
     * @param maxFileAge the active file is rotated before a write once its first entry is this old;
     *        zero: no age limit
     * @param disk the file operations writes go through ({@link AuditDisk#REAL}; tests inject faults)
     * @param retryInterval while the log cannot write, how often it tries again
     */
    public record Options(boolean fsync, int maxPending, int maxBatch, Clock clock, long maxFileBytes,
            Duration maxFileAge, AuditDisk disk, Duration retryInterval) {

        /** {@link #maxFileBytes} by default: 64 MiB. */
        public static final long DEFAULT_MAX_FILE_BYTES = 64L << 20;
        /** {@link #maxFileAge} by default: a day. */
        public static final Duration DEFAULT_MAX_FILE_AGE = Duration.ofHours(24);

        public Options {
            if (maxPending < 1 || maxBatch < 1) {
                throw new IllegalArgumentException("maxPending and maxBatch must be positive");
            }
            if (maxFileBytes < 0 || maxFileAge.isNegative()) {
                throw new IllegalArgumentException("maxFileBytes and maxFileAge must not be negative");
            }
            if (retryInterval.toMillis() < 1) {
                throw new IllegalArgumentException("retryInterval must be at least a millisecond");
            }
        }

        public static Options defaults() {
            return new Options(true, 65_536, 1_024, Clock.systemUTC(), DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_FILE_AGE,
                    AuditDisk.REAL, Duration.ofSeconds(1));
        }

        public Options withFsync(boolean value) {
            return new Options(value, maxPending, maxBatch, clock, maxFileBytes, maxFileAge, disk, retryInterval);
        }

        public Options withMaxPending(int value) {
            return new Options(fsync, value, maxBatch, clock, maxFileBytes, maxFileAge, disk, retryInterval);
        }

        public Options withClock(Clock value) {
            return new Options(fsync, maxPending, maxBatch, value, maxFileBytes, maxFileAge, disk, retryInterval);
        }

        public Options withMaxFileBytes(long value) {
            return new Options(fsync, maxPending, maxBatch, clock, value, maxFileAge, disk, retryInterval);
        }

        public Options withMaxFileAge(Duration value) {
            return new Options(fsync, maxPending, maxBatch, clock, maxFileBytes, value, disk, retryInterval);
        }

        public Options withDisk(AuditDisk value) {
            return new Options(fsync, maxPending, maxBatch, clock, maxFileBytes, maxFileAge, value, retryInterval);
        }

        public Options withRetryInterval(Duration value) {
            return new Options(fsync, maxPending, maxBatch, clock, maxFileBytes, maxFileAge, disk, value);
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
    private final Path activePath;
    private final Path headPath;
    private final Options options;
    private final BlockingQueue<Command> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AuditIndex index = new AuditIndex();
    /** Queries read files under the read lock; a rotation renames the active file under the write lock. */
    private final ReadWriteLock files = new ReentrantReadWriteLock();
    private volatile boolean closed;
    /** False while the log cannot write (see {@link #ok()}). */
    private volatile boolean healthy = true;
    /** Events refused or lost while the log could not write, for the outage entry. */
    private final AtomicLong notRecorded = new AtomicLong();
    private Future<Void> closing;

    // writer-thread state (set by recovery before the thread starts)
    private FileChannel out;
    private long lastSeq;
    private String lastHash = AuditLines.GENESIS;
    private long lastMillis = Long.MIN_VALUE;
    /** The active file's length: where the next line goes. */
    private long endOffset;
    /** The active file's first entry and its time (0 and -1 while it is empty). */
    private long activeFirstSeq;
    private long activeFirstMillis = -1;
    /** The active file may hold bytes past {@link #endOffset}, or is missing ({@code out} null). */
    private boolean dirty;
    /** The head names an earlier entry than the last durable one. */
    private boolean headStale;
    private long downSinceMillis;
    private String downCause = "";

    private FileAuditLog(Vertx vertx, Path dir, Options options) {
        this.vertx = vertx;
        this.dir = dir;
        this.activePath = dir.resolve(LOG_FILE);
        this.headPath = dir.resolve(HEAD_FILE);
        this.options = options;
    }

    /** {@code <dataDir>/audit/audit.log}: the active file. */
    public static Path logFile(Path dataDir) {
        return directory(dataDir).resolve(LOG_FILE);
    }

    /** {@code <dataDir>/audit}: the active file, the rotated ones and the head. */
    public static Path directory(Path dataDir) {
        return dataDir.resolve(DIRECTORY);
    }

    /**
     * Opens (or creates) the audit log under {@code dataDir}: recovers and verifies it on a worker
     * thread, then starts the writer. Fails with an {@link AuditLogException} if the log on disk
     * does not verify.
     */
    public static Future<FileAuditLog> open(Vertx vertx, Path dataDir, Options options) {
        FileAuditLog log = new FileAuditLog(vertx, directory(dataDir), options);
        return vertx.executeBlocking(() -> {
            try {
                log.recover();
            } catch (IOException | RuntimeException e) {
                log.closeChannel();
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
        boolean existed = Files.exists(activePath);
        if (!existed && head.isPresent() && head.get().seq() > 0 && AuditFiles.list(dir).isEmpty()) {
            throw new AuditLogException("the audit log in " + dir + " cannot be opened: " + LOG_FILE
                    + " is missing but " + HEAD_FILE + " records " + head.get().seq() + " entries");
        }
        // missing beside rotated files: a crash came between a rotation's rename and the new file
        out = options.disk().open(activePath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        if (!existed && options.fsync()) {
            options.disk().syncDirectory(dir);
        }
        cutTornTail();
        AuditVerifier.Result r = AuditVerifier.scan(AuditFiles.list(dir), head, true, (e, file, offset, length) -> {
            index.add(e, file, offset, length);
            lastSeq = e.seq();
            lastHash = e.hash();
            lastMillis = e.time().toEpochMilli();
            if (file.equals(activePath) && activeFirstSeq == 0) {
                activeFirstSeq = e.seq();
                activeFirstMillis = lastMillis;
            }
        });
        if (!r.ok()) {
            throw new AuditLogException("the audit log in " + dir + " failed verification, so the relay will not append"
                    + " to it: " + r.describe() + ". Preserve the directory for investigation; moving it aside starts a"
                    + " new chain");
        }
        endOffset = out.size();
        if (head.isEmpty() || head.get().seq() != lastSeq) {
            new AuditHead(lastSeq, lastHash).write(options.disk(), headPath, options.fsync());
        }
        LOG.info("audit log opened: {}", r.describe());
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
        if (!healthy) {
            notRecorded.incrementAndGet();
            return Future.failedFuture(unavailable());
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

    /**
     * Whether the log can write: false from a failed write (or head replacement) until the writer
     * has repaired the files and written the {@link AuditType#AUDIT_OUTAGE} entry, and once closed.
     */
    @Override
    public boolean ok() {
        return healthy && !closed;
    }

    private static AuditLogException unavailable() {
        return new AuditLogException("the audit log cannot write now (disk full or I/O errors); retry later");
    }

    private void writeLoop() {
        List<Command> batch = new ArrayList<>();
        while (true) {
            Command first;
            try {
                first = healthy ? queue.take() : queue.poll(options.retryInterval().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (first == null) {
                tryRecover();
                continue;
            }
            batch.clear();
            batch.add(first);
            queue.drainTo(batch, options.maxBatch() - 1);
            if (!healthy) {
                tryRecover();
            }
            Stop stop = healthy ? writeBatch(batch) : failAll(batch, unavailable(), true);
            if (stop != null) {
                closeChannel();
                List<Command> rest = new ArrayList<>();
                queue.drainTo(rest);
                failAll(rest, new AuditLogException("the audit log is closed"), false);
                Promise<Void> done = stop.promise();
                stop.context().runOnContext(v -> done.complete());
                return;
            }
        }
    }

    /**
     * Appends a batch: the futures of its entries complete once they are durable, or fail (and the
     * log turns unavailable) if they could not be written. Returns the Stop among them, if any.
     */
    private Stop writeBatch(List<Command> batch) {
        Stop stop = null;
        List<Append> accepted = new ArrayList<>(batch.size());
        List<AuditEntry> entries = new ArrayList<>(batch.size());
        List<byte[]> lines = new ArrayList<>(batch.size());
        Map<Context, List<Runnable>> refusals = new IdentityHashMap<>();
        long seq = lastSeq;
        String hash = lastHash;
        long millis = lastMillis;
        int appends = 0;
        for (Command c : batch) {
            switch (c) {
                case Stop s -> stop = s;
                case Append a -> {
                    appends++;
                    if (stop != null) {
                        later(refusals, a.context(), () -> a.promise().fail(new AuditLogException("the audit log is closed")));
                        continue;
                    }
                    long time = Math.max(a.millis(), millis);
                    AuditEntry e = AuditLines.encode(seq + 1, Instant.ofEpochMilli(time), a.event(), hash);
                    byte[] line = (e.jsonLine() + "\n").getBytes(StandardCharsets.UTF_8);
                    if (line.length > AuditLines.MAX_LINE_BYTES) {
                        later(refusals, a.context(), () -> a.promise().fail(new AuditLogException("audit event refused:"
                                + " its line would be longer than " + AuditLines.MAX_LINE_BYTES + " bytes")));
                        continue;
                    }
                    accepted.add(a);
                    entries.add(e);
                    lines.add(line);
                    seq = e.seq();
                    hash = e.hash();
                    millis = time;
                }
            }
        }
        Map<Context, List<Runnable>> outcomes = refusals;
        if (!entries.isEmpty()) {
            Throwable failed = null;
            try {
                append(entries, lines);
            } catch (IOException | RuntimeException e) {
                failed = e;
                notRecorded.addAndGet(accepted.size());
            }
            AuditLogException cause = failed == null ? null : unavailable();
            for (Append a : accepted) {
                later(outcomes, a.context(), cause == null ? () -> a.promise().complete() : () -> a.promise().fail(cause));
            }
        }
        pending.addAndGet(-appends);
        outcomes.forEach((ctx, list) -> ctx.runOnContext(v -> list.forEach(Runnable::run)));
        return stop;
    }

    private static void later(Map<Context, List<Runnable>> byContext, Context context, Runnable r) {
        byContext.computeIfAbsent(context, k -> new ArrayList<>()).add(r);
    }

    /**
     * Writes encoded entries (the next ones of the chain) durably at the end of the active file,
     * rotating it first when due, then moves the chain's state and the index on and replaces the
     * head. Throws if the entries did not become durable: the log is then unavailable and the
     * bytes written past the last durable entry are cut when it recovers. A head that cannot be
     * replaced leaves the entries durable (no throw) but the log unavailable until it is.
     */
    private void append(List<AuditEntry> entries, List<byte[]> lines) throws IOException {
        try {
            if (dirty) {
                repair();
            }
            int total = lines.stream().mapToInt(l -> l.length).sum();
            rotateIfDue(total, entries.getFirst().time().toEpochMilli());
            ByteBuffer buf = ByteBuffer.allocate(total);
            lines.forEach(buf::put);
            buf.flip();
            long pos = endOffset;
            while (buf.hasRemaining()) {
                pos += out.write(buf, pos);
            }
            if (options.fsync()) {
                out.force(false);
            }
        } catch (IOException | RuntimeException e) {
            dirty = true;
            down(e);
            throw e;
        }
        long offset = endOffset;
        for (int i = 0; i < entries.size(); i++) {
            index.add(entries.get(i), activePath, offset, lines.get(i).length - 1);
            offset += lines.get(i).length;
        }
        if (activeFirstSeq == 0) {
            activeFirstSeq = entries.getFirst().seq();
            activeFirstMillis = entries.getFirst().time().toEpochMilli();
        }
        AuditEntry last = entries.getLast();
        endOffset = offset;
        lastSeq = last.seq();
        lastHash = last.hash();
        lastMillis = last.time().toEpochMilli();
        try {
            new AuditHead(lastSeq, lastHash).write(options.disk(), headPath, options.fsync());
        } catch (IOException | RuntimeException e) {
            headStale = true;
            down(e);
        }
    }

    /** The log cannot write: refuses appends from now until {@link #tryRecover} succeeds. */
    private void down(Throwable e) {
        if (healthy) {
            downSinceMillis = options.clock().millis();
            downCause = e.getClass().getSimpleName();
            healthy = false;
            LOG.error("the audit log cannot write ({}): operations that must be audited are refused until it can;"
                    + " it tries again every {} ms", e.getMessage(), options.retryInterval().toMillis());
        }
    }

    /**
     * Puts the files back in order — the active file exists and ends at the last durable entry, the
     * head names it — and writes the {@link AuditType#AUDIT_OUTAGE} entry; if all that works, the
     * log is available again.
     */
    private void tryRecover() {
        long refused = notRecorded.get();
        try {
            repair();
            if (headStale) {
                new AuditHead(lastSeq, lastHash).write(options.disk(), headPath, options.fsync());
                headStale = false;
            }
            AuditEvent outage = AuditEvent.of(AuditType.AUDIT_OUTAGE, AuditEvent.RELAY_ACTOR, null, null, Map.of(
                    "since", AuditLines.formatTime(Instant.ofEpochMilli(downSinceMillis)),
                    "notRecorded", Long.toString(refused), "cause", downCause));
            long time = Math.max(options.clock().millis(), lastMillis);
            AuditEntry e = AuditLines.encode(lastSeq + 1, Instant.ofEpochMilli(time), outage, lastHash);
            append(List.of(e), List.of((e.jsonLine() + "\n").getBytes(StandardCharsets.UTF_8)));
            if (headStale) {
                return; // the entry is durable, the head is not: still not ok
            }
        } catch (IOException | RuntimeException e) {
            dirty = true;
            return;
        }
        long late = notRecorded.addAndGet(-refused);
        notRecorded.set(0);
        healthy = true;
        LOG.info("the audit log can write again; {} events were not recorded during the outage (and {} more while"
                + " it recovered)", refused, Math.max(late, 0));
    }

    /** Re-creates a missing active file and cuts what follows the last durable entry. */
    private void repair() throws IOException {
        if (out == null) {
            out = options.disk().open(activePath, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (options.fsync()) {
                options.disk().syncDirectory(dir);
            }
        }
        if (out.size() != endOffset) {
            out.truncate(endOffset);
        }
        out.force(true);
        dirty = false;
    }

    /**
     * Rotates the active file if it holds entries and writing {@code incoming} more bytes would take
     * it past the size limit, or its first entry is older than the age limit at {@code nowMillis}:
     * renames it to its rotated name and starts a new, empty active file (both renames durable).
     */
    private void rotateIfDue(long incoming, long nowMillis) throws IOException {
        if (activeFirstSeq == 0) {
            return;
        }
        boolean bySize = options.maxFileBytes() > 0 && endOffset + incoming > options.maxFileBytes();
        boolean byAge = !options.maxFileAge().isZero()
                && nowMillis - activeFirstMillis >= options.maxFileAge().toMillis();
        if (!bySize && !byAge) {
            return;
        }
        Path rotated = dir.resolve(AuditFiles.rotatedName(activeFirstSeq));
        files.writeLock().lock();
        try {
            options.disk().move(activePath, rotated);
            index.rotated(rotated);
            FileChannel old = out;
            // from here the rotation has happened: a new active file that fails to open is made by repair()
            out = null;
            endOffset = 0;
            activeFirstSeq = 0;
            activeFirstMillis = -1;
            old.close();
            out = options.disk().open(activePath, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (options.fsync()) {
                options.disk().syncDirectory(dir);
            }
        } finally {
            files.writeLock().unlock();
        }
        LOG.info("audit log rotated: {} (by {})", rotated.getFileName(), bySize ? "size" : "age");
    }

    /**
     * Fails every append in {@code commands} with {@code e} (counting them as not recorded when the
     * log is unavailable); returns the Stop among them, if any.
     */
    private Stop failAll(List<Command> commands, AuditLogException e, boolean notWritten) {
        Stop stop = null;
        for (Command c : commands) {
            switch (c) {
                case Stop s -> stop = s;
                case Append a -> {
                    pending.decrementAndGet();
                    if (notWritten) {
                        notRecorded.incrementAndGet();
                    }
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
        return vertx.executeBlocking(() -> {
            files.readLock().lock();
            try {
                return read(index.select(query));
            } finally {
                files.readLock().unlock();
            }
        }, false);
    }

    /** The last durable entry's seq. */
    public long size() {
        return index.size();
    }

    /** Reads the slots' lines, one read per run of consecutive entries of a file. */
    private List<AuditEntry> read(List<AuditIndex.Slot> slots) throws IOException {
        List<AuditEntry> entries = new ArrayList<>(slots.size());
        Map<Path, FileChannel> open = new HashMap<>();
        try {
            int i = 0;
            while (i < slots.size()) {
                int j = i;
                while (j + 1 < slots.size() && slots.get(j + 1).seq() == slots.get(j).seq() + 1
                        && slots.get(j + 1).file().equals(slots.get(i).file())
                        && slots.get(j + 1).offset() - slots.get(i).offset() < (1 << 24)) {
                    j++;
                }
                AuditIndex.Slot first = slots.get(i);
                AuditIndex.Slot last = slots.get(j);
                FileChannel ch = channel(open, first.file());
                if (ch != null) {
                    readRun(ch, slots.subList(i, j + 1), first, last, entries);
                }
                i = j + 1;
            }
        } finally {
            for (FileChannel ch : open.values()) {
                if (ch != null) {
                    ch.close();
                }
            }
        }
        return entries;
    }

    /** The channel to read {@code file} with, null if the file was removed (pruned). */
    private static FileChannel channel(Map<Path, FileChannel> open, Path file) throws IOException {
        if (!open.containsKey(file)) {
            try {
                open.put(file, FileChannel.open(file, StandardOpenOption.READ));
            } catch (NoSuchFileException e) {
                open.put(file, null);
            }
        }
        return open.get(file);
    }

    private static void readRun(FileChannel ch, List<AuditIndex.Slot> run, AuditIndex.Slot first,
            AuditIndex.Slot last, List<AuditEntry> entries) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) (last.offset() + last.length() - first.offset()));
        while (buf.hasRemaining()) {
            if (ch.read(buf, first.offset() + buf.position()) < 0) {
                throw new IOException("the audit log is shorter than its index");
            }
        }
        byte[] bytes = buf.array();
        for (AuditIndex.Slot s : run) {
            String line = new String(bytes, (int) (s.offset() - first.offset()), s.length(), StandardCharsets.UTF_8);
            try {
                entries.add(AuditLines.parse(line));
            } catch (AuditLines.MalformedEntry e) {
                throw new AuditLogException("audit entry " + s.seq() + " no longer parses: " + e.getMessage());
            }
        }
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

    private void closeChannel() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                LOG.debug("closing the audit log", e);
            }
        }
    }
}
