package dev.ampoule.mls.credential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.ValidationException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;

/** Reading the names of an end-entity certificate without a trust anchor. */
class X509EndEntityTest {

    private static final CipherSuiteId SUITE = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    private static final CipherSuite CS = BcCipherSuites.of(SUITE);

    @Test
    void readsTheUrisAndSubjectAndChecksTheKey() {
        TestPki.Ca root = TestPki.root("CN=Root", TestPki.ed25519());
        SignaturePublicKey key = CS.generateSignatureKeyPair().publicKey();
        X509Certificate leaf = TestPki.issue("O=St Mary,CN=laptop", TestPki.spkiOf(key, SUITE)).by(root)
                .subjectAltNames(new GeneralName(GeneralName.rfc822Name, "doc@example.org"),
                        new GeneralName(GeneralName.uniformResourceIdentifier, "ampoule://doc/laptop"),
                        new GeneralName(GeneralName.uniformResourceIdentifier, "https://example.org/doc"))
                .build();
        X509EndEntity ee = X509EndEntity.of(TestPki.credential(leaf, root.cert()));
        assertEquals(List.of("ampoule://doc/laptop", "https://example.org/doc"), ee.subjectAltNameUris());
        assertEquals(new X500Principal("CN=laptop, O=St Mary"), ee.subject()); // RFC 2253: last RDN first
        ee.checkSignatureKey(key, SUITE);
        ValidationException other = assertThrows(ValidationException.class,
                () -> ee.checkSignatureKey(CS.generateSignatureKeyPair().publicKey(), SUITE));
        assertEquals(CredentialRule.SIGNATURE_KEY_MISMATCH, other.rule());
        ValidationException scheme = assertThrows(ValidationException.class,
                () -> ee.checkSignatureKey(key, CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256));
        assertEquals(CredentialRule.SIGNATURE_ALGORITHM_MISMATCH, scheme.rule());
    }

    @Test
    void aCertificateWithoutAltNamesHasNoUris() {
        TestPki.Ca root = TestPki.root("CN=Root", TestPki.ed25519());
        X509Certificate leaf = TestPki.issue("CN=x", TestPki.spkiOf(TestPki.ed25519())).by(root).build();
        assertEquals(List.of(), X509EndEntity.of(TestPki.credential(leaf)).subjectAltNameUris());
    }

    @Test
    void anEmptyOrMalformedChainIsRefused() {
        assertEquals(CredentialRule.EMPTY_CHAIN, assertThrows(ValidationException.class,
                () -> X509EndEntity.of(new Credential.X509(List.of()))).rule());
        assertEquals(CredentialRule.MALFORMED_CERTIFICATE, assertThrows(ValidationException.class,
                () -> X509EndEntity.of(TestPki.credentialOfDer(new byte[] {0x30, 0x03, 1, 2, 3}))).rule());
    }
}
