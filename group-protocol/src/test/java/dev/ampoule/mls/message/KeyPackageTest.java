package dev.ampoule.mls.message;

import static dev.ampoule.mls.message.Fixtures.SUITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.Rule;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** KeyPackage signing, validation (RFC 9420 §10, §10.1) and KeyPackageRef (§5.2). */
class KeyPackageTest {

    @Test
    void freshKeyPackageValidatesAndRoundTrips() {
        KeyPackage kp = Fixtures.client("alice").keyPackage();
        kp.validate(SUITE);
        KeyPackage decoded = TlsReader.decodeExactly(kp.toBytes(), KeyPackage::decode);
        assertEquals(kp, decoded);
        assertArrayEquals(kp.toBytes(), decoded.toBytes());
        assertEquals(kp.ref(SUITE), decoded.ref(SUITE));
        assertEquals(SUITE.hashLength(), kp.ref(SUITE).value().length);
        assertArrayEquals(SUITE.refHash("MLS 1.0 KeyPackage Reference", kp.toBytes()), kp.ref(SUITE).value());
        assertNotEquals(kp.ref(SUITE), Fixtures.client("alice").keyPackage().ref(SUITE));
    }

    @Test
    void validationRefusesEachBrokenRule() {
        Fixtures.Client c = Fixtures.client("bob");
        KeyPackage kp = c.keyPackage();

        byte[] sig = kp.signature().clone();
        sig[0] ^= 1;
        assertRule(MessageRule.KEY_PACKAGE_SIGNATURE, with(kp, kp.version(), kp.cipherSuite(), kp.leafNode(), sig));
        assertRule(MessageRule.KEY_PACKAGE_VERSION, with(kp, 2, kp.cipherSuite(), kp.leafNode(), kp.signature()));
        assertRule(MessageRule.KEY_PACKAGE_CIPHER_SUITE, with(kp, kp.version(), 2, kp.leafNode(), kp.signature()));

        // signed correctly, but with an update-sourced leaf
        LeafNode updateLeaf = Fixtures.updateLeaf(c, new byte[] {1}, 0);
        assertRule(MessageRule.KEY_PACKAGE_LEAF_SOURCE,
                KeyPackage.create(SUITE, c.signatureKey().privateKey(), kp.initKey(), updateLeaf, List.of()));

        // init key equal to the leaf's encryption key
        assertRule(MessageRule.KEY_PACKAGE_INIT_KEY_REUSED, KeyPackage.create(SUITE, c.signatureKey().privateKey(),
                kp.leafNode().encryptionKey(), kp.leafNode(), List.of()));

        // a leaf whose own signature is broken, inside a correctly signed KeyPackage
        byte[] leafSig = kp.leafNode().signature().clone();
        leafSig[3] ^= 1;
        assertRule(MessageRule.KEY_PACKAGE_LEAF_SIGNATURE, KeyPackage.create(SUITE, c.signatureKey().privateKey(),
                kp.initKey(), kp.leafNode().withSignature(leafSig), List.of()));
        assertTrue(kp.leafNode().source() instanceof LeafNodeSource.KeyPackage);
    }

    @Test
    void extensionsAreSignedAndKept() {
        Fixtures.Client c = Fixtures.client("carol");
        KeyPackage kp = KeyPackage.create(SUITE, c.signatureKey().privateKey(), c.keyPackage().initKey(),
                c.keyPackage().leafNode(), List.of(new Extension(0x0A0A, new byte[] {1, 2})));
        kp.validate(SUITE);
        KeyPackage stripped = new KeyPackage(kp.version(), kp.cipherSuite(), kp.initKey(), kp.leafNode(), List.of(),
                kp.signature());
        assertFalse(stripped.verifySignature(SUITE));
        assertFalse(kp.verifySignature(BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)));
    }

    private static KeyPackage with(KeyPackage kp, int version, int suite, LeafNode leaf, byte[] sig) {
        return new KeyPackage(version, suite, kp.initKey(), leaf, kp.extensions(), sig);
    }

    private static void assertRule(Rule rule, KeyPackage kp) {
        var e = assertThrows(ValidationException.class, () -> kp.validate(SUITE));
        assertEquals(rule, e.rule());
    }
}
