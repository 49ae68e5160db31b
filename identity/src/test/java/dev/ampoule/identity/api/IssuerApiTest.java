package dev.ampoule.identity.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.identity.ca.CaFiles;
import dev.ampoule.identity.support.Http;
import dev.ampoule.identity.support.MutableClock;
import dev.ampoule.identity.support.TestDevice;
import dev.ampoule.identity.support.TestIssuer;
import dev.ampoule.identity.support.TestTokens;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.credential.X509CredentialValidator;
import dev.ampoule.mls.credential.X509EndEntity;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.error.ValidationException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The identity issuer over real HTTP on a loopback port: a device certificate for a valid token and
 * proof of possession, which chains to the organisation's root and passes the MLS credential
 * validator; and every refusal, with its status and code.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IssuerApiTest {

    private static final CipherSuiteId ED25519 = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

    @TempDir
    Path dir;

    private Vertx vertx;
    private TestTokens idp;
    private TestIssuer issuer;
    private URI uri;

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        idp = new TestTokens("idp-key-1");
        issuer = new TestIssuer(vertx, dir, "st-mary", idp, new JsonObject().put("maxNoncesPerUser", 4)).start();
        uri = issuer.uri();
    }

    @AfterEach
    void stop() {
        issuer.close();
    }

    private String nonce(String token) {
        Http.Answer a = Http.post(uri, "/v1/nonces", token, null);
        assertEquals(201, a.status(), a.body());
        assertEquals(60, a.json().getLong("expiresInSeconds"));
        return a.json().getString("nonce");
    }

    private Http.Answer certify(String token, JsonObject body) {
        return Http.post(uri, "/v1/certificates", token, body.encode());
    }

    private static List<X509Certificate> chain(Http.Answer a) throws Exception {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory f = CertificateFactory.getInstance("X.509");
        for (Object o : a.json().getJsonArray("certificates")) {
            out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode((String) o))));
        }
        return out;
    }

    private static Credential.X509 credential(List<X509Certificate> chain) throws Exception {
        List<Credential.Certificate> entries = new ArrayList<>();
        for (X509Certificate c : chain) {
            entries.add(new Credential.Certificate(c.getEncoded()));
        }
        return new Credential.X509(entries);
    }

    @ParameterizedTest
    @EnumSource(CipherSuiteId.class)
    void issuesACertificateThatChainsToTheRootAndPassesTheCredentialValidator(CipherSuiteId suite) throws Exception {
        String token = idp.token(vertx, "dr-osei", Optional.of("st-mary"), List.of("org_admin", "practitioner"),
                Instant.now().plusSeconds(600));
        TestDevice device = new TestDevice(suite);
        Http.Answer a = certify(token, device.request(nonce(token), token, "dr-osei", "laptop"));
        assertEquals(201, a.status(), a.body());

        List<X509Certificate> chain = chain(a);
        assertEquals(2, chain.size(), "the device certificate, then the issuing CA's");
        Credential.X509 credential = credential(chain);
        X509CredentialValidator.builder().trustAnchor(issuer.root).build()
                .validate(credential, device.keys.publicKey(), suite, CredentialContext.KEY_PACKAGE);

        X509EndEntity ee = X509EndEntity.of(credential);
        assertEquals(List.of("ampoule://dr-osei/laptop"), ee.subjectAltNameUris());
        X509Certificate leaf = chain.getFirst();
        assertEquals(Optional.of("st-mary"), attribute(leaf, BCStyle.O));
        assertEquals(Optional.of("dr-osei"), attribute(leaf, BCStyle.UID));
        assertEquals(Optional.of("laptop"), attribute(leaf, BCStyle.CN));
        assertEquals(Optional.of("practitioner"), attribute(leaf, BCStyle.T), "the first configured role the token has");
        Duration lifetime = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        assertTrue(lifetime.compareTo(Duration.ofHours(24).plusMinutes(6)) <= 0, "short-lived: " + lifetime);
        assertEquals(-1, leaf.getBasicConstraints(), "not a CA");
        assertEquals(Instant.parse(a.json().getString("notAfter")), leaf.getNotAfter().toInstant());
    }

    @Test
    void aCertificateForAnotherKeyOrFromAnotherCaIsNotAccepted() throws Exception {
        String token = idp.token(vertx, "nurse-kim");
        TestDevice device = new TestDevice(ED25519);
        Http.Answer a = certify(token, device.request(nonce(token), token, "nurse-kim", "phone"));
        assertEquals(201, a.status(), a.body());
        Credential.X509 credential = credential(chain(a));
        ValidationException otherKey = org.junit.jupiter.api.Assertions.assertThrows(ValidationException.class,
                () -> X509CredentialValidator.builder().trustAnchor(issuer.root).build().validate(credential,
                        new TestDevice(ED25519).keys.publicKey(), ED25519, CredentialContext.KEY_PACKAGE));
        assertEquals(CredentialRule.SIGNATURE_KEY_MISMATCH, otherKey.rule());
        try (TestIssuer other = new TestIssuer(vertx, dir.resolve("other"), "st-mary", idp, new JsonObject())) {
            ValidationException foreign = org.junit.jupiter.api.Assertions.assertThrows(ValidationException.class,
                    () -> X509CredentialValidator.builder().trustAnchor(other.root).build().validate(credential,
                            device.keys.publicKey(), ED25519, CredentialContext.KEY_PACKAGE));
            assertEquals(CredentialRule.UNTRUSTED_CHAIN, foreign.rule(), "same organisation name, another root");
        }
    }

    @Test
    void theRoleIsTheFirstConfiguredRoleTheTokenCarriesAndNoneWithout() throws Exception {
        String withRole = idp.token(vertx, "lin", Optional.empty(), List.of("insurer", "pharmacist"),
                Instant.now().plusSeconds(600));
        TestDevice device = new TestDevice(ED25519);
        Http.Answer a = certify(withRole, device.request(nonce(withRole), withRole, "lin", "counter"));
        assertEquals(201, a.status(), a.body());
        assertEquals(Optional.of("pharmacist"), attribute(chain(a).getFirst(), BCStyle.T));

        String plain = idp.token(vertx, "lin", Optional.empty(), List.of("org_admin"), Instant.now().plusSeconds(600));
        Http.Answer b = certify(plain, device.request(nonce(plain), plain, "lin", "counter"));
        assertEquals(201, b.status(), b.body());
        assertEquals(Optional.empty(), attribute(chain(b).getFirst(), BCStyle.T));
    }

    private static Optional<String> attribute(X509Certificate cert, ASN1ObjectIdentifier type) {
        RDN[] rdns = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()).getRDNs(type);
        return rdns.length == 0 ? Optional.empty()
                : Optional.of(((ASN1String) rdns[0].getFirst().getValue()).getString());
    }

    @Test
    void withoutAValidTokenNothingIsIssued() {
        TestDevice device = new TestDevice(ED25519);
        String good = idp.token(vertx, "dr-osei");
        String nonce = nonce(good);

        Http.Answer none = certify(null, device.request(nonce, good, "dr-osei", "laptop"));
        assertEquals(401, none.status());
        assertEquals("UNAUTHENTICATED", none.code());
        assertEquals(401, Http.post(uri, "/v1/nonces", null, null).status());

        Http.Answer garbage = certify("not-a-jwt", device.request(nonce, "not-a-jwt", "dr-osei", "laptop"));
        assertEquals(401, garbage.status());
        assertEquals("UNAUTHENTICATED", garbage.code());

        String expired = idp.token(vertx, "dr-osei", Optional.empty(), List.of(), Instant.now().minusSeconds(3600));
        Http.Answer late = certify(expired, device.request(nonce, expired, "dr-osei", "laptop"));
        assertEquals(401, late.status());
        assertEquals("TOKEN_EXPIRED", late.code());
        assertEquals("TOKEN_EXPIRED", Http.post(uri, "/v1/nonces", expired, null).code());

        String foreign = new TestTokens("idp-key-1").token(vertx, "dr-osei"); // same kid, another key
        Http.Answer forged = certify(foreign, device.request(nonce, foreign, "dr-osei", "laptop"));
        assertEquals(401, forged.status());
        assertEquals("UNAUTHENTICATED", forged.code());

        // none of these used the nonce up: it still serves the real token once
        assertEquals(201, certify(good, device.request(nonce, good, "dr-osei", "laptop")).status());
    }

    @Test
    void aProofSignedByAnotherKeyIsRefused() {
        String token = idp.token(vertx, "dr-osei");
        TestDevice device = new TestDevice(ED25519);
        TestDevice thief = new TestDevice(ED25519);
        Http.Answer a = certify(token, device.request(nonce(token), token, "dr-osei", "laptop", thief.keys));
        assertEquals(403, a.status());
        assertEquals("BAD_PROOF", a.code());
    }

    @Test
    void aProofMadeForAnotherTokenOrDeviceIsRefused() {
        String token = idp.token(vertx, "dr-osei");
        String other = idp.token(vertx, "dr-osei");
        TestDevice device = new TestDevice(ED25519);
        JsonObject forOtherToken = device.request(nonce(token), other, "dr-osei", "laptop");
        assertEquals("BAD_PROOF", certify(token, forOtherToken).code());
        JsonObject forOtherDevice = device.request(nonce(token), token, "dr-osei", "laptop").put("device", "phone");
        assertEquals("BAD_PROOF", certify(token, forOtherDevice).code());
    }

    @Test
    void aNonceServesOnceAndOnlyItsSubject() {
        String token = idp.token(vertx, "dr-osei");
        TestDevice device = new TestDevice(ED25519);
        JsonObject request = device.request(nonce(token), token, "dr-osei", "laptop");
        assertEquals(201, certify(token, request).status());
        Http.Answer again = certify(token, request);
        assertEquals(403, again.status());
        assertEquals("BAD_NONCE", again.code());

        Http.Answer unknown = certify(token, device.request("never-issued", token, "dr-osei", "laptop"));
        assertEquals("BAD_NONCE", unknown.code());

        String mallory = idp.token(vertx, "mallory");
        String malloryNonce = nonce(mallory);
        Http.Answer stolen = certify(token, device.request(malloryNonce, token, "dr-osei", "laptop"));
        assertEquals(403, stolen.status());
        assertEquals("SUBJECT_MISMATCH", stolen.code());
        assertEquals("BAD_NONCE", certify(mallory, new TestDevice(ED25519).request(malloryNonce, mallory, "mallory",
                "pc")).code(), "presented once, the nonce is gone");

        // a refused proof uses its nonce up too
        String n = nonce(token);
        assertEquals("BAD_PROOF", certify(token, device.request(n, token, "dr-osei", "laptop",
                new TestDevice(ED25519).keys)).code());
        assertEquals("BAD_NONCE", certify(token, device.request(n, token, "dr-osei", "laptop")).code());
    }

    @Test
    void anExpiredNonceIsRefused(Vertx vertx) {
        MutableClock clock = new MutableClock(Instant.now());
        try (TestIssuer later = new TestIssuer(vertx, dir.resolve("later"), "st-mary", idp, new JsonObject())
                .start(clock)) {
            String token = idp.token(vertx, "dr-osei");
            String nonce = Http.post(later.uri(), "/v1/nonces", token, null).json().getString("nonce");
            clock.advance(Duration.ofSeconds(61));
            Http.Answer a = Http.post(later.uri(), "/v1/certificates", token,
                    new TestDevice(ED25519).request(nonce, token, "dr-osei", "laptop").encode());
            assertEquals(403, a.status());
            assertEquals("BAD_NONCE", a.code());
        }
    }

    @Test
    void theUserMustBeTheTokensSubjectAndTheOrganisationTheCas() {
        String token = idp.token(vertx, "mallory");
        TestDevice device = new TestDevice(ED25519);
        Http.Answer a = certify(token, device.request(nonce(token), token, "dr-osei", "laptop"));
        assertEquals(403, a.status());
        assertEquals("SUBJECT_MISMATCH", a.code());

        String elsewhere = idp.token(vertx, "dr-osei", Optional.of("st-luke"), List.of(), Instant.now().plusSeconds(600));
        Http.Answer b = certify(elsewhere, device.request(nonce(elsewhere), elsewhere, "dr-osei", "laptop"));
        assertEquals(403, b.status());
        assertEquals("WRONG_ORGANISATION", b.code());
    }

    @Test
    void malformedRequestsAreRefusedWith400() {
        String token = idp.token(vertx, "dr-osei");
        TestDevice device = new TestDevice(ED25519);
        JsonObject good = device.request(nonce(token), token, "dr-osei", "laptop");

        Http.Answer badDevice = certify(token, good.copy().put("device", "lap top/../x"));
        assertEquals(400, badDevice.status());
        assertEquals("BAD_DEVICE_ID", badDevice.code());
        assertEquals("BAD_DEVICE_ID", certify(token, good.copy().put("device", "x".repeat(65))).code());
        assertEquals("BAD_DEVICE_ID", certify(token, good.copy().put("device", "")).code());

        assertEquals("BAD_REQUEST", Http.post(uri, "/v1/certificates", token, "{not json").code());
        assertEquals("BAD_REQUEST", Http.post(uri, "/v1/certificates", token, "[1,2]").code());
        assertEquals("BAD_REQUEST", Http.post(uri, "/v1/certificates", token, null).code());
        assertEquals("BAD_REQUEST", certify(token, good.copy().put("extra", 1)).code());
        assertEquals("BAD_REQUEST", certify(token, good.copy().put("cipherSuite", "one")).code());
        assertEquals("BAD_REQUEST", certify(token, good.copy().put("proof", "***")).code());
        JsonObject missing = good.copy();
        missing.remove("nonce");
        assertEquals("BAD_REQUEST", certify(token, missing).code());
        assertEquals("UNSUPPORTED_CIPHER_SUITE", certify(token, good.copy().put("cipherSuite", 0x7777)).code());
        assertEquals("BAD_SIGNATURE_KEY", certify(token, good.copy().put("signatureKey", TestDevice.b64(new byte[31])))
                .code());
        assertEquals("BAD_SIGNATURE_KEY", certify(token, good.copy()
                .put("cipherSuite", CipherSuiteId.MLS_128_DHKEMP256_AES128GCM_SHA256_P256.wire())).code());
        Http.Answer large = Http.post(uri, "/v1/certificates", token, "{\"user\":\"" + "x".repeat(40_000) + "\"}");
        assertEquals(413, large.status());
        assertEquals("TOO_LARGE", large.code());

        // none of it used the nonce: the well-formed request still succeeds
        assertEquals(201, certify(token, good).status());
    }

    @Test
    void noncesAreBoundedPerUser() {
        String token = idp.token(vertx, "dr-osei");
        for (int i = 0; i < 4; i++) {
            nonce(token);
        }
        Http.Answer a = Http.post(uri, "/v1/nonces", token, null);
        assertEquals(429, a.status());
        assertEquals("RATE_LIMITED", a.code());
        assertEquals(201, Http.post(uri, "/v1/nonces", idp.token(vertx, "nurse-kim"), null).status());
    }

    @Test
    void unknownPathsAndMethodsAnswerJson() {
        assertEquals("NOT_FOUND", Http.get(uri, "/v2/whatever").code());
        assertEquals("METHOD_NOT_ALLOWED", Http.get(uri, "/v1/certificates").code());
        assertEquals(200, Http.get(uri, "/health").status());
    }

    @Test
    void theIssuerChainFileHoldsTheIssuingCaThenTheRoot() throws Exception {
        List<X509Certificate> chain = CaFiles.readCertificates(issuer.dataDir.resolve(CaFiles.ISSUER_CHAIN));
        assertEquals(2, chain.size());
        assertEquals(issuer.root, chain.get(1));
    }
}
