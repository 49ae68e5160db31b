package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The window rules and erasure of the secret tree's ratchets (RFC 9420 §9, §9.2, §15.3). */
class SecretTreeTest {

    static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    static final byte[] ROOT = new byte[32];

    static {
        Arrays.fill(ROOT, (byte) 7);
    }

    static SecretTree tree(int leaves, RatchetWindow window) {
        return SecretTree.create(SUITE, new EncryptionSecret(ROOT.clone()), leaves, window);
    }

    /** Reference keys of one ratchet, from a sender walking it in order. */
    static byte[][] sentKeys(int leaves, int leaf, RatchetType type, int count) {
        byte[][] out = new byte[count][];
        try (SecretTree t = tree(leaves, RatchetWindow.DEFAULT)) {
            for (int g = 0; g < count; g++) {
                try (RatchetKey k = t.next(leaf, type)) {
                    assertEquals(g, k.generation());
                    out[g] = k.key().copy();
                }
            }
        }
        return out;
    }

    static void assertRule(ScheduleRule rule, Executable call) {
        ValidationException e = assertThrows(ValidationException.class, call);
        assertEquals(rule, e.rule());
    }

    static byte[] keyOf(SecretTree t, int leaf, RatchetType type, long generation) {
        try (RatchetKey k = t.take(leaf, type, generation)) {
            return k.key().copy();
        }
    }

    @Test
    void outOfOrderWithinTheWindowIsServed() {
        byte[][] ref = sentKeys(4, 2, RatchetType.APPLICATION, 8);
        try (SecretTree t = tree(4, new RatchetWindow(3, 100))) {
            assertArrayEquals(ref[5], keyOf(t, 2, RatchetType.APPLICATION, 5));
            assertEquals(6, t.nextGeneration(2, RatchetType.APPLICATION));
            assertEquals(3, t.retainedKeys(2, RatchetType.APPLICATION), "generations 2-4 kept, 0-1 outside");
            assertArrayEquals(ref[4], keyOf(t, 2, RatchetType.APPLICATION, 4));
            assertArrayEquals(ref[2], keyOf(t, 2, RatchetType.APPLICATION, 2));
            assertArrayEquals(ref[3], keyOf(t, 2, RatchetType.APPLICATION, 3));
            assertEquals(0, t.retainedKeys(2, RatchetType.APPLICATION));
            assertArrayEquals(ref[6], keyOf(t, 2, RatchetType.APPLICATION, 6));
        }
    }

    @Test
    void olderThanTheWindowIsRefused() {
        try (SecretTree t = tree(4, new RatchetWindow(3, 100))) {
            keyOf(t, 1, RatchetType.APPLICATION, 5);
            assertRule(ScheduleRule.GENERATION_TOO_OLD, () -> t.take(1, RatchetType.APPLICATION, 1));
            assertRule(ScheduleRule.GENERATION_TOO_OLD, () -> t.take(1, RatchetType.APPLICATION, 0));
            assertEquals(3, t.retainedKeys(1, RatchetType.APPLICATION), "2, 3 and 4");
            keyOf(t, 1, RatchetType.APPLICATION, 9);
            assertRule(ScheduleRule.GENERATION_TOO_OLD, () -> t.take(1, RatchetType.APPLICATION, 4));
            assertEquals(3, t.retainedKeys(1, RatchetType.APPLICATION), "only 6, 7 and 8 remain");
        }
    }

    @Test
    void noToleranceMeansNoReordering() {
        try (SecretTree t = tree(2, new RatchetWindow(0, 100))) {
            keyOf(t, 0, RatchetType.HANDSHAKE, 2);
            assertEquals(0, t.retainedKeys(0, RatchetType.HANDSHAKE));
            assertRule(ScheduleRule.GENERATION_TOO_OLD, () -> t.take(0, RatchetType.HANDSHAKE, 1));
        }
    }

    @Test
    void retainedKeysAreBounded() {
        try (SecretTree t = tree(2, new RatchetWindow(32, 1_000))) {
            keyOf(t, 1, RatchetType.APPLICATION, 500);
            assertEquals(32, t.retainedKeys(1, RatchetType.APPLICATION));
        }
    }

    @Test
    void tooFarAheadIsRefusedWithoutChangingState() {
        byte[][] ref = sentKeys(2, 0, RatchetType.APPLICATION, 12);
        try (SecretTree t = tree(2, new RatchetWindow(5, 10))) {
            assertRule(ScheduleRule.GENERATION_TOO_FAR_AHEAD, () -> t.take(0, RatchetType.APPLICATION, 11));
            assertRule(ScheduleRule.GENERATION_TOO_FAR_AHEAD,
                    () -> t.take(0, RatchetType.APPLICATION, 0xFFFF_FFFFL));
            assertEquals(0, t.nextGeneration(0, RatchetType.APPLICATION));
            assertEquals(0, t.retainedKeys(0, RatchetType.APPLICATION));
            assertArrayEquals(ref[10], keyOf(t, 0, RatchetType.APPLICATION, 10), "exactly the maximum distance");
            assertArrayEquals(ref[11], keyOf(t, 0, RatchetType.APPLICATION, 11));
        }
    }

