package dev.ampoule.mls.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ownership and erasure of the key schedule's secrets, and the checks it offers (RFC 9420 §8). */
class KeyScheduleTest {

    static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);

    static GroupContext context(long epoch) {
        return new GroupContext(1, new byte[] {1, 2, 3}, epoch, new byte[32], new byte[32], List.of());
    }

    static EpochKeys step() {
        return KeySchedule.advance(SUITE, new InitSecret(new byte[32]), KeySchedule.zeroCommitSecret(SUITE),
                PreSharedKeys.none(SUITE), context(1));
    }

    @Test
    void destroyedEpochSecretsAreUnusable() {
        EpochKeys keys = step();
        EpochSecrets s = keys.epochSecrets();
        s.externalPub();
        byte[] exported = s.exporter("test", new byte[0], 16);
        assertEquals(16, exported.length);
        keys.close();
        assertTrue(s.isDestroyed());
        assertTrue(keys.joinerSecret().isDestroyed());
        assertTrue(keys.welcomeSecret().isDestroyed());
        for (Secret secret : List.of(s.senderDataSecret(), s.encryptionSecret(), s.exporterSecret(),
                s.externalSecret(), s.confirmationKey(), s.membershipKey(), s.resumptionPsk(),
                s.epochAuthenticator(), s.initSecret(), s.externalKeyPair().privateKey())) {
            assertTrue(secret.isDestroyed(), secret.toString());
            assertThrows(InternalException.class, secret::reveal);
        }
        assertThrows(InternalException.class, () -> s.exporter("test", new byte[0], 16));
        assertThrows(InternalException.class, () -> s.confirmationTag(new byte[32]));
        assertThrows(InternalException.class, () -> s.membershipTag(new byte[8]));
        assertThrows(InternalException.class, () -> s.senderDataKeyAndNonce(new byte[40]));
        assertThrows(InternalException.class, () -> s.newSecretTree(2, RatchetWindow.DEFAULT));
        assertThrows(InternalException.class, () -> KeySchedule.joinerSecret(SUITE, s.initSecret(),
                KeySchedule.zeroCommitSecret(SUITE), context(2)));
    }

    @Test
    void welcomeSecretsCanBeReleasedAlone() {
        EpochKeys keys = step();
        EpochSecrets s = keys.releaseWelcomeSecrets();
        assertTrue(keys.joinerSecret().isDestroyed());
        assertFalse(s.isDestroyed());
        s.close();
    }

    @Test
    void epochSecretIsConsumed() {
        EpochSecret epoch = new EpochSecret(SUITE.randomBytes(32));
        try (EpochSecrets s = EpochSecrets.fromEpochSecret(SUITE, epoch)) {
            assertTrue(epoch.isDestroyed());
            assertEquals(32, s.initSecret().length());
        }
    }

    @Test
    void secretTreeTakesTheEncryptionSecret() {
        try (EpochKeys keys = step()) {
            EpochSecrets s = keys.epochSecrets();
            byte[] root = s.encryptionSecret().copy();
            try (SecretTree tree = s.newSecretTree(3, RatchetWindow.DEFAULT);
                    SecretTree same = SecretTree.create(SUITE, new EncryptionSecret(root), 3, RatchetWindow.DEFAULT);
                    RatchetKey a = tree.next(2, RatchetType.APPLICATION);
                    RatchetKey b = same.next(2, RatchetType.APPLICATION)) {
                assertTrue(s.encryptionSecret().isDestroyed());
                assertArrayEquals(a.key().reveal(), b.key().reveal());
            }
            assertThrows(InternalException.class, () -> s.newSecretTree(3, RatchetWindow.DEFAULT),
                    "the encryption secret moves only once");
        }
    }

    @Test
    void confirmationTagIsChecked() {
        try (EpochKeys keys = step()) {
            EpochSecrets s = keys.epochSecrets();
            byte[] cth = SUITE.hash(new byte[] {9});
            byte[] tag = s.confirmationTag(cth);
            assertArrayEquals(SUITE.mac(s.confirmationKey().reveal(), cth), tag);
            s.verifyConfirmationTag(cth, tag);
            byte[] bad = tag.clone();
            bad[0] ^= 1;
            ValidationException e = assertThrows(ValidationException.class, () -> s.verifyConfirmationTag(cth, bad));
            assertEquals(ScheduleRule.CONFIRMATION_TAG_MISMATCH, e.rule());
            assertThrows(ValidationException.class, () -> s.verifyConfirmationTag(cth, Arrays.copyOf(tag, 31)));
            assertArrayEquals(SUITE.mac(s.membershipKey().reveal(), cth), s.membershipTag(cth));
        }
    }

    @Test
    void joinerPathMatchesCommitterPathAndDependsOnEveryInput() {
        try (EpochKeys keys = step()) {
            PskSecret noPsk = PreSharedKeys.none(SUITE);
            try (EpochSecrets joined = KeySchedule.epochSecrets(SUITE, keys.joinerSecret(), noPsk, context(1));
                    KeyAndNonce w1 = KeySchedule.welcomeKeyAndNonce(SUITE, keys.welcomeSecret());
                    KeyAndNonce w2 = KeySchedule.welcomeKeyAndNonce(SUITE,
                            KeySchedule.welcomeSecret(SUITE, keys.joinerSecret(), noPsk))) {
                assertTrue(joined.epochAuthenticator().sameValue(keys.epochSecrets().epochAuthenticator()));
                assertEquals(joined.externalPub(), keys.epochSecrets().externalPub());
                assertEquals(SUITE.aeadKeyLength(), w1.key().length());
                assertEquals(SUITE.aeadNonceLength(), w1.nonce().length());
                assertTrue(w1.key().sameValue(w2.key()));
                assertTrue(w1.nonce().sameValue(w2.nonce()));
            }
            PskSecret otherPsk = new PskSecret(new byte[32]);
            otherPsk.reveal()[0] = 1;
            try (EpochSecrets withPsk = KeySchedule.epochSecrets(SUITE, keys.joinerSecret(), otherPsk, context(1));
                    EpochSecrets otherContext = KeySchedule.epochSecrets(SUITE, keys.joinerSecret(), noPsk,
                            context(2))) {
                assertFalse(withPsk.epochAuthenticator().sameValue(keys.epochSecrets().epochAuthenticator()));
                assertFalse(otherContext.epochAuthenticator().sameValue(keys.epochSecrets().epochAuthenticator()));
            }
            assertFalse(keys.joinerSecret().isDestroyed(), "arguments stay the caller's");
        }
    }

    @Test
    void senderDataSampleIsAtMostHashLength() {
        SenderDataSecret sds = new SenderDataSecret(SUITE.randomBytes(32));
        byte[] ct = SUITE.randomBytes(100);
        try (KeyAndNonce full = KeySchedule.senderDataKeyAndNonce(SUITE, sds, ct);
                KeyAndNonce prefix = KeySchedule.senderDataKeyAndNonce(SUITE, sds, Arrays.copyOf(ct, 32));
                KeyAndNonce shorter = KeySchedule.senderDataKeyAndNonce(SUITE, sds, Arrays.copyOf(ct, 31))) {
            assertTrue(full.key().sameValue(prefix.key()), "only the first KDF.Nh bytes count");
            assertTrue(full.nonce().sameValue(prefix.nonce()));
            assertFalse(full.key().sameValue(shorter.key()), "a shorter ciphertext is used whole");
        }
    }

    @Test
    void exporterDependsOnLabelContextAndLength() {
        try (EpochKeys keys = step()) {
            EpochSecrets s = keys.epochSecrets();
            byte[] a = s.exporter("a", new byte[] {1}, 32);
            assertArrayEquals(a, s.exporter("a".getBytes(), new byte[] {1}, 32));
            assertFalse(Arrays.equals(a, s.exporter("b", new byte[] {1}, 32)));
            assertFalse(Arrays.equals(a, s.exporter("a", new byte[] {2}, 32)));
            assertEquals(64, s.exporter("a", new byte[] {1}, 64).length);
        }
    }

    @Test
    void secretsNeverPrintTheirValue() {
        try (EpochKeys keys = step()) {
            assertTrue(keys.toString().contains("redacted"));
            assertFalse(keys.epochSecrets().toString().contains("0"));
        }
    }
}
