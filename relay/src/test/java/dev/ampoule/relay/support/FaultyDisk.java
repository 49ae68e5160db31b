package dev.ampoule.relay.support;

import dev.ampoule.relay.audit.AuditDisk;
import dev.ampoule.relay.log.FaultyChannel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real file system behind an {@link AuditDisk} that a test can fill up or make fail, as a full
 * or failing disk would: every channel it opened ({@link FaultyChannel}) follows the disk's state.
 * <ul>
 * <li>{@link #full()}: writes fail with "no space left on device" (after {@code bytes} more with
 *     {@link #fullAfter}, each channel a partial write);</li>
 * <li>{@link #ioErrors()}: fsyncs, truncations, renames and directory syncs fail;</li>
 * <li>{@link #renamesFail()}: only renames fail (the data of a write goes through, the audit
 *     head's atomic replacement does not);</li>
 * <li>{@link #heal()}: all works again.</li>
 * </ul>
 */
public final class FaultyDisk implements AuditDisk {

    private final List<FaultyChannel> channels = new CopyOnWriteArrayList<>();
    private volatile int writable = -1;
    private volatile boolean ioErrors;
    private volatile boolean renamesFail;

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        FaultyChannel c = new FaultyChannel(FileChannel.open(file, options));
        apply(c);
        channels.removeIf(ch -> !ch.isOpen());
        channels.add(c);
        return c;
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        if (ioErrors || renamesFail) {
            throw new IOException("rename failed: input/output error");
        }
        AuditDisk.REAL.move(from, to);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        if (ioErrors) {
            throw new IOException("fsync of a directory failed: input/output error");
        }
        AuditDisk.REAL.syncDirectory(dir);
    }

    /** No space left: every write fails. */
    public void full() {
        fullAfter(0);
    }

    /** Each open channel may write {@code bytes} more, then fails (a line cut in the middle). */
    public void fullAfter(int bytes) {
        writable = bytes;
        channels.forEach(this::apply);
    }

    /** The device fails: fsyncs, truncations, renames and directory syncs. */
    public void ioErrors() {
        ioErrors = true;
        channels.forEach(this::apply);
    }

    /** Renames fail, nothing else. */
    public void renamesFail() {
        renamesFail = true;
    }

    /** Everything works again. */
    public void heal() {
        writable = -1;
        ioErrors = false;
        renamesFail = false;
        channels.forEach(this::apply);
    }

    private void apply(FaultyChannel c) {
        c.writableBytes = writable;
        c.forceFailures = ioErrors ? Integer.MAX_VALUE : 0;
        c.failTruncate = ioErrors;
    }
}
