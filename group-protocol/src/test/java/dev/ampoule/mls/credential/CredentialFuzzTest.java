package dev.ampoule.mls.credential;

import static dev.ampoule.mls.credential.TestPki.CLOCK;
import static dev.ampoule.mls.credential.TestPki.issue;
import static dev.ampoule.mls.credential.TestPki.spkiOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.TestPki.Ca;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzz target {@code credential}: a Credential (RFC 9420 §5.3) with the signature key and cipher
 * suite it is presented with, as a leaf or an external sender carries them, through credential
 * parsing and validation — the X.509 validator (strict DER parsing, path building, PKIX, CRLs, its
 * cache), the end-entity reader the relay uses for device names, the basic validator, and the
 * replacement rules. Every refusal is a {@link ValidationException}; a chain the validator accepts
 * is also readable by {@link X509EndEntity} with the same key; a second validation (from the
 * cache) gives the same verdict. Input: {@code uint8 suite; uint8 context; SignaturePublicKey;
 * Credential} (the two bytes pick from the suites and {@link CredentialContext}s). Seeds: chains of
 * a PKI made at test time, and basic credentials.
 */
class CredentialFuzzTest {

    private static final CipherSuiteId[] SUITES = CipherSuiteId.values();
    private static final CredentialContext[] CONTEXTS = CredentialContext.values();

    private static final Ca ROOT = TestPki.root("CN=Ampoule Root,O=St Mary", TestPki.ed25519());
    private static final Ca DEVICES = TestPki.intermediate("CN=Ampoule Devices,O=St Mary", TestPki.p256(), ROOT);
    private static final X509Certificate REVOKED = issue("CN=lost-phone", spkiOf(TestPki.ed25519())).by(DEVICES)
            .notCa().build();
    private static final X509CredentialValidator X509 = X509CredentialValidator.builder().trustAnchor(ROOT.cert())
            .intermediate(DEVICES.cert()).crl(TestPki.crl(DEVICES, REVOKED)).clock(CLOCK)
            .tolerateExpiryIn(CredentialContext.TREE_MEMBER).build();
    private static final AuthenticationService SERVICE = CompositeAuthenticationService.builder()
            .basic(BasicCredentialValidator.acceptingAnyIdentity()).x509(X509).build();
    private static final List<Seed> SEEDS = seedsOfPki();

    private record Seed(CipherSuiteId suite, CredentialContext context, SignaturePublicKey key, Credential credential) {
        byte[] encode() {
            return new TlsWriter().u8(suite.ordinal()).u8(context.ordinal()).write(key).write(credential)
                    .toByteArray();
        }
    }

    static List<byte[]> seeds() {
        return SEEDS.stream().map(Seed::encode).toList();
    }

    @MethodSource("seeds")
    @FuzzTest
    void validate(byte[] data) {
        Seed in;
        try {
            in = TlsReader.decodeExactly(data, r -> new Seed(SUITES[r.u8() % SUITES.length],
                    CONTEXTS[r.u8() % CONTEXTS.length], SignaturePublicKey.decode(r), Credential.decode(r)));
        } catch (DecodeException refused) {
            return;
        }
        byte[] credentialBytes = in.credential().toBytes();
        assertArrayEquals(credentialBytes, TlsReader.decodeExactly(credentialBytes, Credential::decode).toBytes());
        Optional<CredentialRule> verdict = verdict(in);
        assertEquals(verdict, verdict(in), "validating again (from the cache) must give the same verdict");
        if (in.credential() instanceof Credential.X509 x509) {
            endEntity(x509, in, verdict.isEmpty());
        }
        for (Seed known : SEEDS) {
            SERVICE.allowsReplacement(known.credential(), in.credential());
            SERVICE.allowsReplacement(in.credential(), known.credential());
        }
    }

    /** The seeds are worth mutating: each one is accepted. */
    @Test
    void theSeedsAreAccepted() {
        for (Seed s : SEEDS) {
            assertEquals(Optional.empty(), verdict(s), s::toString);
        }
        assertTrue(SEEDS.size() >= 6);
    }

    /** Empty when the credential is accepted, else the rule broken. */
    private static Optional<CredentialRule> verdict(Seed in) {
        try {
            SERVICE.validate(in.credential(), in.key(), in.suite(), in.context());
            return Optional.empty();
        } catch (ValidationException refused) {
            return Optional.of(assertInstanceOfRule(refused));
        }
    }

    private static CredentialRule assertInstanceOfRule(ValidationException e) {
        assertTrue(e.rule() instanceof CredentialRule, () -> "not a credential rule: " + e.rule());
        return (CredentialRule) e.rule();
    }

    private static void endEntity(Credential.X509 x509, Seed in, boolean accepted) {
        X509EndEntity leaf;
        try {
            leaf = X509EndEntity.of(x509);
        } catch (ValidationException refused) {
            assertTrue(!accepted, "an accepted chain's end entity must be readable");
            return;
        }
        leaf.subjectAltNameUris();
        leaf.subject();
        try {
            leaf.checkSignatureKey(in.key(), in.suite());
        } catch (ValidationException refused) {
            assertTrue(!accepted, "an accepted chain certifies the presented key");
        }
    }

    private static List<Seed> seedsOfPki() {
        List<Seed> out = new ArrayList<>();
        for (CipherSuiteId suite : List.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
                CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256)) {
            SignatureKeyPair device = BcCipherSuites.of(suite).generateSignatureKeyPair();
            X509Certificate leaf = issue("", spkiOf(device.publicKey(), suite)).by(DEVICES)
                    .keyUsage(KeyUsage.digitalSignature).notCa()
                    .subjectAltNames(new GeneralName(GeneralName.uniformResourceIdentifier, "ampoule://dr-osei/phone"))
                    .build();
            X509Certificate named = issue("CN=dr-osei-laptop,O=St Mary", spkiOf(device.publicKey(), suite))
                    .by(DEVICES).keyUsage(KeyUsage.digitalSignature).notCa().build();
            out.add(new Seed(suite, CredentialContext.KEY_PACKAGE, device.publicKey(),
                    TestPki.credential(leaf, DEVICES.cert())));
            out.add(new Seed(suite, CredentialContext.TREE_MEMBER, device.publicKey(),
                    TestPki.credential(leaf, DEVICES.cert(), ROOT.cert())));
            out.add(new Seed(suite, CredentialContext.UPDATE, device.publicKey(), TestPki.credential(named)));
            out.add(new Seed(suite, CredentialContext.COMMIT_PATH, device.publicKey(),
                    new Credential.Basic("dr-osei#phone".getBytes(StandardCharsets.UTF_8))));
        }
        return out;
    }
}
