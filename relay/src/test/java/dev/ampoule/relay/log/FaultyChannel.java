package dev.ampoule.relay.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A real file channel that fails on request, as a full disk or a failing device would: a write
 * that stops after some bytes, an fsync or a truncation that fails.
 */
public final class FaultyChannel extends FileChannel {

    private final FileChannel real;
    /** When set, the disk's faults apply instead of this channel's own. */
    private final FaultyDisk disk;
    /** Bytes positional writes may still write before they fail; negative: no limit. */
    public volatile int writableBytes = -1;
    /** How many of the next fsyncs fail. */
    public volatile int forceFailures;
    public volatile boolean failTruncate;
    /** The sizes this channel was truncated to, in order. */
    public final java.util.List<Long> truncations = new java.util.concurrent.CopyOnWriteArrayList<>();

    public FaultyChannel(FileChannel real) {
        this(real, null);
    }

    FaultyChannel(FileChannel real, FaultyDisk disk) {
        this.real = real;
        this.disk = disk;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        if (disk != null) {
            return disk.write(real, src, position);
        }
        if (writableBytes < 0) {
            return real.write(src, position);
        }
        if (writableBytes == 0) {
            throw new IOException("no space left on device");
        }
        ByteBuffer part = src.slice();
        part.limit(Math.min(part.remaining(), writableBytes));
        int n = real.write(part, position);
        src.position(src.position() + n);
        writableBytes -= n;
        return n;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        if (disk != null && disk.failing()) {
            throw new IOException("Input/output error");
        }
        if (forceFailures > 0) {
            forceFailures--;
            throw new IOException("fsync failed");
        }
        real.force(metaData);
        if (disk != null) {
            disk.synced();
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        if (failTruncate) {
            throw new IOException("truncate failed");
        }
        real.truncate(size);
        truncations.add(size);
        return this;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
    }

    @Override
    public long size() throws IOException {
        return real.size();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return real.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        throw new IOException("the log writes at explicit positions only");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        throw new IOException("the log writes at explicit positions only");
    }

    @Override
    public long position() throws IOException {
        return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        real.position(newPosition);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return real.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return real.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return real.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return real.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        real.close();
    }
}
