package dev.ampoule.relay.store;

import dev.ampoule.relay.log.FramedLog;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
