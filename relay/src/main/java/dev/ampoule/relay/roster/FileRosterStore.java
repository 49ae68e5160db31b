package dev.ampoule.relay.roster;

import dev.ampoule.mls.error.DecodeException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * The embedded roster store: one append-only file {@code <dir>/roster.log} of frames
 * <pre>uint32 length; uint32 crc32c(payload); opaque payload[length];</pre>
 * each payload one batch of records ({@link RosterCodec#encodeBatch}), so a batch survives a crash
 * whole or not at all. Opening replays the file; a torn or corrupt frame ends it and is cut off
 * (with everything after it). Each append is written and fsynced before its future completes. A
 * rewrite writes {@code roster.log.tmp}, fsyncs it and renames it over the log. The blocking I/O runs
 * on a one-thread worker pool, never on an event loop.
 */
public final class FileRosterStore implements RosterStore {

    public static final String FILE_NAME = "roster.log";
    static final int FRAME_HEADER = 8;
    static final int MAX_FRAME = 16 << 20;

    private static final Logger LOG = Logger.getLogger(FileRosterStore.class.getName());

    private final Path dir;
    private final Path file;
    private final boolean fsync;
    private final WorkerExecutor worker;
    private volatile FileChannel channel;
    private volatile boolean broken;

    /**
     * A store in {@code dir} (created if missing). {@code fsync} false skips the fsyncs (tests of
     * throughput only).
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
            FileChannel ch = open();
            long end = ch.size();
            try {
                writeFully(ch, frame(payload));
                if (fsync) {
                    ch.force(false);
                }
            } catch (IOException e) {
                undo(ch, end);
                throw e;
            }
            return null;
        }, true);
    }

    @Override
    public Future<Void> rewrite(List<RosterRecord> snapshot) {
        byte[] payload = RosterCodec.encodeBatch(snapshot);
        return worker.executeBlocking(() -> {
            open();
            Path tmp = dir.resolve(FILE_NAME + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                if (!snapshot.isEmpty()) {
                    writeFully(ch, frame(payload));
                }
                ch.force(true);
            }
            if (channel != null) {
                channel.close();
                channel = null;
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory();
            channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            return null;
        }, true);
    }

    @Override
    public Future<Void> close() {
        return worker.<Void>executeBlocking(() -> {
            if (channel != null) {
                channel.close();
                channel = null;
            }
            return null;
        }, true).eventually(() -> worker.close());
    }

    private FileChannel open() throws IOException {
        FileChannel ch = channel;
        if (ch == null || broken) {
            throw new IOException(broken ? "the roster store failed a write and needs a restart"
                    : "the roster store is not open");
        }
        return ch;
    }

    /**
     * After a failed write: cut the file back to where the batch began, so that later batches do
     * not follow a torn one (which a replay would stop at). If even that fails, refuse every
     * further write.
     */
    private void undo(FileChannel ch, long end) {
        try {
            ch.truncate(end);
            ch.force(false);
        } catch (IOException e) {
            broken = true;
        }
    }

    private List<RosterRecord> openAndReplay() throws IOException {
        Files.createDirectories(dir);
        List<RosterRecord> records = new ArrayList<>();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            long size = ch.size();
            long valid = scan(ch, size, records);
            if (valid < size) {
                LOG.warning("roster store: discarding " + (size - valid) + " bytes of a torn or corrupt write at offset "
                        + valid);
                ch.truncate(valid);
                ch.force(true);
            }
        } finally {
            ch.close();
        }
        syncDirectory();
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return records;
    }

    /** Decodes every whole frame; returns the length of the valid prefix. */
    private static long scan(FileChannel ch, long size, List<RosterRecord> out) throws IOException {
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(FRAME_HEADER);
        while (pos + FRAME_HEADER <= size) {
            header.clear();
            readFully(ch, header, pos);
            header.flip();
            int len = header.getInt();
            int crc = header.getInt();
            if (len < 0 || len > MAX_FRAME || pos + FRAME_HEADER + len > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(ch, payload, pos + FRAME_HEADER);
            CRC32C c = new CRC32C();
            c.update(payload.array());
            if ((int) c.getValue() != crc) {
                break;
            }
            try {
                out.addAll(RosterCodec.decodeBatch(payload.array()));
            } catch (DecodeException e) {
                // the CRC matched: this is not a torn write but a record this relay cannot read
                throw new IOException("roster store: unreadable record at offset " + pos + ": " + e.getMessage(), e);
            }
            pos += FRAME_HEADER + len;
        }
        return pos;
    }

    private static ByteBuffer frame(byte[] payload) throws IOException {
        if (payload.length > MAX_FRAME) {
            throw new IOException("roster store: batch too large");
        }
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(FRAME_HEADER + payload.length);
        b.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        return b;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of the roster store");
            }
            pos += n;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the file itself is synced
        }
    }
}
