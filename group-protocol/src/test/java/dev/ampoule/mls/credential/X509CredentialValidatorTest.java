package dev.ampoule.mls.credential;

import static dev.ampoule.mls.credential.TestPki.CLOCK;
import static dev.ampoule.mls.credential.TestPki.NOW;
import static dev.ampoule.mls.credential.TestPki.credential;
import static dev.ampoule.mls.credential.TestPki.credentialOfDer;
import static dev.ampoule.mls.credential.TestPki.encoded;
import static dev.ampoule.mls.credential.TestPki.issue;
import static dev.ampoule.mls.credential.TestPki.spkiOf;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.credential.TestPki.Ca;
import dev.ampoule.mls.error.ValidationException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** X.509 credential validation (RFC 9420 §5.3, §5.3.1, §5.3.2) against a PKI generated per run. */
class X509CredentialValidatorTest {

    static final CipherSuiteId ED25519 = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    static final CipherSuiteId P256 = CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256;

    /** Root → intermediate → member leaf, for one suite; CA keys deliberately of another family at times. */
    record Pki(CipherSuiteId suite, Ca root, Ca inter, SignatureKeyPair member, X509Certificate leaf) {
        CipherSuite cipherSuite() {
            return BcCipherSuites.of(suite);
        }

        SignaturePublicKey key() {
            return member.publicKey();
        }

        X509CredentialValidator validator() {
            return X509CredentialValidator.builder().trustAnchor(root.cert()).clock(CLOCK).build();
        }

        TestPki.Issue leafLike(String subject) {
            return issue(subject, spkiOf(key(), suite)).by(inter).keyUsage(KeyUsage.digitalSignature).notCa();
        }
    }

    private static final Map<CipherSuiteId, Pki> PKIS = new EnumMap<>(CipherSuiteId.class);

    static synchronized Pki pki(CipherSuiteId suite) {
        return PKIS.computeIfAbsent(suite, s -> {
            boolean edCas = s == ED25519 || s == CipherSuiteId.MLS_256_DHKEMP384_AES256GCM_SHA384_P384;
            Ca root = TestPki.root("CN=Ampoule Root " + s.wire() + ",O=Ampoule", edCas ? TestPki.ed25519() : TestPki.p256());
            Ca inter = TestPki.intermediate("CN=Ampoule Devices " + s.wire() + ",O=Ampoule",
                    edCas ? TestPki.ed25519() : TestPki.p256(), root);
            SignatureKeyPair member = BcCipherSuites.of(s).generateSignatureKeyPair();
            X509Certificate leaf = issue("CN=alice-phone,O=Ampoule", spkiOf(member.publicKey(), s)).by(inter)
                    .keyUsage(KeyUsage.digitalSignature).notCa().build();
            return new Pki(s, root, inter, member, leaf);
        });
    }

    static ValidationException rejects(CredentialRule rule, Executable validation) {
        ValidationException e = assertThrows(ValidationException.class, validation);
        assertEquals(rule, e.rule(), e.getMessage());
        return e;
    }

    static void validate(X509CredentialValidator v, Credential c, Pki p) {
        v.validate(c, p.key(), p.suite(), CredentialContext.KEY_PACKAGE);
    }

