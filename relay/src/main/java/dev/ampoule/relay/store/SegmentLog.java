package dev.ampoule.relay.store;

import dev.ampoule.mls.error.DecodeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The file format of the embedded store: numbered append-only segment files
 * ({@code 00000000000000000001.log}, …) of records framed as
 * <pre>uint32 length; uint32 crc32c(payload); opaque payload[length];</pre>
 * Blocking I/O: used from the store's writer thread and worker threads only.
 */
final class SegmentLog {

    static final String SUFFIX = ".log";
    static final int FRAME_HEADER = 8;
    static final int MAX_RECORD = 64 << 20;

    private SegmentLog() {
    }

    static Path path(Path dir, long id) {
        return dir.resolve(String.format("%020d%s", id, SUFFIX));
    }

    /** The segment ids in {@code dir}, ascending. */
    static List<Long> list(Path dir) throws IOException {
        List<Long> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    ids.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    // not a segment
                }
            }
        }
        ids.sort(Long::compare);
        return ids;
    }

    static ByteBuffer frame(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer b = ByteBuffer.allocate(FRAME_HEADER + payload.length);
        b.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        return b;
    }

    /** A record read back: its payload and where its frame starts. */
    record Framed(long offset, byte[] payload) {
    }

    /** Receives the records of a segment in order. */
    interface Visitor {
        void record(long offset, byte[] payload);
    }

    /**
     * Reads every whole record of a segment; returns the length of the valid prefix. A torn or
     * corrupt record (short, bad length, bad CRC) ends the valid prefix.
     */
    static long scan(FileChannel ch, Visitor visitor) throws IOException {
        long size = ch.size();
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(FRAME_HEADER);
        while (pos + FRAME_HEADER <= size) {
            header.clear();
            readFully(ch, header, pos);
            header.flip();
            int len = header.getInt();
            int crc = header.getInt();
            if (len < 0 || len > MAX_RECORD || pos + FRAME_HEADER + len > size) {
                break;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(ch, payload, pos + FRAME_HEADER);
            CRC32C c = new CRC32C();
            c.update(payload.array());
            if ((int) c.getValue() != crc) {
                break;
            }
            visitor.record(pos, payload.array());
            pos += FRAME_HEADER + len;
        }
        return pos;
    }

    /** The payload of the record framed at {@code offset} (checked against its CRC). */
    static byte[] read(FileChannel ch, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(FRAME_HEADER + length);
        readFully(ch, b, offset);
        b.flip();
        int len = b.getInt();
        int crc = b.getInt();
        byte[] payload = new byte[length];
        b.get(payload);
        CRC32C c = new CRC32C();
        c.update(payload);
        if (len != length || (int) c.getValue() != crc) {
            throw new DecodeException("store record at offset " + offset + " is corrupt");
        }
        return payload;
    }

    static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of segment");
            }
            pos += n;
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** fsyncs a directory so that a created, renamed or deleted file is durable. */
    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a directory; the files themselves are synced
        }
    }
}