    @Test
    void consumedGenerationIsRefused() {
        byte[][] ref = sentKeys(2, 1, RatchetType.HANDSHAKE, 3);
        try (SecretTree t = tree(2, RatchetWindow.DEFAULT)) {
            assertArrayEquals(ref[0], keyOf(t, 1, RatchetType.HANDSHAKE, 0));
            assertRule(ScheduleRule.GENERATION_CONSUMED, () -> t.take(1, RatchetType.HANDSHAKE, 0));
            assertArrayEquals(ref[2], keyOf(t, 1, RatchetType.HANDSHAKE, 2));
            assertRule(ScheduleRule.GENERATION_CONSUMED, () -> t.take(1, RatchetType.HANDSHAKE, 2));
            assertArrayEquals(ref[1], keyOf(t, 1, RatchetType.HANDSHAKE, 1));
            assertRule(ScheduleRule.GENERATION_CONSUMED, () -> t.take(1, RatchetType.HANDSHAKE, 1));
            assertEquals(3, t.nextGeneration(1, RatchetType.HANDSHAKE), "refusals left the ratchet where it was");
        }
    }

    @Test
    void sentGenerationsAreConsumedForReceivingToo() {
        try (SecretTree t = tree(2, RatchetWindow.DEFAULT)) {
            t.next(0, RatchetType.APPLICATION).close();
            assertRule(ScheduleRule.GENERATION_CONSUMED, () -> t.take(0, RatchetType.APPLICATION, 0));
        }
    }

    @Test
    void failedUseLeavesTheTreeUnchanged() {
        byte[][] ref = sentKeys(8, 5, RatchetType.APPLICATION, 6);
        try (SecretTree t = tree(8, new RatchetWindow(4, 100))) {
            SecretTree.KeyUse<byte[]> forged = k -> {
                throw new ValidationException(CryptoRule.AEAD_OPEN_FAILED);
            };
            // Ahead of the ratchet: nothing moves.
            ValidationException e = assertThrows(ValidationException.class,
                    () -> t.open(5, RatchetType.APPLICATION, 4, forged));
            assertEquals(CryptoRule.AEAD_OPEN_FAILED, e.rule());
            assertEquals(0, t.nextGeneration(5, RatchetType.APPLICATION));
            assertEquals(0, t.retainedKeys(5, RatchetType.APPLICATION));
            assertArrayEquals(ref[4], keyOf(t, 5, RatchetType.APPLICATION, 4), "the genuine message still opens");
            // A retained key: kept after a failed use, served to the genuine message.
            assertEquals(4, t.retainedKeys(5, RatchetType.APPLICATION));
            assertThrows(ValidationException.class, () -> t.open(5, RatchetType.APPLICATION, 2, forged));
            assertEquals(4, t.retainedKeys(5, RatchetType.APPLICATION));
            assertArrayEquals(ref[2], keyOf(t, 5, RatchetType.APPLICATION, 2));
            assertEquals(3, t.retainedKeys(5, RatchetType.APPLICATION));
            assertEquals(5, t.nextGeneration(5, RatchetType.APPLICATION));
        }
    }

    @Test
    void keysAreZeroedOnceConsumed() {
        try (SecretTree t = tree(2, RatchetWindow.DEFAULT)) {
            AtomicReference<RatchetKey> lent = new AtomicReference<>();
            byte[] nonce = t.open(1, RatchetType.APPLICATION, 3, k -> {
                lent.set(k);
                return k.nonce().copy();
            });
            assertEquals(SUITE.aeadNonceLength(), nonce.length);
            assertTrue(lent.get().isDestroyed(), "the used key was destroyed");
            assertThrows(InternalException.class, () -> lent.get().key().reveal());
            // Skipped keys that leave the window are zeroed too.
            AtomicReference<RatchetKey> skipped = new AtomicReference<>();
            assertThrows(ValidationException.class, () -> t.open(1, RatchetType.APPLICATION, 0, k -> {
                skipped.set(k);
                throw new ValidationException(CryptoRule.AEAD_OPEN_FAILED);
            }));
            assertFalse(skipped.get().isDestroyed(), "still retained after a failed use");
            t.take(1, RatchetType.APPLICATION, 100).close();
            assertTrue(skipped.get().isDestroyed(), "evicted when the window moved on");
        }
    }

    @Test
    void senderAndReceiverAgree() {
        try (SecretTree sender = tree(16, RatchetWindow.DEFAULT);
                SecretTree receiver = tree(16, RatchetWindow.DEFAULT)) {
            for (int g = 0; g < 5; g++) {
                try (RatchetKey sent = sender.next(9, RatchetType.HANDSHAKE);
                        RatchetKey got = receiver.take(9, RatchetType.HANDSHAKE, sent.generation())) {
                    assertEquals(g, sent.generation());
                    assertArrayEquals(sent.key().reveal(), got.key().reveal());
                    assertArrayEquals(sent.nonce().reveal(), got.nonce().reveal());
                }
            }
            try (RatchetKey hs = sender.next(3, RatchetType.HANDSHAKE);
                    RatchetKey app = sender.next(3, RatchetType.APPLICATION)) {
                assertFalse(Arrays.equals(hs.key().reveal(), app.key().reveal()), "ratchets are independent");
            }
        }
    }

