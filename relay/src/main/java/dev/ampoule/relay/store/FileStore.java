package dev.ampoule.relay.store;

import dev.ampoule.relay.log.FramedLog;
import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store: append-only segment files on local disk ({@link SegmentLog}, each a
 * {@link FramedLog} with its crash rules), written by one dedicated thread that batches every
 * append waiting into one write and one fsync (group commit),
 * so throughput stays high while each append is durable before its future completes. On open,
 * the segments are scanned, a torn tail record (a crash mid-write) is cut off, and an in-memory
 * index of retained messages is rebuilt. Recent messages are cached in memory (bounded); older
 * ones are read back from disk on a worker thread. {@link #compact} rewrites the live state into
 * a fresh segment (a checkpoint) and deletes the older ones. The checkpoint is written beside the
 * appends, on a thread of its own, into a file that becomes a segment only once it is complete and
 * durable (a rename): appends go on into the segments after it meanwhile, instead of waiting behind
 * a rewrite of everything the store retains.
 *
 * <p>The index and the cache are confined to the context that called {@link #open}.
 */
public final class FileStore implements Store {

    private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);
    private static final int QUEUE_CAPACITY = 65_536;
    private static final int MAX_BATCH = 4_096;
    /**
     * The most bytes written with one write (a record larger than this still goes in one): beyond
     * about a megabyte the system call saved is nothing, while the buffer — and the JDK's direct
     * copy of it, which it keeps for the thread — would grow with the batch.
     */
    private static final long MAX_WRITE_BYTES = 1 << 20;
    /** Bytes a probe writes to find whether a disk that failed takes writes again. */
    private static final int PROBE_BYTES = 64 * 1024;
    private static final byte[] BEGIN = {(byte) RecordCodec.CHECKPOINT_BEGIN};
    private static final byte[] END = {(byte) RecordCodec.CHECKPOINT_END};

    private record Location(long segment, long offset, int length) {
    }

    private sealed interface Command {
    }

    private record Append(byte[] payload, Promise<Location> promise) implements Command {
    }

    /** The live state's records are encoded on the checkpoint's thread: only the snapshot is taken on the event loop. */
    private record Checkpoint(List<StoreRecord> live, List<GroupIndex.Entry> retained, Promise<List<Location>> promise)
            implements Command {
    }

    private record Stop(Promise<Void> promise) implements Command {
    }

    /** After a failure: can the disk take writes again? */
    private record Probe(Promise<Void> promise) implements Command {
    }

    private final Vertx vertx;
    private final Path dir;
    private final long segmentBytes;
    private final boolean fsync;
    private final long fsyncGapNanos;
    /** When the writer last began an fsync of the log (its thread only). */
    private long lastSyncStart;
    private final FramedLog.Channels channels;
    private final BlockingQueue<Command> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Map<Long, FramedLog> readers = new ConcurrentHashMap<>();
    private final AtomicLong diskBytes = new AtomicLong();

    // event-loop state
    private Context context;
    private final MessageIndex messages;
    private int inFlight;
    private List<Runnable> held;
    /** Appends waiting for room in the writer's queue, in order (event loop). */
    private final java.util.ArrayDeque<Append> overflow = new java.util.ArrayDeque<>();
    /** A hand-off of {@link #overflow} to the writer is due at the end of this turn of the event loop. */
    private boolean handOffScheduled;
    private boolean closed;
    private volatile Throwable failure;

    // writer-thread state
    private Thread writer;
    /** The thread writing a checkpoint beside the appends, if one is. */
    private Thread checkpointer;
    private FramedLog active;
    private long activeId;

    /** A store that syncs each batch as soon as it is written (no group-commit window). */
    public FileStore(Vertx vertx, Path dir, long segmentBytes, boolean fsync, long cacheBudgetBytes) {
        this(vertx, dir, segmentBytes, fsync, Duration.ZERO, cacheBudgetBytes, FramedLog.Channels.DEFAULT);
    }

    /** With the file system layer {@code channels} (tests inject full or failing disks). */
    public FileStore(Vertx vertx, Path dir, long segmentBytes, boolean fsync, long cacheBudgetBytes,
            FramedLog.Channels channels) {
        this(vertx, dir, segmentBytes, fsync, Duration.ZERO, cacheBudgetBytes, channels);
    }

    /**
     * @param fsyncGap the least time between the starts of two fsyncs (the group-commit window, see
     *     {@link #writeLoop}); zero syncs each batch as soon as it is written
     */
    public FileStore(Vertx vertx, Path dir, long segmentBytes, boolean fsync, Duration fsyncGap,
            long cacheBudgetBytes, FramedLog.Channels channels) {
        this.channels = channels;
        this.vertx = vertx;
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.fsync = fsync;
        this.fsyncGapNanos = fsyncGap.toNanos();
        this.messages = new MessageIndex(cacheBudgetBytes);
    }

    // ---- open / recovery -----------------------------------------------------------------------

    private record Recovered(List<StoreRecord> records, List<Indexed> indexed, long activeId, long diskBytes) {
    }

    private record Indexed(GroupMessage message, Location location) {
    }

    @Override
    public Future<Void> open(Consumer<StoreRecord> replay) {
        context = vertx.getOrCreateContext();
        return vertx.executeBlocking(this::recover, false).map(rec -> {
            for (Indexed ix : rec.indexed()) {
                index(ix.message(), ix.location(), false);
            }
            for (StoreRecord r : rec.records()) {
                replay.accept(r);
            }
            diskBytes.set(rec.diskBytes());
            activeId = rec.activeId();
            writer = Thread.ofPlatform().name("relay-store-writer").daemon(true).start(this::writeLoop);
            return null;
        });
    }

    /** What one segment holds, read at recovery. */
    private record Segment(long id, FramedLog log, long validBytes, boolean beginsCheckpoint,
            boolean endsCheckpoint, List<StoreRecord> records, List<Indexed> indexed) {
    }

    /**
     * Reads every segment. A failure — corruption that is no torn tail, an I/O error — is a
     * {@link StoreException}, with every segment closed and nothing on disk changed.
     */
    private Recovered recover() {
        List<Segment> segments = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            // a checkpoint file a crash left before it became a segment: its segments were never replaced
            for (Path p : SegmentLog.deleteAll(dir, SegmentLog.CHECKPOINT_SUFFIX)) {
                LOG.warn("discarded an unfinished checkpoint file {}", p);
            }
            List<Path> released = SegmentLog.deleteAll(dir, SegmentLog.RELEASED_SUFFIX);
            if (!released.isEmpty()) {
                LOG.info("removed {} replaced store segment(s) a stop left behind", released.size());
            }
            List<Long> ids = SegmentLog.list(dir);
            if (!ids.isEmpty() && ids.getLast() == Long.MAX_VALUE) {
                throw new IOException("the newest segment has the last segment id: no segment can follow it");
            }
            for (int i = 0; i < ids.size(); i++) {
                segments.add(read(ids.get(i), i == ids.size() - 1));
            }
            return recover(ids, segments);
        } catch (IOException | RuntimeException e) {
            segments.forEach(seg -> closeQuietly(seg.log()));
            readers.clear();
            throw new StoreException("the store in " + dir + " cannot be recovered: " + e.getMessage(), e);
        }
    }

    /** Keeps the segments of the newest complete checkpoint on, and deletes the others. */
    private Recovered recover(List<Long> ids, List<Segment> segments) throws IOException {
        // The newest complete checkpoint replaces everything before it. A checkpoint starts a segment
        // with its begin marker and may run over several segments up to its end marker (stores
        // written before checkpoints kept to one segment).
        int start = 0;
        int incompleteFrom = -1;
        for (int i = segments.size() - 1; i >= 0; i--) {
            if (!segments.get(i).beginsCheckpoint()) {
                continue;
            }
            boolean ended = false;
            for (int j = i; j < segments.size() && !ended; j++) {
                ended = segments.get(j).endsCheckpoint();
            }
            if (ended) {
                start = i;
                break;
            }
            // a crash during a checkpoint: its segments are the last ones and hold nothing acknowledged
            incompleteFrom = i;
        }
        List<StoreRecord> records = new ArrayList<>();
        List<Indexed> indexed = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < segments.size(); i++) {
            Segment seg = segments.get(i);
            if (i < start || (incompleteFrom >= 0 && i >= incompleteFrom)) {
                seg.log().close();
                Files.deleteIfExists(SegmentLog.path(dir, seg.id()));
                if (incompleteFrom >= 0 && i >= incompleteFrom) {
                    LOG.warn("discarded an incomplete checkpoint segment {}", seg.id());
                }
                continue;
            }
            records.addAll(seg.records());
            indexed.addAll(seg.indexed());
            total += seg.validBytes();
            readers.put(seg.id(), seg.log());
        }
        long lastId = ids.isEmpty() ? 0 : ids.get(ids.size() - 1);
        return new Recovered(records, indexed, lastId, total);
    }

    /** Reads one segment; a torn tail (a crash mid-write) is cut off the last one, anywhere else it is corruption. */
    private Segment read(long id, boolean last) throws IOException {
        FramedLog log = SegmentLog.open(dir, id, channels);
        try {
            return read(id, last, log);
        } catch (IOException | RuntimeException e) {
            closeQuietly(log);
            throw e;
        }
    }

    private Segment read(long id, boolean last, FramedLog log) throws IOException {
        boolean[] begins = {false};
        boolean[] ends = {false};
        boolean[] first = {true};
        List<StoreRecord> segRecords = new ArrayList<>();
        List<Indexed> segIndexed = new ArrayList<>();
        FramedLog.Scan scan = log.scan((offset, payload) -> {
            boolean firstRecord = first[0];
            first[0] = false;
            if (payload.length == 1 && payload[0] == BEGIN[0]) {
                begins[0] |= firstRecord;
                return;
            }
            if (payload.length == 1 && payload[0] == END[0]) {
                ends[0] = true;
                return;
            }
            StoreRecord r = RecordCodec.decode(payload);
            if (r instanceof StoreRecord.MessageAccepted || r instanceof StoreRecord.CommitAccepted) {
                GroupMessage m = RecordCodec.messageOf(r);
                segIndexed.add(new Indexed(m, new Location(id, offset, payload.length)));
                if (m.kind() == MessageKind.APPLICATION && r instanceof StoreRecord.MessageAccepted) {
                    r = new StoreRecord.MessageAccepted(new GroupMessage(m.groupId(), m.seq(), m.epoch(), m.kind(),
                            m.timestampMillis(), Bytes.EMPTY), ((StoreRecord.MessageAccepted) r).digest());
                }
            }
            segRecords.add(r);
        });
        if (scan.torn()) {
            if (!last) {
                throw new IOException("segment " + id + " is corrupt at offset " + scan.validBytes() + " (not the tail)");
            }
            LOG.warn("cut a torn tail of {} bytes off segment {}", scan.tornBytes(), id);
            log.cutTail(scan);
        }
        return new Segment(id, log, scan.validBytes(), begins[0], ends[0], segRecords, segIndexed);
    }

    // ---- appends -------------------------------------------------------------------------------

    @Override
    public Future<Void> append(StoreRecord record) {
        if (closed || failure != null) {
            return Future.failedFuture(new StoreException("store is " + (closed ? "closed" : "failed"), failure));
        }
        byte[] payload = RecordCodec.encode(record);
        Promise<Location> promise = Promise.promise();
        boolean[] submitted = {false};
        Runnable submit = () -> {
            enqueue(new Append(payload, promise));
            submitted[0] = true;
            inFlight++;
        };
        if (held != null) {
            held.add(submit);
        } else {
            submit.run();
        }
        return promise.future().<Void>map(loc -> {
            inFlight--;
            if (record instanceof StoreRecord.MessageAccepted || record instanceof StoreRecord.CommitAccepted) {
                index(RecordCodec.messageOf(record), loc, true);
            }
            maybeCheckpoint();
            return null;
        }).recover(e -> {
            if (submitted[0]) {
                inFlight--;
            }
            maybeCheckpoint();
            return Future.<Void>failedFuture(e);
        });
    }

    /**
     * Hands an append to the writer at the end of this turn of the event loop, with the others of
     * the turn: one wake-up of the writer's thread for all of them, not one each (a profile at
     * 11,000 appends/s had 12 % of the loop's time in waking it). One the full queue cannot take
     * waits, in order, until the writer has taken a batch: refusing it would leave a hole in the
     * sequence of durable appends (see {@link Store#append}). Callers bound what they have in flight.
     */
    private void enqueue(Append a) {
        overflow.addLast(a);
        if (!handOffScheduled) {
            handOffScheduled = true;
            context.runOnContext(v -> {
                handOffScheduled = false;
                drainOverflow();
            });
        }
    }

    /** After the writer took a batch: the appends waiting for room follow, in order. */
    private void drainOverflow() {
        while (!overflow.isEmpty() && queue.offer(overflow.peekFirst())) {
            overflow.pollFirst();
        }
    }

    private void index(GroupMessage m, Location loc, boolean cache) {
        messages.add(m, loc.segment(), loc.offset(), loc.length(), cache);
    }

    // ---- the writer thread ---------------------------------------------------------------------

    /**
     * Takes what is queued, writes it and syncs it once (group commit), then completes it on the
     * store's loop. With a group-commit window ({@code fsyncGap}), a batch of appends that starts
     * sooner than the window after the last fsync began first waits out the rest of it, gathering
     * what arrives meanwhile: under load the log is synced once per window rather than back to back,
     * each sync covering more appends (a batch that starts with closing, a checkpoint or a probe does
     * not wait). At 70,000 deliveries/s a window of 1 ms took the relay from 1.03–1.04 cores to
     * 0.81–0.84 (BENCHMARKS.md, "Relay: the group-commit window"): fewer fsyncs, and fewer, larger
     * batches to complete and deliver. A batch after a quiet spell waits for nothing.
     */
    private void writeLoop() {
        List<Command> batch = new ArrayList<>(MAX_BATCH);
        lastSyncStart = System.nanoTime() - fsyncGapNanos;
        while (true) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long wait = lastSyncStart + fsyncGapNanos - System.nanoTime();
            if (fsync && wait > 0 && batch.get(0) instanceof Append) {
                LockSupport.parkNanos(wait); // waking early only makes this batch smaller
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            Mark mark = mark();
            Checkpoint started = null;
            try {
                List<Runnable> completions = new ArrayList<>(batch.size());
                List<Append> appends = new ArrayList<>(batch.size());
                boolean stop = false;
                for (Command c : batch) {
                    if (!(c instanceof Append)) {
                        write(appends, completions); // what came before it, first
                    }
                    switch (c) {
                        case Append a -> appends.add(a);
                        case Checkpoint cp -> {
                            sync();
                            startCheckpoint(cp); // its thread completes it
                            started = cp;
                            mark = mark(); // a failure from here on cuts back to the segment after the checkpoint
                        }
                        case Stop s -> {
                            stop = true;
                            awaitCheckpoint();
                            completions.add(() -> s.promise().complete());
                        }
                        case Probe p -> {
                            if (failure != null) {
                                probeDisk();
                            }
                            completions.add(() -> p.promise().complete());
                        }
                    }
                }
                write(appends, completions);
                sync();
                if (stop) {
                    // closed before close() completes: a store reopened right after finds its files free
                    closeChannels();
                }
                context.runOnContext(v -> {
                    completions.forEach(Runnable::run);
                    drainOverflow();
                });
                if (stop) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                Checkpoint running = started;
                fail(batch.stream().filter(c -> c != running).toList(), mark, e);
            }
        }
    }

    /** Where the log ended before a batch: what a failed batch is cut back to. */
    private record Mark(long activeId, long activeSize, long diskBytes) {
    }

    private Mark mark() {
        return new Mark(activeId, active == null ? -1 : active.size(), diskBytes.get());
    }

    /**
     * A batch failed (a full disk, an I/O error): everything it wrote is cut off again, so that none
     * of its records — whose appends fail — is replayed after a restart; it and everything queued
     * behind it fail (no holes), and appends are refused until a {@link #probe} finds the disk
     * writable again. A checkpoint that failed leaves the segments it replaced in place.
     */
    private void fail(List<Command> batch, Mark mark, Throwable e) {
        LOG.error("store write failed; appends are refused until the disk takes writes again", e);
        failure = e;
        try {
            rollBack(mark);
        } catch (IOException | RuntimeException cut) {
            LOG.error("cutting a failed write back failed; the next probe tries again", cut);
            pendingCut = mark;
        }
        List<Command> failed = new ArrayList<>(batch);
        queue.drainTo(failed);
        boolean stop = failed.stream().anyMatch(Stop.class::isInstance);
        if (stop) {
            awaitCheckpoint();
            closeChannels(); // before close() completes: a store reopened right after finds its files free
        }
        StoreException refused = new StoreException("the store could not write", e);
        context.runOnContext(v -> {
            failed.forEach(c -> {
                switch (c) {
                    case Append a -> a.promise().tryFail(refused);
                    case Checkpoint cp -> cp.promise().tryFail(refused);
                    case Stop s -> s.promise().tryComplete();
                    case Probe p -> p.promise().tryFail(refused);
                }
            });
            // no holes: what waited for room fails with them
            while (!overflow.isEmpty()) {
                overflow.pollFirst().promise().tryFail(refused);
            }
        });
        if (stop) {
            Thread.currentThread().interrupt();
        }
    }

    /** A failed batch's cut, still to be made (its first attempt failed too). */
    private Mark pendingCut;

    /** Removes what was written after {@code mark}: segments created since, and the tail of the one active then. */
    private void rollBack(Mark mark) throws IOException {
        for (long id : List.copyOf(readers.keySet())) {
            if (id > mark.activeId()) {
                FramedLog log = readers.remove(id);
                log.close();
                Files.deleteIfExists(SegmentLog.path(dir, id));
            }
        }
        activeId = mark.activeId();
        active = mark.activeSize() < 0 ? null : readers.get(mark.activeId());
        if (active != null) {
            active.truncate(mark.activeSize());
        }
        diskBytes.set(mark.diskBytes());
        pendingCut = null;
    }

    /** Writes and fsyncs a small probe file, then removes it: the disk takes writes. */
    private void probeDisk() throws IOException {
        if (pendingCut != null) {
            rollBack(pendingCut);
        }
        Path probe = dir.resolve("probe.tmp");
        try (java.nio.channels.FileChannel ch = channels.open(probe, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(PROBE_BYTES);
            while (b.hasRemaining()) {
                ch.write(b, b.position());
            }
            ch.force(true);
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    /**
     * Writes {@code appends} (then forgets them), as many at a time as fit in the active segment and
     * in {@link #MAX_WRITE_BYTES}: one write each run instead of one per record. Their completions,
     * with where each landed, go to {@code completions}.
     */
    private void write(List<Append> appends, List<Runnable> completions) throws IOException {
        int from = 0;
        while (from < appends.size()) {
            long frame = FramedLog.frameBytes(appends.get(from).payload().length);
            if (active == null || active.size() + frame > segmentBytes && active.size() > 0) {
                roll();
            }
            long room = Math.min(segmentBytes - active.size(), MAX_WRITE_BYTES);
            long bytes = frame;
            int to = from + 1; // the first always goes in: a record larger than a segment gets one of its own
            while (to < appends.size()) {
                long next = FramedLog.frameBytes(appends.get(to).payload().length);
                if (bytes + next > room) {
                    break;
                }
                bytes += next;
                to++;
            }
            List<Append> run = appends.subList(from, to);
            long[] offsets = active.appendAll(run.stream().map(Append::payload).toList());
            diskBytes.addAndGet(bytes);
            for (int i = 0; i < offsets.length; i++) {
                Append a = run.get(i);
                Location loc = new Location(activeId, offsets[i], a.payload().length);
                completions.add(() -> a.promise().complete(loc));
            }
            from = to;
        }
        appends.clear();
    }

    private void roll() throws IOException {
        if (active != null) {
            if (fsync) {
                active.force();
            }
        } else if (activeId > 0 && readers.containsKey(activeId)) {
            // continue the last recovered segment
            FramedLog last = readers.get(activeId);
            if (last.size() < segmentBytes) {
                active = last;
                return;
            }
        }
        activeId = nextId();
        active = SegmentLog.create(dir, activeId, channels);
        readers.put(activeId, active);
    }

    /** The id of the segment after the active one; ids never wrap around. */
    private long nextId() throws IOException {
        if (activeId == Long.MAX_VALUE) {
            throw new IOException("the store has used every segment id");
        }
        return activeId + 1;
    }

    private void sync() throws IOException {
        if (fsync && active != null) {
            lastSyncStart = System.nanoTime();
            active.force();
        }
    }

    /**
     * Reserves the next segment id for the checkpoint, moves the appends on to a fresh segment after
     * it, and starts the checkpoint's thread. Every record appended after the snapshot lands after
     * the checkpoint, so recovery replays it on top of the checkpoint, as before.
     */
    private void startCheckpoint(Checkpoint cp) throws IOException {
        long replaced = activeId; // this segment and every older one
        long id = nextId();
        activeId = id;
        activeId = nextId();
        active = SegmentLog.create(dir, activeId, channels);
        readers.put(activeId, active);
        checkpointer = Thread.ofPlatform().name("relay-store-checkpoint").daemon(true)
                .start(() -> writeCheckpoint(cp, id, replaced));
    }

    /** The writer thread waits for a running checkpoint before it closes the segments it reads. */
    private void awaitCheckpoint() {
        Thread t = checkpointer;
        if (t == null) {
            return;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * On the checkpoint's thread: writes the live state and the retained messages into
     * {@code <id>.checkpoint}, makes it durable, renames it to segment {@code id}, then deletes the
     * segments it replaces. It touches only segments the writer no longer writes (up to
     * {@code replaced}) and its own. A failure leaves every segment in place and the store writable.
     */
    private void writeCheckpoint(Checkpoint cp, long id, long replaced) {
        Path file = SegmentLog.checkpointPath(dir, id);
        try {
            List<Location> moved = new ArrayList<>(cp.retained().size());
            long size;
            try (FramedLog log = FramedLog.create(file, SegmentLog.MAX_RECORD, channels)) {
                log.append(BEGIN, false);
                for (StoreRecord live : cp.live()) {
                    log.append(RecordCodec.encode(live), false);
                }
                for (GroupIndex.Entry e : cp.retained()) {
                    FramedLog src = readers.get(e.segment);
                    if (src == null) {
                        moved.add(null);
                        continue;
                    }
                    byte[] payload = src.read(e.offset, e.length);
                    moved.add(new Location(id, log.append(payload, false), payload.length));
                }
                log.append(END, false);
                log.force();
                size = log.size();
            }
            Files.move(file, SegmentLog.path(dir, id), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            FramedLog.syncDirectory(dir);
            readers.put(id, SegmentLog.open(dir, id, channels));
            long before = diskBytes.get();
            long freed = 0;
            List<Long> old = new ArrayList<>();
            for (long o : List.copyOf(readers.keySet())) {
                if (o <= replaced) {
                    FramedLog log = readers.remove(o);
                    freed += log.size();
                    log.close();
                    old.add(o);
                }
            }
            diskBytes.addAndGet(size - freed);
            releaseReplaced(old);
            LOG.info("store compacted: {} -> {} bytes", before, diskBytes.get());
            context.runOnContext(v -> cp.promise().complete(moved));
        } catch (IOException | RuntimeException e) {
            LOG.warn("writing a store checkpoint failed; the segments it would have replaced stay", e);
            try {
                Files.deleteIfExists(file);
            } catch (IOException cleanup) {
                LOG.debug("removing an unfinished checkpoint file", cleanup);
            }
            context.runOnContext(v -> cp.promise().fail(new StoreException("the store could not write a checkpoint", e)));
        }
    }

    /**
     * The checkpoint is complete and durable: what is left of the segments it replaced is theirs
     * to give back. A failure here loses nothing — they are no segments any more, and the next
     * recovery removes what is left of them.
     */
    private void releaseReplaced(List<Long> old) {
        try {
            SegmentLog.release(dir, old, channels, SegmentLog.RELEASE_STEP_BYTES);
        } catch (IOException | RuntimeException e) {
            LOG.warn("giving back the space of replaced store segments failed; the next start removes them", e);
        }
    }

    private static void closeQuietly(FramedLog log) {
        try {
            log.close();
        } catch (IOException e) {
            LOG.debug("closing a segment", e);
        }
    }

    private void closeChannels() {
        for (FramedLog ch : readers.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("closing a segment", e);
            }
        }
        readers.clear();
    }

    // ---- availability --------------------------------------------------------------------------

    @Override
    public boolean available() {
        return failure == null && !closed;
    }

    /** After a failed write: writes a probe file; when the disk takes it, appends are accepted again. */
    @Override
    public Future<Void> probe() {
        if (failure == null || closed || writer == null) {
            return Future.succeededFuture();
        }
        Promise<Void> p = Promise.promise();
        if (!queue.offer(new Probe(p))) {
            return Future.failedFuture(new StoreException("store write queue is full", null));
        }
        return p.future().onSuccess(v -> {
            failure = null;
            LOG.info("the store's disk takes writes again");
        });
    }

    // ---- reads and retention -------------------------------------------------------------------

    @Override
    public Future<List<GroupMessage>> read(Bytes groupId, long fromSeq, int max) {
        GroupIndex gi = messages.group(groupId);
        if (gi == null || max <= 0) {
            return Future.succeededFuture(List.of());
        }
        long from = Math.max(fromSeq, gi.firstSeq());
        List<GroupIndex.Entry> entries = new ArrayList<>();
        boolean allCached = true;
        for (long s = from; s < gi.endSeq() && entries.size() < max; s++) {
            GroupIndex.Entry e = gi.get(s);
            entries.add(e);
            allCached &= e.cached != null;
        }
        if (allCached) {
            List<GroupMessage> out = new ArrayList<>(entries.size());
            entries.forEach(e -> out.add(e.cached));
            return Future.succeededFuture(out);
        }
        List<GroupMessage> cached = new ArrayList<>(entries.size());
        List<long[]> locations = new ArrayList<>(entries.size());
        for (GroupIndex.Entry e : entries) {
            cached.add(e.cached);
            locations.add(new long[] {e.segment, e.offset, e.length});
        }
        return vertx.executeBlocking(() -> {
            List<GroupMessage> out = new ArrayList<>(entries.size());
            for (int i = 0; i < cached.size(); i++) {
                GroupMessage m = cached.get(i);
                if (m == null) {
                    long[] l = locations.get(i);
                    FramedLog ch = readers.get(l[0]);
                    if (ch == null) {
                        break; // compacted away meanwhile; the caller reads again
                    }
                    try {
                        m = RecordCodec.messageOf(RecordCodec.decode(ch.read(l[1], (int) l[2])));
                    } catch (IOException ex) {
                        if (!readers.containsKey(l[0])) {
                            break; // compacted away meanwhile; the caller reads again
                        }
                        throw new UncheckedIOException(ex);
                    }
                }
                out.add(m);
            }
            return out;
        }, false);
    }

    @Override
    public long firstRetained(Bytes groupId) {
        return messages.firstRetained(groupId);
    }

    @Override
    public void dropBefore(Bytes groupId, long seq) {
        messages.dropBefore(groupId, seq);
    }

    @Override
    public int expireBefore(long cutoffMillis) {
        return messages.expireBefore(cutoffMillis);
    }

    @Override
    public int expireBefore(Bytes groupId, long cutoffMillis) {
        return messages.expireBefore(groupId, cutoffMillis);
    }

    /** Number of retained messages (all groups). */
    public long retainedMessages() {
        return messages.retained();
    }

    @Override
    public long diskBytes() {
        return diskBytes.get();
    }

    // ---- compaction ----------------------------------------------------------------------------

    private Supplier<List<StoreRecord>> pendingCompaction;
    private Promise<Boolean> compactionPromise;
    /** The compaction under way, and the one requested meanwhile. */
    private Future<Boolean> compacting;
    private Future<Boolean> nextCompaction;

    @Override
    public Future<Boolean> compact(Supplier<List<StoreRecord>> liveState) {
        if (closed || failure != null || writer == null) {
            return Future.succeededFuture(false);
        }
        if (compacting != null) {
            // One checkpoint at a time: a second one's snapshot would point into segments the first
            // deletes. A request meanwhile gets the next one, whose snapshot is taken when it starts
            // (so it holds whatever changed — an erasure — after the request).
            if (nextCompaction == null) {
                nextCompaction = compacting.transform(ar -> {
                    nextCompaction = null;
                    return compact(liveState);
                });
            }
            return nextCompaction;
        }
        held = new ArrayList<>();
        pendingCompaction = liveState;
        compactionPromise = Promise.promise();
        Future<Boolean> f = compactionPromise.future();
        compacting = f;
        f.onComplete(ar -> compacting = null);
        maybeCheckpoint();
        return f;
    }

    /** Starts a requested checkpoint once no append is in flight. */
    private void maybeCheckpoint() {
        if (pendingCompaction == null || inFlight > 0) {
            return;
        }
        Supplier<List<StoreRecord>> supplier = pendingCompaction;
        Promise<Boolean> done = compactionPromise;
        pendingCompaction = null;
        compactionPromise = null;
        List<StoreRecord> live = List.copyOf(supplier.get());
        List<GroupIndex.Entry> retained = new ArrayList<>();
        List<GroupIndex> owners = new ArrayList<>();
        for (GroupIndex gi : messages.all()) {
            for (long s = gi.firstSeq(); s < gi.endSeq(); s++) {
                retained.add(gi.get(s));
                owners.add(gi);
            }
        }
        Promise<List<Location>> p = Promise.promise();
        if (!queue.offer(new Checkpoint(live, retained, p))) {
            release();
            done.complete(false);
            return;
        }
        release();
        p.future().onComplete(ar -> {
            if (ar.succeeded()) {
                List<Location> moved = ar.result();
                for (int i = 0; i < retained.size(); i++) {
                    Location loc = moved.get(i);
                    if (loc != null) {
                        relocate(owners.get(i), retained.get(i), loc);
                    }
                }
                done.complete(true);
            } else {
                done.fail(ar.cause());
            }
        });
    }

    private static void relocate(GroupIndex gi, GroupIndex.Entry old, Location loc) {
        GroupIndex.Entry current = gi.get(old.seq);
        if (current == old) {
            current.relocate(loc.segment(), loc.offset());
        }
    }

    /** Submits the appends held while a checkpoint waited for the appends in flight: they land after it. */
    private void release() {
        List<Runnable> h = held;
        held = null;
        if (h != null) {
            h.forEach(Runnable::run);
        }
    }

    // ---- close ---------------------------------------------------------------------------------

    @Override
    public Future<Void> close() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        if (writer == null || !writer.isAlive()) {
            closeChannels();
            return Future.succeededFuture();
        }
        Promise<Void> p = Promise.promise();
        drainOverflow(); // the appends made before closing are written before the writer stops
        if (!overflow.isEmpty() || !queue.offer(new Stop(p))) {
            return Future.failedFuture(new StoreException("store write queue is full at close", null));
        }
        return p.future();
    }
}
