package dev.ampoule.client.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A {@link StateStore} in a directory: one file per name. A write goes to a temporary file in the
 * same directory, is forced to disk, then renamed over the old file (atomic on POSIX file
 * systems), and the directory is forced so the rename survives a crash.
 *
 * <p>Every write has a temporary file of its own (a random name, created new), so writes of the
 * same name never touch each other's temporary file, even from two stores on one directory: the
 * last rename wins. A crash's leftover temporary files are removed when a store is opened, once
 * they are older than {@link #STALE_TEMPORARY}.
 *
 * <p>On POSIX file systems the files are the owner's only ({@code rw-------}) from the moment they
 * are created, whatever the process umask: the temporary file is created new with those
 * permissions (never reused, and a symbolic link in its place is not followed: creation fails if
 * something is there). A directory the store creates is {@code rwx------}; an existing one is left
 * as it is.
 */
public final class FileStateStore implements StateStore {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private static final String SUFFIX = ".state";
    private static final String TEMP = ".tmp";
    /** How old a temporary file must be before opening a store removes it as a crash's leftover. */
    static final Duration STALE_TEMPORARY = Duration.ofMinutes(1);

    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path dir;
    private final boolean posix;
    private final SecureRandom random = new SecureRandom();

    /** A store in {@code dir}, created if missing. */
    public FileStateStore(Path dir) throws IOException {
        this.dir = dir;
        if (!Files.isDirectory(dir)) {
            if (posix(dir.toAbsolutePath().getParent())) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            } else {
                Files.createDirectories(dir);
            }
        }
        posix = posix(dir);
        removeLeftovers();
    }

    private void removeLeftovers() throws IOException {
        FileTime before = FileTime.from(Instant.now().minus(STALE_TEMPORARY));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX + ".*" + TEMP)) {
            for (Path p : ds) {
                try {
                    if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).compareTo(before) < 0) {
                        Files.deleteIfExists(p); // a link is removed, not followed
                    }
                } catch (NoSuchFileException e) {
                    // removed meanwhile
                }
            }
        }
    }

    private static boolean posix(Path p) {
        return p != null && Files.getFileAttributeView(p, PosixFileAttributeView.class) != null;
    }

    public Path directory() {
        return dir;
    }

    private Path file(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a valid state name: " + name);
        }
        return dir.resolve(name + SUFFIX);
    }

    @Override
    public Optional<byte[]> read(String name) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(file(name)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void write(String name, byte[] data) throws IOException {
        Path target = file(name);
        Path tmp = dir.resolve(name + SUFFIX + "." + HexFormat.of().formatHex(nextBytes(8)) + TEMP);
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            try (FileChannel ch = posix
                    ? FileChannel.open(tmp, options, PosixFilePermissions.asFileAttribute(OWNER_FILE))
                    : FileChannel.open(tmp, options)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        forceDirectory();
    }

    private byte[] nextBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private void forceDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory; the rename is still atomic
        }
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(file(name));
        forceDirectory();
    }

    @Override
    public List<String> list() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                out.add(f.substring(0, f.length() - SUFFIX.length()));
            }
        }
        out.sort(null);
        return out;
    }
}
