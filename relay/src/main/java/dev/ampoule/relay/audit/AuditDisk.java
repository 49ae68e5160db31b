package dev.ampoule.relay.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The file operations the audit log writes through: opening channels (the log's files, the head's
 * temporary file), atomic renames (rotation, the head) and directory syncs. The relay uses
 * {@link #REAL}; tests inject a disk that fills up or fails. Reading (recovery, queries) uses the
 * files directly.
 */
public interface AuditDisk {

    FileChannel open(Path file, OpenOption... options) throws IOException;

    /** Renames {@code from} to {@code to} atomically, replacing {@code to} if it exists. */
    void move(Path from, Path to) throws IOException;

    /** Makes the creation, renaming and removal of {@code dir}'s entries durable. */
    void syncDirectory(Path dir) throws IOException;

    /** The machine's file system. */
    AuditDisk REAL = new AuditDisk() {
        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            return FileChannel.open(file, options);
        }

        @Override
        public void move(Path from, Path to) throws IOException {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            AuditHead.syncDirectory(dir);
        }
    };
}
