package dev.ampoule.mls.crypto.bc;

import static dev.ampoule.mls.vectors.TestVectors.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import org.junit.jupiter.api.Test;

/**
 * EdDSA signing derives each private key object's public key once and reuses it: signatures must
 * stay exactly those of RFC 8032 (§7.1 TEST 1 and 2, §7.4 "Blank") however keys are reused.
 */
class EdDsaSigningTest {

    private static final CipherSuite ED25519 = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    private static final CipherSuite ED448 = BcCipherSuites.of(CipherSuiteId.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448);

    private static final byte[] SK1 = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    private static final byte[] PK1 = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    private static final byte[] SIG1 = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    private static final byte[] SK2 = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    private static final byte[] PK2 = hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    private static final byte[] MSG2 = hex("72");
    private static final byte[] SIG2 = hex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");

    @Test
    void ed25519SignaturesMatchRfc8032WhenTheKeyIsReused() {
        SignaturePrivateKey key1 = new SignaturePrivateKey(SK1.clone());
        SignaturePrivateKey key2 = new SignaturePrivateKey(SK2.clone());
        for (int round = 0; round < 3; round++) {
            assertArrayEquals(SIG1, ED25519.sign(key1, new byte[0]), "TEST 1, round " + round);
            assertArrayEquals(SIG2, ED25519.sign(key2, MSG2), "TEST 2, round " + round);
        }
        assertEquals(new SignaturePublicKey(PK1), ED25519.signaturePublicKey(key1));
        assertEquals(new SignaturePublicKey(PK2), ED25519.signaturePublicKey(key2));
    }

    @Test
    void theReturnedPublicKeyIsACopy() {
        SignaturePrivateKey key = new SignaturePrivateKey(SK1.clone());
        ED25519.signaturePublicKey(key).bytes()[0] ^= 0x01;
        assertEquals(new SignaturePublicKey(PK1), ED25519.signaturePublicKey(key));
        assertArrayEquals(SIG1, ED25519.sign(key, new byte[0]));
    }

    @Test
    void aGeneratedKeySignsWithItsOwnPublicKey() {
        var pair = ED25519.generateSignatureKeyPair();
        byte[] message = hex("0102030405");
        byte[] viaGenerated = ED25519.sign(pair.privateKey(), message);
        byte[] viaLoaded = ED25519.sign(new SignaturePrivateKey(pair.privateKey().copy()), message);
        assertArrayEquals(viaLoaded, viaGenerated, "Ed25519 is deterministic");
        assertTrue(ED25519.verify(pair.publicKey(), message, viaGenerated));
    }

    @Test
    void aDestroyedKeyCannotSignEvenAfterUse() {
        SignaturePrivateKey key = new SignaturePrivateKey(SK1.clone());
        ED25519.sign(key, new byte[0]);
        key.destroy();
        assertThrows(InternalException.class, () -> ED25519.sign(key, new byte[0]));
        assertThrows(InternalException.class, () -> ED25519.signaturePublicKey(key));
    }

    @Test
    void aKeyOfTheWrongLengthIsRefused() {
        var e = assertThrows(ValidationException.class,
                () -> ED25519.sign(new SignaturePrivateKey(new byte[31]), new byte[0]));
        assertEquals(CryptoRule.INVALID_SIGNATURE_KEY, e.rule());
        var e448 = assertThrows(ValidationException.class,
                () -> ED448.sign(new SignaturePrivateKey(SK1.clone()), new byte[0]));
        assertEquals(CryptoRule.INVALID_SIGNATURE_KEY, e448.rule());
    }

    @Test
    void ed448SignatureMatchesRfc8032WhenTheKeyIsReused() {
        SignaturePrivateKey key = new SignaturePrivateKey(hex(
                "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3"
                + "528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b"));
        byte[] pk = hex("5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778"
                + "edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180");
        byte[] sig = hex("533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f"
                + "2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a"
                + "9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4db"
                + "b61149f05a7363268c71d95808ff2e652600");
        for (int round = 0; round < 2; round++) {
            assertArrayEquals(sig, ED448.sign(key, new byte[0]), "Blank, round " + round);
        }
        assertEquals(new SignaturePublicKey(pk), ED448.signaturePublicKey(key));
    }
}
