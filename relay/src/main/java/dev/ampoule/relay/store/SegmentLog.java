package dev.ampoule.relay.store;

import dev.ampoule.relay.log.FramedLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The files of the embedded store: numbered append-only segments ({@code 00000000000000000001.log},
 * …), each a {@link FramedLog} of records of at most {@link #MAX_RECORD} bytes. The framing and its
 * crash rules are {@link FramedLog}'s; this class names, lists and opens the segments. Blocking I/O:
 * used from the store's writer thread and worker threads only.
 */
final class SegmentLog {

    static final String SUFFIX = ".log";
    static final String CHECKPOINT_SUFFIX = ".checkpoint";
    /** A segment a checkpoint replaced, being given back to the file system (see {@link #release}). */
    static final String RELEASED_SUFFIX = ".released";
    /**
     * What a released segment gives back per step. Deleting two whole 64 MiB segments held a
     * concurrent fsync of the appends for 19–33 ms on an ext4 volume mounted with online discard
     * (the freed blocks are discarded when the journal commits); in steps of 4 MiB the longest
     * such fsync took 3–7 ms (BENCHMARKS.md, {@code ReleaseStallBenchmark}).
     */
    static final long RELEASE_STEP_BYTES = 4L << 20;
    static final int MAX_RECORD = 64 << 20;
    private static final Pattern SEGMENT_NAME = Pattern.compile("[0-9]{20}" + Pattern.quote(SUFFIX));

    private SegmentLog() {
    }

    static Path path(Path dir, long id) {
        return dir.resolve(String.format("%020d%s", id, SUFFIX));
    }

    /** A checkpoint being written as segment {@code id}: renamed to {@link #path} once complete and durable. */
    static Path checkpointPath(Path dir, long id) {
        return dir.resolve(String.format("%020d%s", id, CHECKPOINT_SUFFIX));
    }

    /** Segment {@code id} once a checkpoint replaced it, while it is given back ({@link #release}). */
    static Path releasedPath(Path dir, long id) {
        return dir.resolve(String.format("%020d%s", id, RELEASED_SUFFIX));
    }

    /**
     * The segment ids in {@code dir}, ascending: the files named exactly as {@link #path} names a
     * segment (20 digits, then {@value #SUFFIX}). Any other file, {@code 1.log} or {@code -2.log}
     * included, is no segment: read as one, it would be opened under its canonical name — another
     * file, created empty — or read twice.
     */
    static List<Long> list(Path dir) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!SEGMENT_NAME.matcher(name).matches()) {
                    continue;
                }
                try {
                    ids.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    // 20 digits beyond a long: not a segment of this store
                }
            }
        }
        ids.sort(Long::compare);
        return ids;
    }

    /**
     * Deletes the segments {@code ids}, which a durable checkpoint replaced and nobody reads any
     * more, without stalling the appends' fsyncs: each is renamed to {@code <id>.released} (the
     * directory synced once for all of them, so that a crash from here on leaves no cut-down
     * segment that recovery would read as a corrupt one), then cut down {@code stepBytes} at a time
     * ({@link #RELEASE_STEP_BYTES}), each step made durable before the next, then deleted.
     */
    static void release(Path dir, List<Long> ids, FramedLog.Channels channels, long stepBytes) throws IOException {
        List<Path> released = new ArrayList<>(ids.size());
        for (long id : ids) {
            Path to = releasedPath(dir, id);
            Files.move(path(dir, id), to, StandardCopyOption.ATOMIC_MOVE);
            released.add(to);
        }
        FramedLog.syncDirectory(dir);
        for (Path p : released) {
            try (FileChannel ch = channels.open(p, StandardOpenOption.WRITE)) {
                for (long size = ch.size(); size > 0; ) {
                    size = Math.max(0, size - stepBytes);
                    ch.truncate(size);
                    ch.force(false);
                }
            }
            Files.delete(p);
        }
        FramedLog.syncDirectory(dir);
    }

    /**
     * Deletes the files in {@code dir} whose names end in {@code suffix} — what a crash left of a
     * checkpoint being written ({@link #CHECKPOINT_SUFFIX}) or of segments being released
     * ({@link #RELEASED_SUFFIX}) — and returns their names.
     */
    static List<Path> deleteAll(Path dir, String suffix) throws IOException {
        List<Path> deleted = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + suffix)) {
            for (Path p : ds) {
                Files.delete(p);
                deleted.add(p.getFileName());
            }
        }
        return deleted;
    }

    /** Opens an existing segment. */
    static FramedLog open(Path dir, long id, FramedLog.Channels channels) throws IOException {
        return FramedLog.open(path(dir, id), MAX_RECORD, channels);
    }

    /** Creates a new, empty segment (durably). */
    static FramedLog create(Path dir, long id) throws IOException {
        return create(dir, id, FramedLog.Channels.DEFAULT);
    }

    static FramedLog create(Path dir, long id, FramedLog.Channels channels) throws IOException {
        return FramedLog.create(path(dir, id), MAX_RECORD, channels);
    }
}