    @Test
    void largeTreeDerivesOnlyOnePath() {
        int n = 10_000;
        int depth = 14; // 2^14 = 16,384 >= 10,000
        try (SecretTree t = tree(n, RatchetWindow.DEFAULT)) {
            assertEquals(1, t.storedNodeSecrets());
            t.next(6_789, RatchetType.APPLICATION).close();
            assertEquals(1, t.startedLeaves());
            assertEquals(depth, t.storedNodeSecrets(), "one off-path sibling per level, the path itself erased");
            t.next(6_788, RatchetType.APPLICATION).close();
            assertEquals(2, t.startedLeaves());
            assertEquals(depth - 1, t.storedNodeSecrets(), "the shared sibling was consumed");
            t.next(0, RatchetType.HANDSHAKE).close();
            t.next(n - 1, RatchetType.HANDSHAKE).close();
            assertTrue(t.storedNodeSecrets() <= 3 * depth);
        }
        // A leaf of the large tree equals the same leaf reached through the other leaves first.
        try (SecretTree a = tree(n, RatchetWindow.DEFAULT); SecretTree b = tree(n, RatchetWindow.DEFAULT)) {
            b.next(1, RatchetType.APPLICATION).close();
            b.next(9_998, RatchetType.APPLICATION).close();
            try (RatchetKey ka = a.next(5_000, RatchetType.APPLICATION);
                    RatchetKey kb = b.next(5_000, RatchetType.APPLICATION)) {
                assertArrayEquals(ka.key().reveal(), kb.key().reveal());
            }
        }
    }

    @Test
    void leafOutsideTheTreeIsRefused() {
        try (SecretTree t = tree(5, RatchetWindow.DEFAULT)) {
            assertRule(ScheduleRule.LEAF_OUT_OF_RANGE, () -> t.next(5, RatchetType.APPLICATION));
            assertRule(ScheduleRule.LEAF_OUT_OF_RANGE, () -> t.take(-1, RatchetType.APPLICATION, 0));
            assertEquals(0, t.startedLeaves());
            t.next(4, RatchetType.APPLICATION).close();
        }
    }

    @Test
    void ratchetStopsAtTheLastUint32Generation() {
        byte[] secret = new byte[32];
        HashRatchet last = new HashRatchet(SUITE, RatchetWindow.DEFAULT, secret.clone(), HashRatchet.MAX_GENERATION);
        try (RatchetKey k = last.next()) {
            assertEquals(HashRatchet.MAX_GENERATION, k.generation());
        }
        assertRule(ScheduleRule.GENERATION_EXHAUSTED, last::next);

        HashRatchet receiving = new HashRatchet(SUITE, RatchetWindow.DEFAULT, secret.clone(),
                HashRatchet.MAX_GENERATION - 2);
        assertEquals(HashRatchet.MAX_GENERATION,
                receiving.open(HashRatchet.MAX_GENERATION, RatchetKey::generation).longValue());
        assertEquals(2, receiving.retainedCount());
        assertRule(ScheduleRule.GENERATION_EXHAUSTED, receiving::next);
        receiving.open(HashRatchet.MAX_GENERATION - 1, RatchetKey::generation);
        receiving.destroy();
        assertEquals(0, receiving.retainedCount());
    }

    @Test
    void destroyedTreeIsUnusable() {
        SecretTree t = tree(4, RatchetWindow.DEFAULT);
        RatchetKey kept = t.next(0, RatchetType.APPLICATION);
        t.take(1, RatchetType.APPLICATION, 4).close();
        t.destroy();
        assertTrue(t.isDestroyed());
        assertThrows(InternalException.class, () -> t.next(0, RatchetType.APPLICATION));
        assertThrows(InternalException.class, () -> t.take(1, RatchetType.APPLICATION, 2));
        // A key already handed out belongs to its holder until closed.
        assertEquals(SUITE.aeadKeyLength(), kept.key().reveal().length);
        kept.close();
        assertThrows(InternalException.class, () -> kept.key().reveal());
        assertTrue(kept.toString().contains("redacted"));
    }

    @Test
    void creatingTheTreeConsumesTheEncryptionSecret() {
        EncryptionSecret root = new EncryptionSecret(ROOT.clone());
        try (SecretTree t = SecretTree.create(SUITE, root, 1, RatchetWindow.DEFAULT)) {
            assertTrue(root.isDestroyed());
            assertSame(RatchetWindow.DEFAULT, t.window());
            t.next(0, RatchetType.HANDSHAKE).close();
            assertEquals(0, t.storedNodeSecrets(), "a one-leaf tree's root is its leaf");
        }
        assertThrows(InternalException.class,
                () -> SecretTree.create(SUITE, new EncryptionSecret(ROOT.clone()), 0, RatchetWindow.DEFAULT));
        assertThrows(InternalException.class, () -> new RatchetWindow(-1, 10));
    }
}
