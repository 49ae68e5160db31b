package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalSenderKeysTest {

    @TempDir
    Path dir;

    @Test
    void keysAreStablePerSchemeAndFoundInAGroupsList() throws Exception {
        List<ExternalSender> first;
        try (ExternalSenderKeys keys = ExternalSenderKeys.loadOrCreate(dir)) {
            first = List.of(keys.externalSender(1).orElseThrow(), keys.externalSender(2).orElseThrow());
            assertEquals(keys.externalSender(1), keys.externalSender(3), "suites 1 and 3 both sign with Ed25519");
            assertEquals(keys.externalSender(4), keys.externalSender(6), "suites 4 and 6 both sign with Ed448");
            assertEquals(Optional.empty(), keys.externalSender(0x7a7a));
            assertTrue(ExternalSenderKeys.isRelayCredential(first.get(0).credential()));
            assertEquals(OptionalInt.of(1), keys.indexIn(List.of(first.get(1), first.get(0)), 1));
            assertEquals(OptionalInt.empty(), keys.indexIn(List.of(first.get(1)), 1));
        }
        try (ExternalSenderKeys again = ExternalSenderKeys.loadOrCreate(dir)) {
            assertEquals(first, List.of(again.externalSender(1).orElseThrow(), again.externalSender(2).orElseThrow()));
        }
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary file is left");
        }
    }

    @Test
    void aDamagedKeyFileIsAnErrorNotANewKey() throws Exception {
        ExternalSenderKeys.loadOrCreate(dir).close();
        Files.write(dir.resolve("p256.key"), new byte[] {1, 2, 3});
        assertThrows(UncheckedIOException.class, () -> ExternalSenderKeys.loadOrCreate(dir));
        assertEquals(3, Files.size(dir.resolve("p256.key")));
    }

    @Test
    void aDirectoryOthersMayReadOrWriteIsRefused() throws Exception {
        ExternalSenderKeys.loadOrCreate(dir).close();
        for (String perms : List.of("rwxr-x---", "rwx---r-x", "rwx-w----", "rwx----w-")) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ExternalSenderKeys.loadOrCreate(dir),
                    perms);
            assertTrue(e.getMessage().contains("too open") && e.getMessage().contains(perms)
                    && e.getMessage().contains(dir.toString()), e::getMessage);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        ExternalSenderKeys.loadOrCreate(dir).close();
    }

    @Test
    void aKeyFileOthersMayReadOrWriteIsRefused() throws Exception {
        ExternalSenderKeys.loadOrCreate(dir).close();
        Path key = dir.resolve("ed448.key");
        byte[] before = Files.readAllBytes(key);
        for (String perms : List.of("rw-r-----", "rw----r--", "rw--w----", "rw-----w-", "r--r--r--")) {
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(perms));
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ExternalSenderKeys.loadOrCreate(dir),
                    perms);
            assertTrue(e.getMessage().contains("too open") && e.getMessage().contains(key.toString()), e::getMessage);
        }
        // the key is neither rewritten nor replaced
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(key)));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        ExternalSenderKeys.loadOrCreate(dir).close();
    }

    @Test
    void aNewDirectoryAndItsKeysAreOwnerOnly() throws Exception {
        Path fresh = dir.resolve("fresh");
        ExternalSenderKeys.loadOrCreate(fresh).close();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        try (var files = Files.list(fresh)) {
            for (Path f : files.toList()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f::toString);
            }
        }
    }

    @Test
    void closingZeroesTheSigningKeys() {
        ExternalSenderKeys keys = ExternalSenderKeys.loadOrCreate(dir);
        int suite = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.wire();
        assertEquals(32, keys.signingKey(suite).length());
        keys.close();
        assertTrue(keys.signingKey(suite).isDestroyed());
        assertThrows(InternalException.class, () -> keys.signingKey(suite).reveal());
    }
}
