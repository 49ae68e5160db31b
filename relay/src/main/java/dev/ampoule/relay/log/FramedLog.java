package dev.ampoule.relay.log;

import dev.ampoule.mls.error.DecodeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * One append-only file of framed records: the durable format the relay's embedded stores share
 * (the message store's segments, the roster log). Frames follow each other from offset 0:
 * <pre>uint32 length; uint32 crc32c(payload); opaque payload[length];</pre>
 * (big-endian; CRC-32C of the payload only).
 *
 * <p>The crash rules, all of them here:
 * <ul>
 *   <li><b>Valid prefix.</b> A frame is valid when its header is whole, its length is at most the
 *       log's {@code maxPayload}, its payload is whole and its CRC matches. A {@link #scan} reads the
 *       valid frames in order and stops at the first invalid one: nothing after it is read.</li>
 *   <li><b>Torn tail.</b> A crash in the middle of an append leaves a partial frame at the end.
 *       {@link #cutTail} (or {@link #recover}, which scans and cuts) truncates the file to its valid
 *       prefix and fsyncs it, so that frames appended later never follow a torn one, which would
 *       hide them from every later scan. Whether an invalid frame may be cut is the owner's call:
 *       only the tail of the newest file can be torn by a crash; an invalid frame anywhere else is
 *       corruption, to report rather than cut.</li>
 *   <li><b>Failed append.</b> {@link #append} writes one whole frame at the end. If the write (or,
 *       when asked, its fsync) fails, the file is cut back to where the frame began; if even that
 *       fails, the log is broken and refuses every further append until it is opened again (which
 *       cuts the torn tail).</li>
 *   <li><b>Durability.</b> A frame is durable once {@link #force} (fdatasync) returned; a file's
 *       creation, rename or deletion once its directory was synced ({@link #syncDirectory}).
 *       {@link #replace} writes the new content to a temporary file, fsyncs it, renames it over the
 *       log and syncs the directory: after a crash the log is either all old or all new.</li>
 *   <li><b>Size.</b> A payload longer than {@code maxPayload} is refused before anything is
 *       written: a scan would take it for a torn tail.</li>
 * </ul>
 *
 * <p>Blocking I/O: use it from worker threads, never an event loop. Appends, cuts and replacement
 * from one thread at a time; {@link #read} (positional) from any thread.
 */
public final class FramedLog implements AutoCloseable {

    /** {@code uint32 length; uint32 crc32c}. */
    public static final int HEADER_BYTES = 8;

    /** Opens the file channels: the file system layer, where tests inject failing disks. */
    @FunctionalInterface
    public interface Channels {
        FileChannel open(Path file, OpenOption... options) throws IOException;

        /** The real file system. */
        Channels DEFAULT = FileChannel::open;
    }

    /** Receives the valid frames of a scan, in order. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * @param offset where the frame starts in the file
         * @param payload the frame's payload (its own array)
         * @throws IOException to stop the scan with that failure (e.g. a record that cannot be read)
         */
        void frame(long offset, byte[] payload) throws IOException;
    }

    /** What a scan found: the length of the valid prefix and of the whole file. */
    public record Scan(long validBytes, long fileBytes) {

        /** Whether anything follows the valid prefix. */
        public boolean torn() {
            return validBytes < fileBytes;
        }

        /** How many bytes follow the valid prefix. */
        public long tornBytes() {
            return fileBytes - validBytes;
        }
    }

    private static final Channels DEFAULT_CHANNELS = Channels.DEFAULT;

    private final Path file;
    private final int maxPayload;
    private final Channels channels;
    private final FileChannel channel;
    /** Where the next frame goes. */
    private long end;
    private boolean broken;

    private FramedLog(Path file, int maxPayload, Channels channels, FileChannel channel) throws IOException {
        this.file = file;
        this.maxPayload = maxPayload;
        this.channels = channels;
        this.channel = channel;
        this.end = channel.size();
    }

    /**
     * Opens {@code file} for reading and appending, creating it (durably) when it does not exist.
     * Scan it — and cut or refuse a torn tail — before appending.
     */
    public static FramedLog open(Path file, int maxPayload) throws IOException {
        return open(file, maxPayload, DEFAULT_CHANNELS);
    }

    /** As {@link #open(Path, int)}, through {@code channels}. */
    public static FramedLog open(Path file, int maxPayload, Channels channels) throws IOException {
        boolean existed = Files.exists(file);
        FramedLog log = new FramedLog(file, maxPayload, channels, channels.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE));
        if (!existed) {
            syncDirectory(file.toAbsolutePath().getParent());
        }
        return log;
    }

    /** Creates {@code file}, which must not exist, empty, and makes its creation durable. */
    public static FramedLog create(Path file, int maxPayload) throws IOException {
        return create(file, maxPayload, DEFAULT_CHANNELS);
    }

    /** As {@link #create(Path, int)}, through {@code channels}. */
    public static FramedLog create(Path file, int maxPayload, Channels channels) throws IOException {
        FramedLog log = new FramedLog(file, maxPayload, channels, channels.open(file,
                StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE));
        syncDirectory(file.toAbsolutePath().getParent());
        return log;
    }

    public Path file() {
        return file;
    }

    /** Where the next frame goes: the length of the file as this log wrote it. */
    public long size() {
        return end;
    }

    /** The frame of {@code payload}: header and payload, as {@link #append} writes it. */
    public static byte[] frame(byte[] payload) {
        return putFrame(ByteBuffer.allocate(HEADER_BYTES + payload.length), payload).array();
    }

    private static ByteBuffer putFrame(ByteBuffer into, byte[] payload) {
        return into.putInt(payload.length).putInt(crc32c(payload)).put(payload);
    }

    /** The bytes a frame with a payload of {@code payloadLength} takes. */
    public static long frameBytes(int payloadLength) {
        return HEADER_BYTES + (long) payloadLength;
    }

    // ---- reading --------------------------------------------------------------------------------

    /**
     * Reads every valid frame from the start, in order, and stops at the first invalid one (see
     * the class comment). Changes nothing.
     */
    public Scan scan(Visitor visitor) throws IOException {
        long size = channel.size();
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        while (pos + HEADER_BYTES <= size) {
            header.clear();
            readFully(header, pos);
            header.flip();
            int len = header.getInt();
            int crc = header.getInt();
            if (len < 0 || len > maxPayload || pos + HEADER_BYTES + len > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(payload, pos + HEADER_BYTES);
            if (crc32c(payload.array()) != crc) {
                break;
            }
            visitor.frame(pos, payload.array());
            pos += HEADER_BYTES + len;
        }
        return new Scan(pos, size);
    }

    /** {@link #scan} then, when the scan found a torn tail, {@link #cutTail}. */
    public Scan recover(Visitor visitor) throws IOException {
        Scan scan = scan(visitor);
        if (scan.torn()) {
            cutTail(scan);
        }
        return scan;
    }

    /**
     * The payload of the frame at {@code offset}, whose payload is {@code length} bytes, checked
     * against its header and CRC.
     *
     * @throws DecodeException when the frame there does not match
     */
    public byte[] read(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + length);
        readFully(b, offset);
        b.flip();
        int len = b.getInt();
        int crc = b.getInt();
        byte[] payload = new byte[length];
        b.get(payload);
        if (len != length || crc32c(payload) != crc) {
            throw new DecodeException("log record at offset " + offset + " is corrupt");
        }
        return payload;
    }

    // ---- writing --------------------------------------------------------------------------------

    /** Truncates the file to the valid prefix {@code scan} found and fsyncs it. */
    public void cutTail(Scan scan) throws IOException {
        channel.truncate(scan.validBytes());
        channel.force(true);
        end = scan.validBytes();
    }

    /**
     * Writes one frame holding {@code payload} at the end of the file and, with {@code force},
     * fsyncs it. A failure cuts the file back to where the frame began.
     *
     * @return the offset of the frame
     * @throws IOException when the payload is too long, the log is broken, or the write or fsync
     *     failed
     */
    public long append(byte[] payload, boolean force) throws IOException {
        long offset = appendAll(List.of(payload))[0];
        if (force) {
            try {
                channel.force(false);
            } catch (IOException e) {
                cutBack(offset);
                end = offset;
                throw e;
            }
        }
        return offset;
    }

    /**
     * Appends the frames of {@code payloads}, in order, with one write (the store's writer appends a
     * batch of records at a time; {@link #append} is the batch of one). Returns where each frame
     * starts. On failure nothing of them stays in the log: the file is cut back to where they began.
     */
    public long[] appendAll(List<byte[]> payloads) throws IOException {
        if (broken) {
            throw new IOException("the log " + file.getFileName()
                    + " failed a write and refuses appends until reopened");
        }
        long total = 0;
        for (byte[] p : payloads) {
            if (p.length > maxPayload) {
                throw new IOException("a record of " + p.length + " bytes exceeds the limit of the log "
                        + file.getFileName());
            }
            total += frameBytes(p.length);
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IOException("a batch of " + total + " bytes is too large for one write");
        }
        long[] offsets = new long[payloads.size()];
        ByteBuffer frames = ByteBuffer.allocate((int) total);
        long offset = end;
        for (int i = 0; i < offsets.length; i++) {
            byte[] p = payloads.get(i);
            offsets[i] = offset + frames.position();
            putFrame(frames, p);
        }
        frames.flip();
        try {
            long pos = offset;
            while (frames.hasRemaining()) {
                pos += channel.write(frames, pos);
            }
        } catch (IOException e) {
            cutBack(offset);
            throw e;
        }
        end = offset + total;
        return offsets;
    }

    /**
     * Cuts the file back to {@code size} (at most its current length) and fsyncs it: frames
     * appended after that point are gone, as if never written. A log that a failed cut had broken
     * takes appends again once this succeeded.
     */
    public void truncate(long size) throws IOException {
        long to = Math.min(size, end);
        channel.truncate(to);
        channel.force(true);
        end = to;
        broken = false;
    }

    /** After a failed append: remove what it may have written, or give up appending. */
    private void cutBack(long offset) {
        try {
            channel.truncate(offset);
            channel.force(false);
        } catch (IOException e) {
            broken = true;
        }
    }

    /** Makes every frame appended so far durable (fdatasync). */
    public void force() throws IOException {
        channel.force(false);
    }

    /**
     * Replaces the whole log with frames of {@code payloads}: they are written to
     * {@code <file>.tmp} and fsynced, then this log is closed, the temporary file renamed over the
     * log and the directory synced. Returns the log open on the new content; this one is closed
     * (unless writing the temporary file failed: then nothing changed).
     */
    public FramedLog replace(List<byte[]> payloads) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FramedLog next = new FramedLog(tmp, maxPayload, channels, channels.open(tmp, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE))) {
            for (byte[] p : payloads) {
                next.append(p, false);
            }
            next.channel.force(true);
        }
        close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(file.toAbsolutePath().getParent());
        return new FramedLog(file, maxPayload, channels, channels.open(file, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * fsyncs a directory so that a file created, renamed or deleted in it is durable. Some file
     * systems cannot sync a directory; the files themselves are synced then.
     */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not supported here: the files' own fsyncs are all there is
        }
    }

    private void readFully(ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of the log " + file.getFileName());
            }
            pos += n;
        }
    }

    private static int crc32c(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }

    @Override
    public String toString() {
        return "FramedLog[" + file.getFileName() + ", " + end + " bytes" + (broken ? ", broken" : "") + "]";
    }
}
