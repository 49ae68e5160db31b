package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay maps X.509 credentials to devices by the certificate's subjectAltName URI
 * {@code ampoule://<user>/<device>}, checks that the certificate is the leaf's key, and validates no
 * chain (members do).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class X509DeviceNamesTest {

    private static final CipherSuiteId SUITE = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

    @TempDir
    Path dir;

    /** A certificate for {@code key} with these subjectAltName URIs, from some CA nobody trusts. */
    static Credential.X509 certificate(SignatureKeyPair key, String... uris) {
        try {
            KeyPair ca = KeyPairGenerator.getInstance("Ed25519", new BouncyCastleProvider()).generateKeyPair();
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(new X500Name("CN=Anyone"), BigInteger.TEN,
                    Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(3600)),
                    new X500Name("CN=device"), new SubjectPublicKeyInfo(
                            new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), key.publicKey().bytes()));
            if (uris.length > 0) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(Arrays.stream(uris)
                        .map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u)).toArray(GeneralName[]::new)));
            }
            byte[] der = b.build(new JcaContentSignerBuilder("Ed25519").build(ca.getPrivate())).getEncoded();
            return new Credential.X509(List.of(new Credential.Certificate(der)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theDeviceIsTheOneAmpouleUriOfTheCertificate() {
        SignatureKeyPair key = MlsMember.SUITE.generateSignatureKeyPair();
        assertEquals(Optional.of(new DeviceId("doc", "laptop")),
                PublicGroupView.deviceOf(certificate(key, "https://example.org", "ampoule://doc/laptop")));
        assertEquals(Optional.of(new DeviceId("auth0|42", "x")), PublicGroupView.deviceOf(certificate(key,
                new DeviceId("auth0|42", "x").uri())));
        assertEquals(Optional.empty(), PublicGroupView.deviceOf(certificate(key)));
        assertEquals(Optional.empty(), PublicGroupView.deviceOf(certificate(key, "ampoule://doc/laptop",
                "ampoule://nurse/phone")), "two device names: none");
        assertEquals(Optional.empty(), PublicGroupView.deviceOf(certificate(key, "ampoule://do%63/laptop")));
        assertEquals(Optional.empty(), PublicGroupView.deviceOf(new Credential.X509(
                List.of(new Credential.Certificate(new byte[] {0x30, 0x00})))));
        assertEquals(Optional.empty(), PublicGroupView.deviceOf(new Credential.X509(List.of())));
    }

    @Test
    void theAuthenticationServiceChecksTheKeyAndTheNameButNoChain() {
        SignatureKeyPair key = MlsMember.SUITE.generateSignatureKeyPair();
        Credential.X509 doc = certificate(key, "ampoule://doc/laptop");
        PublicGroupView.AUTHENTICATION_SERVICE.validate(doc, key.publicKey(), SUITE, CredentialContext.KEY_PACKAGE);
        assertEquals(CredentialRule.SIGNATURE_KEY_MISMATCH, assertThrows(ValidationException.class,
                () -> PublicGroupView.AUTHENTICATION_SERVICE.validate(doc,
                        MlsMember.SUITE.generateSignatureKeyPair().publicKey(), SUITE, CredentialContext.KEY_PACKAGE))
                .rule());
        assertEquals(CredentialRule.UNKNOWN_IDENTITY, assertThrows(ValidationException.class,
                () -> PublicGroupView.AUTHENTICATION_SERVICE.validate(certificate(key), key.publicKey(), SUITE,
                        CredentialContext.TREE_MEMBER)).rule());
        assertThrows(ValidationException.class, () -> PublicGroupView.AUTHENTICATION_SERVICE.validate(doc,
                key.publicKey(), SUITE, CredentialContext.EXTERNAL_SENDER), "only the relay is an external sender");

        Credential basicDoc = new Credential.Basic(new DeviceId("doc", "laptop").identity());
        assertTrue(PublicGroupView.AUTHENTICATION_SERVICE.allowsReplacement(basicDoc, doc), "same device");
        assertTrue(PublicGroupView.AUTHENTICATION_SERVICE.allowsReplacement(doc, certificate(
                MlsMember.SUITE.generateSignatureKeyPair(), "ampoule://doc/laptop")), "a renewed certificate");
        assertFalse(PublicGroupView.AUTHENTICATION_SERVICE.allowsReplacement(doc,
                certificate(key, "ampoule://nurse/phone")));
        assertFalse(PublicGroupView.AUTHENTICATION_SERVICE.allowsReplacement(certificate(key), certificate(key)));
    }

    @Test
    void aDevicePublishesKeyPackagesOnlyUnderItsOwnCertifiedName(Vertx vertx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        SignatureKeyPair key = MlsMember.SUITE.generateSignatureKeyPair();
        try (TestDevice doc = relay.connect("doc", "laptop"); TestDevice nurse = relay.connect("nurse", "phone")) {
            Bytes own = kp(certificate(key, "ampoule://doc/laptop"), key);
            assertEquals(1, doc.ok(new Frame.PublishKeyPackages(List.of(own), false)));
            doc.error(new Frame.PublishKeyPackages(List.of(kp(certificate(key, "ampoule://nurse/phone"), key)), false),
                    ErrorCode.FORBIDDEN);
            nurse.error(new Frame.PublishKeyPackages(List.of(own), false), ErrorCode.FORBIDDEN);

            Frame.KeyPackages claimed = (Frame.KeyPackages) nurse.call(new Frame.ClaimKeyPackages("doc",
                    Optional.empty(), SUITE.wire()));
            assertEquals(List.of("laptop"), claimed.entries().stream().map(Frame.KeyPackageEntry::deviceId).toList());
        } finally {
            relay.stop();
        }
    }

    private static Bytes kp(Credential credential, SignatureKeyPair key) {
        KeyPackageBundle b = KeyPackageBundle.builder(MlsMember.SUITE, credential, key).build();
        return Bytes.wrap(new MlsMessage.OfKeyPackage(b.keyPackage()).toBytes());
    }
}