    // ---- accepted ---------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = CipherSuiteId.class, names = {"MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
            "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448",
            "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", "MLS_256_DHKEMP521_AES256GCM_SHA512_P521"})
    void validChainIsAccepted(CipherSuiteId suite) {
        Pki p = pki(suite);
        X509CredentialValidator v = p.validator();
        for (CredentialContext context : CredentialContext.values()) {
            assertDoesNotThrow(() -> v.validate(credential(p.leaf(), p.inter().cert()), p.key(), suite, context));
        }
        // The key in the certificate is the one that verifies MLS signatures of the member.
        byte[] sig = p.cipherSuite().signWithLabel(p.member().privateKey(), "LeafNodeTBS", new byte[] {1, 2});
        assertTrue(p.cipherSuite().verifyWithLabel(p.key(), "LeafNodeTBS", new byte[] {1, 2}, sig));
    }

    @Test
    void chainCarryingItsRootIsAccepted() {
        Pki p = pki(ED25519);
        assertDoesNotThrow(() -> validate(p.validator(), credential(p.leaf(), p.inter().cert(), p.root().cert()), p));
    }

    @Test
    void intermediateTrustedDirectlyCutsThePath() {
        Pki p = pki(P256);
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.inter().cert()).clock(CLOCK).build();
        assertDoesNotThrow(() -> validate(v, credential(p.leaf(), p.inter().cert()), p));
        assertDoesNotThrow(() -> validate(v, credential(p.leaf()), p));
    }

    @Test
    void leafIssuedByTheAnchorItselfIsAccepted() {
        Pki p = pki(ED25519);
        X509Certificate leaf = issue("CN=bob-laptop", spkiOf(p.key(), ED25519)).by(p.root()).build();
        assertDoesNotThrow(() -> validate(p.validator(), credential(leaf), p));
    }

    @Test
    void omittedIntermediateIsCompletedFromConfiguration() {
        Pki p = pki(P256);
        rejects(CredentialRule.UNTRUSTED_CHAIN, () -> validate(p.validator(), credential(p.leaf()), p));
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert())
                .intermediate(p.inter().cert()).clock(CLOCK).build();
        assertDoesNotThrow(() -> validate(v, credential(p.leaf()), p));
    }

    @Test
    void leafWithoutKeyUsageOrBasicConstraintsIsAccepted() {
        Pki p = pki(ED25519);
        X509Certificate bare = issue("CN=alice-phone", spkiOf(p.key(), ED25519)).by(p.inter()).build();
        assertDoesNotThrow(() -> validate(p.validator(), credential(bare, p.inter().cert()), p));
    }

    // ---- trust ------------------------------------------------------------------------------------

    @Test
    void wrongTrustAnchorIsRejected() {
        Pki p = pki(ED25519);
        Ca other = TestPki.root("CN=Some Other Root", TestPki.ed25519());
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(other.cert()).clock(CLOCK).build();
        ValidationException e = rejects(CredentialRule.UNTRUSTED_CHAIN,
                () -> validate(v, credential(p.leaf(), p.inter().cert()), p));
        assertTrue(e.getMessage().contains("certificate 1"));
    }

    @Test
    void impostorRootWithTheSameNameIsRejected() {
        Pki p = pki(ED25519);
        Ca impostor = TestPki.root(p.root().name(), TestPki.ed25519());
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(impostor.cert()).clock(CLOCK).build();
        rejects(CredentialRule.UNTRUSTED_CHAIN, () -> validate(v, credential(p.leaf(), p.inter().cert()), p));
        // An impostor root carried in the chain is not an anchor either: the intermediate is not its.
        ValidationException e = rejects(CredentialRule.BAD_CERTIFICATE_SIGNATURE,
                () -> validate(p.validator(), credential(p.leaf(), p.inter().cert(), impostor.cert()), p));
        assertTrue(e.getMessage().contains("certificate 1"));
    }

    @Test
    void chainCarryingAReissueOfTheRootIsAccepted() {
        Pki p = pki(P256);
        // Same name and key as the anchor, other serial and an expired validity period.
        X509Certificate reissued = new TestPki.Issue(p.root().name(), TestPki.spkiOf(p.root().keys()))
                .by(p.root().name(), p.root().keys().getPrivate()).ca()
                .validity(NOW.minus(Duration.ofDays(7000)), NOW.minus(Duration.ofDays(3000))).build();
        assertDoesNotThrow(() -> validate(p.validator(), credential(p.leaf(), p.inter().cert(), reissued), p));
    }

    @Test
    void selfSignedLeafIsRejected() {
        Pki p = pki(P256);
        KeyPair own = TestPki.p256();
        X509Certificate self = issue("CN=mallory", TestPki.spkiOf(own)).by("CN=mallory", own.getPrivate()).build();
        SignaturePublicKey key = new SignaturePublicKey(TestPki.spkiOf(own).getPublicKeyData().getOctets());
        rejects(CredentialRule.UNTRUSTED_CHAIN,
                () -> p.validator().validate(credential(self), key, P256, CredentialContext.KEY_PACKAGE));
    }

    // ---- validity period ----------------------------------------------------------------------------

    @Test
    void expiredLeafIsRejected() {
        Pki p = pki(ED25519);
        X509Certificate expired = p.leafLike("CN=alice-phone")
                .validity(NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofSeconds(1))).build();
        ValidationException e = rejects(CredentialRule.CERTIFICATE_EXPIRED,
                () -> validate(p.validator(), credential(expired, p.inter().cert()), p));
        assertTrue(e.getMessage().contains("certificate 0"));
    }

    @Test
    void expiredIntermediateIsRejected() {
        Pki p = pki(P256);
        KeyPair k = TestPki.p256();
        Ca oldInter = new Ca(k, issue("CN=Old Devices", TestPki.spkiOf(k)).by(p.root()).ca()
                .validity(NOW.minus(Duration.ofDays(900)), NOW.minus(Duration.ofDays(1))).build());
        X509Certificate leaf = issue("CN=alice-phone", spkiOf(p.key(), P256)).by(oldInter).build();
        ValidationException e = rejects(CredentialRule.CERTIFICATE_EXPIRED,
                () -> validate(p.validator(), credential(leaf, oldInter.cert()), p));
        assertTrue(e.getMessage().contains("certificate 1"));
    }

    @Test
    void notYetValidLeafIsRejected() {
        Pki p = pki(P256);
        X509Certificate future = p.leafLike("CN=alice-phone")
                .validity(NOW.plus(Duration.ofMinutes(5)), NOW.plus(Duration.ofDays(30))).build();
        rejects(CredentialRule.CERTIFICATE_NOT_YET_VALID,
                () -> validate(p.validator(), credential(future, p.inter().cert()), p));
    }

    @Test
    void expiryIsToleratedOnlyInConfiguredContexts() {
        Pki p = pki(ED25519);
        X509Certificate expired = p.leafLike("CN=alice-phone")
                .validity(NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofDays(1))).build();
        Credential c = credential(expired, p.inter().cert());
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .tolerateExpiryIn(CredentialContext.TREE_MEMBER).build();
        assertDoesNotThrow(() -> v.validate(c, p.key(), ED25519, CredentialContext.TREE_MEMBER));
        rejects(CredentialRule.CERTIFICATE_EXPIRED, () -> v.validate(c, p.key(), ED25519, CredentialContext.KEY_PACKAGE));
        rejects(CredentialRule.CERTIFICATE_EXPIRED, () -> v.validate(c, p.key(), ED25519, CredentialContext.UPDATE));
    }

    @Test
    void toleratedExpiryStillRequiresAnInstantWhenAllWereValid() {
        Pki p = pki(ED25519);
        // The leaf expired before the intermediate it names became valid: never a valid path.
        KeyPair k = TestPki.ed25519();
        Ca lateInter = new Ca(k, issue("CN=Late Devices", TestPki.spkiOf(k)).by(p.root()).ca()
                .validity(NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(100))).build());
        X509Certificate leaf = issue("CN=alice-phone", spkiOf(p.key(), ED25519)).by(lateInter)
                .validity(NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofDays(20))).build();
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .tolerateExpiryIn(CredentialContext.TREE_MEMBER).build();
        rejects(CredentialRule.CERTIFICATE_NOT_YET_VALID,
                () -> v.validate(credential(leaf, lateInter.cert()), p.key(), ED25519, CredentialContext.TREE_MEMBER));
    }

    // ---- issuers ------------------------------------------------------------------------------------

    @Test
    void leafSignedByANonCaIsRejected() {
        Pki p = pki(ED25519);
        KeyPair k = TestPki.ed25519();
        // An end-entity certificate (no basicConstraints) used to issue another.
        Ca endEntity = new Ca(k, issue("CN=bob-phone", TestPki.spkiOf(k)).by(p.inter()).build());
        X509Certificate leaf = issue("CN=alice-phone", spkiOf(p.key(), ED25519)).by(endEntity).build();
        ValidationException e = rejects(CredentialRule.ISSUER_NOT_CA,
                () -> validate(p.validator(), credential(leaf, endEntity.cert(), p.inter().cert()), p));
        assertTrue(e.getMessage().contains("certificate 1"));
        // Likewise with an explicit cA=false.
        Ca explicit = new Ca(k, issue("CN=bob-phone", TestPki.spkiOf(k)).by(p.inter()).notCa().build());
        rejects(CredentialRule.ISSUER_NOT_CA,
                () -> validate(p.validator(), credential(leaf, explicit.cert(), p.inter().cert()), p));
    }

    @Test
    void issuerWithoutKeyCertSignIsRejected() {
        Pki p = pki(P256);
        KeyPair k = TestPki.p256();
        Ca signOnly = new Ca(k, issue("CN=Odd CA", TestPki.spkiOf(k)).by(p.root()).ca()
                .keyUsage(KeyUsage.digitalSignature).build());
        X509Certificate leaf = issue("CN=alice-phone", spkiOf(p.key(), P256)).by(signOnly).build();
        rejects(CredentialRule.ISSUER_KEY_USAGE, () -> validate(p.validator(), credential(leaf, signOnly.cert()), p));
    }

    @Test
    void leafWithoutDigitalSignatureUsageIsRejected() {
        Pki p = pki(P256);
        X509Certificate leaf = issue("CN=alice-phone", spkiOf(p.key(), P256)).by(p.inter())
                .keyUsage(KeyUsage.keyAgreement).build();
        rejects(CredentialRule.LEAF_KEY_USAGE, () -> validate(p.validator(), credential(leaf, p.inter().cert()), p));
    }

    @Test
    void pathLengthConstraintViolationIsRejected() {
        Pki p = pki(ED25519);
        KeyPair k1 = TestPki.ed25519();
        KeyPair k2 = TestPki.ed25519();
        Ca constrained = new Ca(k1, issue("CN=Constrained", TestPki.spkiOf(k1)).by(p.root()).ca(0).build());
        Ca below = new Ca(k2, issue("CN=Below", TestPki.spkiOf(k2)).by(constrained).ca().build());
        X509Certificate leaf = issue("CN=alice-phone", spkiOf(p.key(), ED25519)).by(below).build();
        rejects(CredentialRule.CHAIN_INVALID,
                () -> validate(p.validator(), credential(leaf, below.cert(), constrained.cert()), p));
    }

    @Test
    void unknownCriticalExtensionIsRejected() {
        Pki p = pki(ED25519);
        X509Certificate leaf = p.leafLike("CN=alice-phone").unknownCriticalExtension().build();
        rejects(CredentialRule.CHAIN_INVALID, () -> validate(p.validator(), credential(leaf, p.inter().cert()), p));
    }

    // ---- signatures -----------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = CipherSuiteId.class, names = {"MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
            "MLS_128_DHKEMP256_AES128GCM_SHA256_P256"})
    void brokenLeafSignatureIsRejected(CipherSuiteId suite) {
        Pki p = pki(suite);
        byte[] der = encoded(p.leaf());
        der[der.length - 1] ^= 0x01; // inside the signature value
        ValidationException e = rejects(CredentialRule.BAD_CERTIFICATE_SIGNATURE,
                () -> validate(p.validator(), credentialOfDer(der, encoded(p.inter().cert())), p));
        assertTrue(e.getMessage().contains("certificate 0"));
    }

    @Test
    void brokenIntermediateSignatureIsUntrusted() {
        Pki p = pki(P256);
        byte[] der = encoded(p.inter().cert());
        der[der.length - 1] ^= 0x01;
        rejects(CredentialRule.UNTRUSTED_CHAIN, () -> validate(p.validator(), credentialOfDer(encoded(p.leaf()), der), p));
    }

    @Test
    void leafSignedByAnotherKeyUnderTheIntermediateNameIsRejected() {
        Pki p = pki(ED25519);
        X509Certificate forged = issue("CN=alice-phone", spkiOf(p.key(), ED25519))
                .by(p.inter().name(), TestPki.ed25519().getPrivate()).build();
        rejects(CredentialRule.BAD_CERTIFICATE_SIGNATURE,
                () -> validate(p.validator(), credential(forged, p.inter().cert()), p));
    }

    // ---- key binding --------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = CipherSuiteId.class, names = {"MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
            "MLS_128_DHKEMP256_AES128GCM_SHA256_P256"})
    void leafKeyOtherThanThePresentedKeyIsRejected(CipherSuiteId suite) {
        Pki p = pki(suite);
        SignaturePublicKey other = p.cipherSuite().generateSignatureKeyPair().publicKey();
        ValidationException e = rejects(CredentialRule.SIGNATURE_KEY_MISMATCH, () -> p.validator()
                .validate(credential(p.leaf(), p.inter().cert()), other, suite, CredentialContext.UPDATE));
        String hex = HexFormat.of().formatHex(other.bytes());
        String leafHex = HexFormat.of().formatHex(p.key().bytes());
        assertFalse(e.getMessage().toLowerCase().contains(hex.substring(0, 16)));
        assertFalse(e.getMessage().toLowerCase().contains(leafHex.substring(0, 16)));
        assertFalse(e.getMessage().contains("alice"));
    }

    @Test
    void keyOfTheWrongAlgorithmForTheSuiteIsRejected() {
        Pki ed = pki(ED25519);
        // An Ed25519 certificate offered in a P-256 group, with the same bytes as "signature key".
        rejects(CredentialRule.SIGNATURE_ALGORITHM_MISMATCH, () -> ed.validator()
                .validate(credential(ed.leaf(), ed.inter().cert()), ed.key(), P256, CredentialContext.KEY_PACKAGE));
        // A P-384 key in a P-256 group: same algorithm OID, other curve.
        Pki p384 = pki(CipherSuiteId.MLS_256_DHKEMP384_AES256GCM_SHA384_P384);
        rejects(CredentialRule.SIGNATURE_ALGORITHM_MISMATCH, () -> p384.validator()
                .validate(credential(p384.leaf(), p384.inter().cert()), p384.key(), P256, CredentialContext.KEY_PACKAGE));
        // A P-256 key in an Ed25519 group.
        Pki p256 = pki(P256);
        rejects(CredentialRule.SIGNATURE_ALGORITHM_MISMATCH, () -> p256.validator()
                .validate(credential(p256.leaf(), p256.inter().cert()), p256.key(), ED25519, CredentialContext.UPDATE));
    }

    @Test
    void compressedPointInCertificateDoesNotMatchTheUncompressedKey() {
        Pki p = pki(P256);
        byte[] uncompressed = p.key().bytes();
        byte[] compressed = new byte[33];
        compressed[0] = (byte) (2 + (uncompressed[64] & 1));
        System.arraycopy(uncompressed, 1, compressed, 1, 32);
        X509Certificate leaf = issue("CN=alice-phone", new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(
                spkiOf(p.key(), P256).getAlgorithm(), compressed)).by(p.inter()).build();
        rejects(CredentialRule.SIGNATURE_KEY_MISMATCH, () -> validate(p.validator(), credential(leaf, p.inter().cert()), p));
    }

    // ---- form -----------------------------------------------------------------------------------------

    @Test
    void emptyChainIsRejected() {
        Pki p = pki(ED25519);
        rejects(CredentialRule.EMPTY_CHAIN, () -> validate(p.validator(), credentialOfDer(), p));
    }

    @Test
    void garbageDerIsRejected() {
        Pki p = pki(ED25519);
        X509CredentialValidator v = p.validator();
        rejects(CredentialRule.MALFORMED_CERTIFICATE, () -> validate(v, credentialOfDer(new byte[] {1, 2, 3, 4}), p));
        rejects(CredentialRule.MALFORMED_CERTIFICATE, () -> validate(v, credentialOfDer(new byte[0]), p));
        rejects(CredentialRule.MALFORMED_CERTIFICATE, () -> validate(v, credentialOfDer(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}), p));
        byte[] truncated = Arrays.copyOf(encoded(p.leaf()), 40);
        rejects(CredentialRule.MALFORMED_CERTIFICATE, () -> validate(v, credentialOfDer(truncated), p));
        ValidationException e = rejects(CredentialRule.MALFORMED_CERTIFICATE,
                () -> validate(v, credentialOfDer(encoded(p.leaf()), new byte[] {0x30, 0x00}), p));
        assertTrue(e.getMessage().contains("certificate 1"));
    }

    @Test
    void trailingBytesAndNonDerEncodingsAreRejected() {
        Pki p = pki(ED25519);
        byte[] der = encoded(p.leaf());
        byte[] trailing = Arrays.copyOf(der, der.length + 1);
        rejects(CredentialRule.MALFORMED_CERTIFICATE, () -> validate(p.validator(), credentialOfDer(trailing), p));
        // The same certificate with a non-minimal outer length (BER, not DER).
        assertEquals(0x30, der[0] & 0xff);
        assertEquals(0x82, der[1] & 0xff);
        byte[] ber = new byte[der.length + 1];
        ber[0] = 0x30;
        ber[1] = (byte) 0x83;
        ber[2] = 0;
        System.arraycopy(der, 2, ber, 3, der.length - 2);
        rejects(CredentialRule.MALFORMED_CERTIFICATE,
                () -> validate(p.validator(), credentialOfDer(ber, encoded(p.inter().cert())), p));
    }

    @ParameterizedTest
    @EnumSource(value = CipherSuiteId.class, names = {"MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519",
            "MLS_128_DHKEMP256_AES128GCM_SHA256_P256"})
    void mutatedCertificatesAreRejectedWithValidationExceptionsOnly(CipherSuiteId suite) {
        Pki p = pki(suite);
        X509CredentialValidator v = p.validator();
        byte[] leaf = encoded(p.leaf());
        byte[] inter = encoded(p.inter().cert());
        java.util.Random random = new java.util.Random(9420);
        for (int round = 0; round < 400; round++) {
            byte[] l = leaf.clone();
            byte[] m = inter.clone();
            byte[] target = round % 2 == 0 ? l : m;
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                target[random.nextInt(target.length)] ^= (byte) (1 << random.nextInt(8));
            }
            if (Arrays.equals(l, leaf) && Arrays.equals(m, inter)) {
                continue; // the flips cancelled out
            }
            // Every bit of a certificate is either signed or checked against a signed copy.
            ValidationException e = assertThrows(ValidationException.class,
                    () -> validate(v, credentialOfDer(l, m), p));
            assertTrue(e.rule() instanceof CredentialRule, e.getMessage());
        }
    }

    @Test
    void chainOutOfOrderIsRejected() {
        Pki p = pki(P256);
        rejects(CredentialRule.CHAIN_NOT_IN_ORDER,
                () -> validate(p.validator(), credential(p.leaf(), p.root().cert(), p.inter().cert()), p));
        rejects(CredentialRule.CHAIN_NOT_IN_ORDER,
                () -> validate(p.validator(), credential(p.leaf(), p.leaf()), p));
    }

    @Test
    void chainLongerThanTheLimitIsRejected() {
        Pki p = pki(ED25519);
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .maxChainLength(2).build();
        assertDoesNotThrow(() -> validate(v, credential(p.leaf(), p.inter().cert()), p));
        rejects(CredentialRule.CHAIN_TOO_LONG,
                () -> validate(v, credential(p.leaf(), p.inter().cert(), p.root().cert()), p));
        X509CredentialValidator one = X509CredentialValidator.builder().trustAnchor(p.root().cert())
                .intermediate(p.inter().cert()).clock(CLOCK).maxChainLength(1).build();
        rejects(CredentialRule.CHAIN_TOO_LONG, () -> validate(one, credential(p.leaf()), p));
    }

    @Test
    void otherCredentialTypesAreRejected() {
        Pki p = pki(ED25519);
        rejects(CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE,
                () -> validate(p.validator(), new Credential.Basic("alice".getBytes()), p));
    }

    // ---- revocation -----------------------------------------------------------------------------------

    @Test
    void revokedLeafIsRejected() {
        Pki p = pki(ED25519);
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .crl(TestPki.crl(p.inter(), p.leaf())).build();
        ValidationException e = rejects(CredentialRule.CERTIFICATE_REVOKED,
                () -> validate(v, credential(p.leaf(), p.inter().cert()), p));
        assertTrue(e.getMessage().contains("certificate 0"));
    }

    @Test
    void revokedIntermediateIsRejected() {
        Pki p = pki(P256);
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .crl(TestPki.crl(p.root(), p.inter().cert())).build();
        ValidationException e = rejects(CredentialRule.CERTIFICATE_REVOKED,
                () -> validate(v, credential(p.leaf(), p.inter().cert()), p));
        assertTrue(e.getMessage().contains("certificate 1"));
    }

    @Test
    void crlsNotListingTheChainOrNotSignedByTheIssuerAreIgnored() {
        Pki p = pki(ED25519);
        X509Certificate someoneElse = p.leafLike("CN=carol-phone").build();
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .crl(TestPki.crl(p.inter(), someoneElse))
                .crl(TestPki.crl(p.inter().name(), TestPki.ed25519().getPrivate(), p.leaf())) // forged
                .crl(TestPki.crl(p.root())) // empty
                .build();
        assertDoesNotThrow(() -> validate(v, credential(p.leaf(), p.inter().cert()), p));
        rejects(CredentialRule.CERTIFICATE_REVOKED, () -> validate(v, credential(someoneElse, p.inter().cert()), p));
    }

    // ---- cache ----------------------------------------------------------------------------------------

    @Test
    void cachedChainsAreStillCheckedForKeyAlgorithmAndTime() {
        Pki p = pki(ED25519);
        TestPki.MutableClock clock = new TestPki.MutableClock(NOW);
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(clock).build();
        Credential c = credential(p.leaf(), p.inter().cert());
        validate(v, c, p);
        validate(v, c, p);
        rejects(CredentialRule.SIGNATURE_KEY_MISMATCH, () -> v.validate(c,
                p.cipherSuite().generateSignatureKeyPair().publicKey(), ED25519, CredentialContext.KEY_PACKAGE));
        rejects(CredentialRule.SIGNATURE_ALGORITHM_MISMATCH, () -> v.validate(c, p.key(),
                CipherSuiteId.MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, CredentialContext.KEY_PACKAGE));
        clock.set(p.leaf().getNotAfter().toInstant().plusSeconds(1));
        rejects(CredentialRule.CERTIFICATE_EXPIRED, () -> validate(v, c, p));
        clock.set(p.leaf().getNotBefore().toInstant().minusSeconds(1));
        rejects(CredentialRule.CERTIFICATE_NOT_YET_VALID, () -> validate(v, c, p));
        clock.set(NOW);
        assertDoesNotThrow(() -> validate(v, c, p));
    }

    @Test
    void validationWithoutCacheGivesTheSameAnswers() {
        Pki p = pki(P256);
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .cacheLimit(0).build();
        Credential c = credential(p.leaf(), p.inter().cert());
        assertDoesNotThrow(() -> validate(v, c, p));
        assertDoesNotThrow(() -> validate(v, c, p));
        rejects(CredentialRule.SIGNATURE_KEY_MISMATCH, () -> v.validate(c,
                p.cipherSuite().generateSignatureKeyPair().publicKey(), P256, CredentialContext.KEY_PACKAGE));
    }

    // ---- replacement ----------------------------------------------------------------------------------

    @Test
    void renewedCertificateForTheSameSubjectMayReplace() {
        Pki p = pki(ED25519);
        X509CredentialValidator v = p.validator();
        SignaturePublicKey newKey = p.cipherSuite().generateSignatureKeyPair().publicKey();
        X509Certificate renewed = issue("CN=alice-phone,O=Ampoule", spkiOf(newKey, ED25519)).by(p.inter()).build();
        Credential current = credential(p.leaf(), p.inter().cert());
        assertTrue(v.allowsReplacement(current, credential(renewed, p.inter().cert())));
        assertTrue(v.allowsReplacement(current, credential(renewed)));
        assertDoesNotThrow(() -> v.checkReplacement(current, credential(renewed)));

        X509Certificate someoneElse = p.leafLike("CN=mallory-phone,O=Ampoule").build();
        assertFalse(v.allowsReplacement(current, credential(someoneElse)));
        rejects(CredentialRule.REPLACEMENT_NOT_ALLOWED, () -> v.checkReplacement(current, credential(someoneElse)));
        assertFalse(v.allowsReplacement(current, new Credential.Basic("alice-phone".getBytes())));
        assertFalse(v.allowsReplacement(current, credentialOfDer(new byte[] {1})));
        assertFalse(v.allowsReplacement(current, credentialOfDer()));
    }

    @Test
    void subjectlessCertificatesAreComparedBySubjectAltNames() {
        Pki p = pki(P256);
        X509CredentialValidator v = p.validator();
        GeneralName alice = new GeneralName(GeneralName.rfc822Name, "alice@clinic.example");
        GeneralName device = new GeneralName(GeneralName.uniformResourceIdentifier, "urn:ampoule:device:7");
        X509Certificate a1 = p.leafLike("").subjectAltNames(alice, device).build();
        X509Certificate a2 = p.leafLike("").subjectAltNames(device, alice).build();
        X509Certificate b = p.leafLike("").subjectAltNames(alice).build();
        assertDoesNotThrow(() -> validate(v, credential(a1, p.inter().cert()), p));
        assertTrue(v.allowsReplacement(credential(a1), credential(a2)));
        assertFalse(v.allowsReplacement(credential(a1), credential(b)));
        assertFalse(v.allowsReplacement(credential(a1), credential(p.leaf())));
    }

    @Test
    void replacementPolicyIsConfigurable() {
        Pki p = pki(ED25519);
        X509CredentialValidator v = X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK)
                .replacementPolicy((current, successor) -> current.getIssuerX500Principal()
                        .equals(successor.getIssuerX500Principal()))
                .build();
        X509Certificate someoneElse = p.leafLike("CN=mallory-phone").build();
        assertTrue(v.allowsReplacement(credential(p.leaf()), credential(someoneElse)));
    }
}
