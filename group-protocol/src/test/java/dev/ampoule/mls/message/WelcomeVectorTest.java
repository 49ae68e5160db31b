package dev.ampoule.mls.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.codec.Decoder;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.JoinerSecret;
import dev.ampoule.mls.schedule.KeySchedule;
import dev.ampoule.mls.schedule.PreSharedKeys;
import dev.ampoule.mls.schedule.PskSecret;
import dev.ampoule.mls.schedule.WelcomeSecret;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * welcome.json (RFC 9420 §12.4.3.1): find the entry for the KeyPackage, decrypt the GroupSecrets
 * with the init key, decrypt the GroupInfo with the welcome_secret (no PSKs), verify its signature
 * and recompute its confirmation tag from the key schedule started at the joiner_secret. Then build
 * a Welcome of our own for the same KeyPackage and GroupInfo and open it again.
 */
@ExtendWith(VectorTally.class)
class WelcomeVectorTest {

    static final String FILE = "welcome.json";

    record Case(int cipherSuite, byte[] initPriv, byte[] keyPackage, byte[] signerPub, byte[] welcome) {
        @Override
        public String toString() {
            return "suite " + cipherSuite;
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    /** The body of an MLSMessage (version mls10, then the wire format) — framing sits above this package. */
    static <T> T unwrap(byte[] mlsMessage, int wireFormat, Decoder<T> decoder) {
        return TlsReader.decodeExactly(mlsMessage, r -> {
            assertEquals(1, r.u16(), "version mls10");
            assertEquals(wireFormat, r.u16(), "wire format");
            return decoder.decode(r);
        });
    }

    @ParameterizedTest
    @MethodSource("cases")
    void joinFromWelcome(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        KeyPackage keyPackage = unwrap(c.keyPackage(), 5, KeyPackage::decode);
        Welcome welcome = unwrap(c.welcome(), 3, Welcome::decode);
        assertTrue(keyPackage.verifySignature(suite), "KeyPackage signature");
        HpkeKeyPair init = new HpkeKeyPair(new HpkePrivateKey(c.initPriv().clone()), keyPackage.initKey());
        SignaturePublicKey signer = new SignaturePublicKey(c.signerPub());

        GroupInfo groupInfo = join(suite, welcome, keyPackage, init, signer);

        // our own Welcome for the same member and GroupInfo, under a fresh joiner secret (a fresh
        // welcome key: the JDK's ChaCha20-Poly1305 refuses to encrypt under the key and nonce it
        // has just decrypted with)
        GroupSecrets ours = new GroupSecrets(new JoinerSecret(suite.randomBytes(suite.hashLength())),
                Optional.of(new PathSecret(suite.randomBytes(suite.hashLength()))), List.of());
        WelcomeSecret welcomeSecret = KeySchedule.welcomeSecret(suite, ours.joinerSecret(), noPsk(suite));
        Welcome created = Welcome.create(suite, welcomeSecret, groupInfo,
                List.of(new Welcome.NewMember(keyPackage, ours)));
        Welcome reparsed = TlsReader.decodeExactly(created.toBytes(), Welcome::decode);
        assertEquals(keyPackage.ref(suite), reparsed.secrets().get(0).newMember());
        GroupSecrets opened = reparsed.decryptGroupSecrets(suite, keyPackage, init);
        assertTrue(opened.joinerSecret().sameValue(ours.joinerSecret()), "joiner_secret");
        assertTrue(opened.pathSecret().orElseThrow().sameValue(ours.pathSecret().orElseThrow()), "path_secret");
        assertArrayEquals(ours.toBytes(), opened.toBytes());
        GroupInfo reopened = reparsed.decryptGroupInfo(suite,
                KeySchedule.welcomeSecret(suite, opened.joinerSecret(), noPsk(suite)));
        assertEquals(groupInfo, reopened);
        reopened.checkSignature(suite, signer);

        // a Welcome that does not name this KeyPackage, and a tampered GroupInfo
        Welcome notForUs = new Welcome(welcome.cipherSuite(), List.of(), welcome.encryptedGroupInfo());
        var none = assertThrows(ValidationException.class,
                () -> notForUs.decryptGroupSecrets(suite, keyPackage, init));
        assertEquals(MessageRule.WELCOME_NOT_FOR_US, none.rule());
        byte[] tampered = welcome.encryptedGroupInfo().clone();
        tampered[tampered.length - 1] ^= 1;
        var bad = assertThrows(ValidationException.class,
                () -> new Welcome(welcome.cipherSuite(), welcome.secrets(), tampered)
                        .decryptGroupSecrets(suite, keyPackage, init));
        assertEquals(CryptoRule.HPKE_OPEN_FAILED, bad.rule(), "encrypted_group_info is the HPKE context");
    }

    /** The joiner's steps; returns the verified GroupInfo. */
    private static GroupInfo join(CipherSuite suite, Welcome welcome, KeyPackage keyPackage, HpkeKeyPair init,
            SignaturePublicKey signer) {
        GroupSecrets secrets = welcome.decryptGroupSecrets(suite, keyPackage, init);
        assertTrue(secrets.psks().isEmpty(), "no PSKs in these vectors");
        PskSecret psk = noPsk(suite);
        WelcomeSecret welcomeSecret = KeySchedule.welcomeSecret(suite, secrets.joinerSecret(), psk);
        GroupInfo groupInfo = welcome.decryptGroupInfo(suite, welcomeSecret);
        assertEquals(welcome.cipherSuite(), groupInfo.groupContext().cipherSuite());
        groupInfo.checkSignature(suite, signer);
        try (EpochSecrets epoch = KeySchedule.epochSecrets(suite, secrets.joinerSecret(), psk,
                groupInfo.groupContext())) {
            assertArrayEquals(groupInfo.confirmationTag(),
                    epoch.confirmationTag(groupInfo.groupContext().confirmedTranscriptHash()), "confirmation_tag");
        }
        var forged = new GroupInfo(groupInfo.groupContext(), groupInfo.extensions(), groupInfo.confirmationTag(),
                groupInfo.signer() + 1, groupInfo.signature());
        var bad = assertThrows(ValidationException.class, () -> forged.checkSignature(suite, signer));
        assertEquals(MessageRule.GROUP_INFO_SIGNATURE, bad.rule());
        secrets.destroy();
        assertTrue(secrets.joinerSecret().isDestroyed());
        return groupInfo;
    }

    private static PskSecret noPsk(CipherSuite suite) {
        return PreSharedKeys.none(suite);
    }
}
