package dev.ampoule.client.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attacker with the disk but not the key puts back older copies of state blobs (say a group's
 * state whose ratchet secrets were already used): the store refuses them. What it cannot tell —
 * the whole directory put back as it was at one moment — is shown too.
 */
class StateRollbackTest {

    @TempDir
    Path dir;

    private static final byte[] KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 7);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private EncryptedStateStore open() throws IOException {
        return new EncryptedStateStore(new FileStateStore(dir), KEY);
    }

    private Path file(String name) {
        return dir.resolve(name + ".state");
    }

    @Test
    void anOlderCopyOfABlobIsRefused() throws Exception {
        EncryptedStateStore store = open();
        store.save("group-01", utf8("epoch 4, generation 17"));
        byte[] old = Files.readAllBytes(file("group-01"));
        store.save("group-01", utf8("epoch 4, generation 18"));
        store.save("group-01", utf8("epoch 5, generation 0"));
        byte[] previous = Files.readAllBytes(file("group-01"));
        store.save("group-01", utf8("epoch 5, generation 1"));

        Files.write(file("group-01"), old);
        IOException e = assertThrows(IOException.class, () -> open().load("group-01"));
        assertTrue(e.getMessage().contains("rolled back"), e::getMessage);
        // even one write back is refused
        Files.write(file("group-01"), previous);
        assertThrows(IOException.class, () -> open().load("group-01"));
        assertThrows(IOException.class, () -> store.load("group-01"), "the open store refuses it too");
    }

    @Test
    void aCrashBetweenTheBlobAndTheIndexLosesNothing() throws Exception {
        EncryptedStateStore store = open();
        store.save("device", utf8("v1"));
        byte[] indexBefore = Files.readAllBytes(file(EncryptedStateStore.INDEX_NAME));
        byte[] blobV1 = Files.readAllBytes(file("device"));
        store.save("device", utf8("v2"));
        // the crash: the blob was written, the index was not
        Files.write(file(EncryptedStateStore.INDEX_NAME), indexBefore);
        EncryptedStateStore reopened = open();
        assertArrayEquals(utf8("v2"), reopened.load("device").orElseThrow());
        // the index caught up: the copy from before is an old copy now
        Files.write(file("device"), blobV1);
        assertThrows(IOException.class, () -> open().load("device"));

        // a first write of a name whose index update was lost is kept as well
        EncryptedStateStore s = open();
        byte[] index = Files.readAllBytes(file(EncryptedStateStore.INDEX_NAME));
        s.save("group-02", utf8("new group"));
        Files.write(file(EncryptedStateStore.INDEX_NAME), index);
        EncryptedStateStore again = open();
        assertTrue(again.names().contains("group-02"));
        assertArrayEquals(utf8("new group"), again.load("group-02").orElseThrow());
    }

    @Test
    void aDeletedBlobPutBackIsIgnoredAndARemovedOneIsNoticed() throws Exception {
        EncryptedStateStore store = open();
        store.save("device", utf8("identity"));
        store.save("group-01", utf8("left group"));
        byte[] copy = Files.readAllBytes(file("group-01"));
        store.delete("group-01");
        Files.write(file("group-01"), copy);
        EncryptedStateStore reopened = open();
        assertEquals(List.of("device"), reopened.names());
        assertEquals(Optional.empty(), reopened.load("group-01"));
        // a name written again after its deletion continues above the old versions
        reopened.save("group-01", utf8("rejoined"));
        Files.write(file("group-01"), copy);
        assertThrows(IOException.class, () -> open().load("group-01"));

        // a blob the index knows, removed behind the client's back, is an error, not a fresh start
        EncryptedStateStore s = open();
        s.save("device", utf8("identity, updated"));
        Files.delete(file("device"));
        EncryptedStateStore after = open();
        assertTrue(after.names().contains("device"));
        IOException e = assertThrows(IOException.class, () -> after.load("device"));
        assertTrue(e.getMessage().contains("missing"), e::getMessage);
    }

    @Test
    void theIndexIsSealedRequiredAndReserved() throws Exception {
        EncryptedStateStore store = open();
        store.save("device", utf8("identity"));
        byte[] index = Files.readAllBytes(file(EncryptedStateStore.INDEX_NAME));
        index[index.length - 3] ^= 1;
        Files.write(file(EncryptedStateStore.INDEX_NAME), index);
        assertThrows(IOException.class, () -> open().load("device"));
        Files.delete(file(EncryptedStateStore.INDEX_NAME));
        IOException e = assertThrows(IOException.class, () -> open().load("device"));
        assertTrue(e.getMessage().contains("index is missing"), e::getMessage);
        assertThrows(IllegalArgumentException.class, () -> store.save(EncryptedStateStore.INDEX_NAME, new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> store.load(EncryptedStateStore.INDEX_NAME));
    }

    /** A blob as an SDK without versions wrote it (format 1). */
    private static byte[] formatOne(String name, byte[] plaintext) throws Exception {
        byte[] nonce = new byte[12];
        nonce[0] = 1;
        byte[] n = utf8(name);
        byte[] aad = ByteBuffer.allocate(5 + n.length).put(new byte[] {'A', 'M', 'P', 'S', 1}).put(n).array();
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, nonce));
        c.updateAAD(aad);
        byte[] sealed = c.doFinal(plaintext);
        return ByteBuffer.allocate(5 + 12 + sealed.length).put(new byte[] {'A', 'M', 'P', 'S', 1}).put(nonce)
                .put(sealed).array();
    }

    @Test
    void aStoreFromBeforeVersionsIsTakenOverOnce() throws Exception {
        Files.write(file("device"), formatOne("device", utf8("old identity")));
        Files.write(file("group-01"), formatOne("group-01", utf8("old group")));
        byte[] oldGroup = Files.readAllBytes(file("group-01"));
        EncryptedStateStore store = open();
        assertEquals(List.of("device", "group-01"), store.names());
        assertArrayEquals(utf8("old identity"), store.load("device").orElseThrow());
        store.save("group-01", utf8("new group"));
        assertArrayEquals(utf8("new group"), open().load("group-01").orElseThrow());
        // from now on the format-1 copy is an old copy
        Files.write(file("group-01"), oldGroup);
        assertThrows(IOException.class, () -> open().load("group-01"));
        assertArrayEquals(utf8("old identity"), open().load("device").orElseThrow());
    }

    @Test
    void notCovered_theWholeDirectoryPutBackAsOfOneMoment() throws Exception {
        EncryptedStateStore store = open();
        store.save("group-01", utf8("generation 17"));
        byte[] blob = Files.readAllBytes(file("group-01"));
        byte[] index = Files.readAllBytes(file(EncryptedStateStore.INDEX_NAME));
        store.save("group-01", utf8("generation 18"));
        // blob and index together, as copied at one moment: consistent, and indistinguishable from the present
        Files.write(file("group-01"), blob);
        Files.write(file(EncryptedStateStore.INDEX_NAME), index);
        assertArrayEquals(utf8("generation 17"), open().load("group-01").orElseThrow());
    }
}
