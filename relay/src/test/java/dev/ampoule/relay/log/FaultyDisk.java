package dev.ampoule.relay.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file system layer over the real disk that fills up or fails on request, for every file opened
 * through it: after {@link #fullAfter} bytes writes fail as on a full disk (ENOSPC: part of a
 * write may land first); after {@link #failAll} every write and fsync fails (EIO); {@link #heal}
 * makes it a working disk again.
 */
public final class FaultyDisk implements FramedLog.Channels {

    /** Bytes every file together may still take; negative: no limit. */
    private final AtomicLong writable = new AtomicLong(-1);
    private volatile boolean failing;
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return new FaultyChannel(FileChannel.open(file, options), this);
    }

    /** Writes take {@code bytes} more bytes, then fail with "No space left on device". */
    public void fullAfter(long bytes) {
        writable.set(bytes);
    }

    /** Every write and fsync fails with an I/O error. */
    public void failAll() {
        failing = true;
    }

    /** A working disk again. */
    public void heal() {
        failing = false;
        writable.set(-1);
    }

    /** The fsyncs that succeeded, of every file opened through this disk. */
    public long syncs() {
        return syncs.get();
    }

    /** The positional writes made, of every file opened through this disk. */
    public long writes() {
        return writes.get();
    }

    void synced() {
        syncs.incrementAndGet();
    }

    boolean failing() {
        return failing;
    }

    int write(FileChannel real, ByteBuffer src, long position) throws IOException {
        writes.incrementAndGet();
        if (failing) {
            throw new IOException("Input/output error");
        }
        long left = writable.get();
        if (left < 0) {
            return real.write(src, position);
        }
        if (left == 0) {
            throw new IOException("No space left on device");
        }
        ByteBuffer part = src.slice();
        part.limit((int) Math.min(part.remaining(), left));
        int n = real.write(part, position);
        src.position(src.position() + n);
        writable.addAndGet(-n);
        return n;
    }
}
