package dev.ampoule.client.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State files are the owner's only, from the moment they exist, whatever the process umask; each
 * write has its own temporary file.
 */
class FileStateStoreTest {

    @TempDir
    Path dir;

    private static String perms(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void stateFilesAndANewDirectoryAreOwnerOnly() throws Exception {
        Path stateDir = dir.resolve("state");
        FileStateStore files = new FileStateStore(stateDir);
        assertEquals("rwx------", perms(stateDir));
        files.write("device", new byte[] {1, 2, 3});
        files.write("device", new byte[] {4});
        assertEquals("rw-------", perms(stateDir.resolve("device.state")));
    }

    @Test
    void aCrashsLeftoverTemporaryFileIsRemovedWhenTheStoreOpensAndAFreshOneIsKept() throws Exception {
        Files.createDirectories(dir);
        // a crash left a temporary file behind, readable by everyone (or someone planted it)
        Path leftover = dir.resolve("group-01.state.00aa11bb22cc33dd.tmp");
        Files.write(leftover, new byte[] {9, 9, 9, 9, 9});
        Files.setPosixFilePermissions(leftover, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.setLastModifiedTime(leftover, stale());
        // another store's write in progress
        Path inFlight = dir.resolve("group-01.state.0123456789abcdef.tmp");
        Files.write(inFlight, new byte[] {1});
        FileStateStore files = new FileStateStore(dir);
        assertFalse(Files.exists(leftover));
        assertTrue(Files.exists(inFlight), "a temporary file younger than a minute may be another write's");
        files.write("group-01", new byte[] {7});
        assertEquals("rw-------", perms(dir.resolve("group-01.state")));
        assertArrayEquals(new byte[] {7}, files.read("group-01").orElseThrow());
        assertEquals(List.of("group-01"), files.list());
    }

    @Test
    void aLeftoverSymlinkIsRemovedNotFollowed() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path outside = dir.resolve("outside");
        Files.write(outside, new byte[] {5});
        Path link = Files.createSymbolicLink(state.resolve("device.state.00aa11bb22cc33dd.tmp"), outside);
        Files.getFileAttributeView(link, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(stale(), null, null); // the link's own time, not its target's
        FileStateStore files = new FileStateStore(state);
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        files.write("device", new byte[] {6, 6});
        assertArrayEquals(new byte[] {5}, Files.readAllBytes(outside), "the link's target is untouched");
        assertArrayEquals(new byte[] {6, 6}, files.read("device").orElseThrow());
        assertEquals("rw-------", perms(state.resolve("device.state")));
    }

    @Test
    void twoStoresWritingOneNameAtOnceNeverBreakEachOthersWrite() throws Exception {
        FileStateStore first = new FileStateStore(dir);
        FileStateStore second = new FileStateStore(dir);
        int writes = 300;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (FileStateStore s : List.of(first, second)) {
                byte id = (byte) (s == first ? 1 : 2);
                done.add(pool.submit(() -> {
                    for (int i = 0; i < writes; i++) {
                        s.write("_index", new byte[] {id, (byte) i});
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS); // a write that lost its temporary file fails here
            }
        } finally {
            pool.shutdownNow();
        }
        byte[] last = first.read("_index").orElseThrow();
        assertEquals((byte) (writes - 1), last[1], "one store's last write is what remains");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("_index.state"), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file is left behind");
        }
    }

    private static FileTime stale() {
        return FileTime.from(Instant.now().minus(FileStateStore.STALE_TEMPORARY).minusSeconds(60));
    }
}
