package dev.ampoule.client.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptedStateStoreTest {

    @TempDir
    Path dir;

    private static byte[] key(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void roundTripsAndKeepsNoPlaintextOnDisk() throws IOException {
        EncryptedStateStore store = new EncryptedStateStore(new FileStateStore(dir), key(1));
        byte[] secret = "patient#phone group secret".getBytes(StandardCharsets.UTF_8);
        store.save("group-01", secret);
        assertArrayEquals(secret, store.load("group-01").orElseThrow());
        assertEquals(Optional.empty(), store.load("group-02"));
        byte[] onDisk = Files.readAllBytes(dir.resolve("group-01.state"));
        assertFalse(contains(onDisk, "patient".getBytes(StandardCharsets.UTF_8)));
        assertEquals(4 + 1 + 8 + 12 + secret.length + 16, onDisk.length);
        // a second write uses a fresh nonce
        store.save("group-01", secret);
        assertFalse(Arrays.equals(onDisk, Files.readAllBytes(dir.resolve("group-01.state"))));
        assertEquals(List.of("group-01"), store.names());
    }

    @Test
    void wrongKeyTamperingAndRenamingAreDetected() throws IOException {
        FileStateStore files = new FileStateStore(dir);
        EncryptedStateStore store = new EncryptedStateStore(files, key(1));
        store.save("device", "identity keys".getBytes(StandardCharsets.UTF_8));

        IOException wrongKey = assertThrows(IOException.class,
                () -> new EncryptedStateStore(files, key(2)).load("device"));
        assertTrue(wrongKey.getMessage().contains("wrong key"));

        byte[] blob = files.read("device").orElseThrow();
        files.write("moved", blob);
        assertThrows(IOException.class, () -> store.load("moved"), "a blob only decrypts under its own name");

        blob[blob.length - 20] ^= 1;
        files.write("device", blob);
        assertThrows(IOException.class, () -> store.load("device"));

        files.write("junk", new byte[] {1, 2, 3});
        assertThrows(IOException.class, () -> store.load("junk"));
        assertThrows(IllegalArgumentException.class, () -> new EncryptedStateStore(files, new byte[7]));
    }

    @Test
    void writesAreAtomicRenamesWithNoLeftovers() throws IOException {
        FileStateStore files = new FileStateStore(dir);
        files.write("a", new byte[] {1});
        files.write("a", new byte[] {2, 3});
        files.write("b", new byte[0]);
        assertArrayEquals(new byte[] {2, 3}, files.read("a").orElseThrow());
        try (var list = Files.list(dir)) {
            assertEquals(List.of("a.state", "b.state"), list.map(p -> p.getFileName().toString()).sorted().toList());
        }
        files.delete("a");
        files.delete("a");
        assertEquals(List.of("b"), files.list());
        assertThrows(IllegalArgumentException.class, () -> files.write("../escape", new byte[0]));
    }
}
