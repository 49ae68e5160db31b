package dev.ampoule.client.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State files are the owner's only, from the moment they exist, whatever the process umask. */
class FileStateStorePermissionsTest {

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
    void aLeftoverTemporaryFileIsNotReusedWithItsPermissions() throws Exception {
        FileStateStore files = new FileStateStore(dir);
        // a crash left a temporary file behind, readable by everyone (or someone planted it)
        Path leftover = dir.resolve("group-01.state.tmp");
        Files.write(leftover, new byte[] {9, 9, 9, 9, 9});
        Files.setPosixFilePermissions(leftover, PosixFilePermissions.fromString("rw-rw-rw-"));
        files.write("group-01", new byte[] {7});
        assertEquals("rw-------", perms(dir.resolve("group-01.state")));
        assertArrayEquals(new byte[] {7}, files.read("group-01").orElseThrow());
        assertFalse(Files.exists(leftover));
    }

    @Test
    void aSymlinkInPlaceOfTheTemporaryFileIsNotFollowed() throws Exception {
        FileStateStore files = new FileStateStore(dir.resolve("state"));
        Path outside = dir.resolve("outside");
        Files.write(outside, new byte[] {5});
        Files.createSymbolicLink(dir.resolve("state").resolve("device.state.tmp"), outside);
        files.write("device", new byte[] {6, 6});
        assertArrayEquals(new byte[] {5}, Files.readAllBytes(outside), "the link's target is untouched");
        assertArrayEquals(new byte[] {6, 6}, files.read("device").orElseThrow());
        assertEquals("rw-------", perms(dir.resolve("state").resolve("device.state")));
    }
}
