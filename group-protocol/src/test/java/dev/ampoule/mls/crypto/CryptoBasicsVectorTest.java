package dev.ampoule.mls.crypto;

import static dev.ampoule.mls.vectors.TestVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** crypto-basics.json: the labelled primitives of RFC 9420 §5 and §8, per suite. */
@ExtendWith(VectorTally.class)
class CryptoBasicsVectorTest {

    static final String FILE = "crypto-basics.json";

    record RefHash(String label, byte[] out, byte[] value) {}

    record ExpandWithLabel(byte[] secret, String label, byte[] context, int length, byte[] out) {}

    record DeriveSecret(byte[] secret, String label, byte[] out) {}

    record DeriveTreeSecret(byte[] secret, String label, long generation, int length, byte[] out) {}

    record SignWithLabel(byte[] priv, byte[] pub, byte[] content, String label, byte[] signature) {}

    record EncryptWithLabel(byte[] priv, byte[] pub, String label, byte[] context, byte[] plaintext,
            byte[] kemOutput, byte[] ciphertext) {}

    record Case(int cipherSuite, RefHash refHash, ExpandWithLabel expandWithLabel, DeriveSecret deriveSecret,
            DeriveTreeSecret deriveTreeSecret, SignWithLabel signWithLabel, EncryptWithLabel encryptWithLabel) {
        @Override
        public String toString() {
            return "suite " + cipherSuite;
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void labelledPrimitives(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());

        assertArrayEquals(c.refHash().out(), suite.refHash(c.refHash().label(), c.refHash().value()));

        ExpandWithLabel e = c.expandWithLabel();
        assertArrayEquals(e.out(), suite.expandWithLabel(e.secret(), e.label(), e.context(), e.length()));

        DeriveSecret d = c.deriveSecret();
        assertArrayEquals(d.out(), suite.deriveSecret(d.secret(), d.label()));

        DeriveTreeSecret t = c.deriveTreeSecret();
        assertArrayEquals(t.out(), suite.deriveTreeSecret(t.secret(), t.label(), t.generation(), t.length()));

        SignWithLabel s = c.signWithLabel();
        SignaturePublicKey pub = new SignaturePublicKey(s.pub());
        SignaturePrivateKey priv = new SignaturePrivateKey(s.priv().clone());
        assertEquals(pub, suite.signaturePublicKey(priv), "public key derived from the private key");
        assertTrue(suite.verifyWithLabel(pub, s.label(), s.content(), s.signature()), "given signature");
        byte[] fresh = suite.signWithLabel(priv, s.label(), s.content());
        assertTrue(suite.verifyWithLabel(pub, s.label(), s.content(), fresh), "fresh signature");
        assertFalse(suite.verifyWithLabel(pub, s.label() + "x", s.content(), fresh), "other label");
        byte[] flipped = s.signature().clone();
        flipped[flipped.length / 2] ^= 0x01;
        assertFalse(suite.verifyWithLabel(pub, s.label(), s.content(), flipped), "bit-flipped signature");

        EncryptWithLabel x = c.encryptWithLabel();
        HpkeKeyPair kp = new HpkeKeyPair(new HpkePrivateKey(x.priv().clone()), new HpkePublicKey(x.pub()));
        assertEquals(kp.publicKey(), suite.hpkePublicKey(kp.privateKey()), "HPKE public key from private");
        HpkeCiphertext given = new HpkeCiphertext(x.kemOutput(), x.ciphertext());
        assertArrayEquals(x.plaintext(), suite.decryptWithLabel(kp, x.label(), x.context(), given));
        HpkeCiphertext sealed = suite.encryptWithLabel(kp.publicKey(), x.label(), x.context(), x.plaintext());
        assertArrayEquals(x.plaintext(), suite.decryptWithLabel(kp, x.label(), x.context(), sealed));
        assertThrows(ValidationException.class,
                () -> suite.decryptWithLabel(kp, x.label() + "x", x.context(), sealed), "other label");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aeadRoundTripAndTamper(Case c) {
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        byte[] key = suite.randomBytes(suite.aeadKeyLength());
        byte[] nonce = suite.randomBytes(suite.aeadNonceLength());
        byte[] aad = "aad".getBytes(StandardCharsets.US_ASCII);
        byte[] pt = suite.randomBytes(1024);
        byte[] ct = suite.aeadSeal(key, nonce, aad, pt);
        assertEquals(pt.length + 16, ct.length);
        assertArrayEquals(pt, suite.aeadOpen(key, nonce, aad, ct));
        // encrypting again under the key and nonce just used is refused: nonce reuse is a bug
        assertThrows(InternalException.class, () -> suite.aeadSeal(key, nonce, aad, pt));
        // opening under a key and nonce does not block a later, different seal on the same thread
        byte[] key2 = suite.randomBytes(suite.aeadKeyLength());
        byte[] ct2 = suite.aeadSeal(key2, nonce, aad, pt);
        assertArrayEquals(pt, suite.aeadOpen(key2, nonce, aad, ct2));
        assertArrayEquals(pt, suite.aeadOpen(key, nonce, aad, ct));
        byte[] other = suite.aeadSeal(key, suite.randomBytes(suite.aeadNonceLength()), aad, pt);
        assertEquals(ct.length, other.length);
        byte[] tampered = ct.clone();
        tampered[3] ^= 0x40;
        var err = assertThrows(ValidationException.class, () -> suite.aeadOpen(key, nonce, aad, tampered));
        assertEquals(CryptoRule.AEAD_OPEN_FAILED, err.rule());
        assertThrows(ValidationException.class, () -> suite.aeadOpen(key, nonce, new byte[0], ct));
        assertThrows(ValidationException.class, () -> suite.aeadOpen(key, nonce, aad, new byte[5]));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void hpkeDeriveIsDeterministicAndKeysRoundTrip(Case c) {
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        byte[] ikm = hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        HpkeKeyPair a = suite.deriveHpkeKeyPair(ikm);
        HpkeKeyPair b = suite.deriveHpkeKeyPair(ikm);
        assertEquals(a.publicKey(), b.publicKey());
        assertEquals(a.publicKey(), suite.hpkePublicKey(a.privateKey()));
        SignatureKeyPair sk = suite.generateSignatureKeyPair();
        assertEquals(sk.publicKey(), suite.signaturePublicKey(sk.privateKey()));
        byte[] sig = suite.sign(sk.privateKey(), ikm);
        assertTrue(suite.verify(sk.publicKey(), ikm, sig));
        assertFalse(suite.verify(sk.publicKey(), ikm, new byte[3]), "malformed signature is simply invalid");
        assertFalse(suite.verify(new SignaturePublicKey(new byte[7]), ikm, sig), "malformed key is invalid");
        HpkeExport sent = suite.hpkeExportSend(a.publicKey(), new byte[0], ikm, suite.hashLength());
        Secret received = suite.hpkeExportReceive(a, sent.kemOutput(), new byte[0], ikm, suite.hashLength());
        assertTrue(received.sameValue(sent.exported()), "HPKE export agrees on both sides");
        assertFalse(suite.hpkeExportReceive(a, sent.kemOutput(), new byte[0], new byte[1], suite.hashLength())
                .sameValue(sent.exported()), "other exporter context, other secret");
        var bad = assertThrows(ValidationException.class,
                () -> suite.hpkeSeal(new HpkePublicKey(new byte[3]), new byte[0], new byte[0], new byte[1]));
        assertEquals(CryptoRule.INVALID_HPKE_PUBLIC_KEY, bad.rule());
    }
}
