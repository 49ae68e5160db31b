package dev.ampoule.mls.credential;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Basic credentials (RFC 9420 §5.3, §5.3.1). */
class BasicCredentialValidatorTest {

    static final CipherSuiteId SUITE = CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    static final CipherSuite CS = BcCipherSuites.of(SUITE);
    static final SignaturePublicKey ALICE_KEY = CS.generateSignatureKeyPair().publicKey();
    static final SignaturePublicKey ALICE_NEW_KEY = CS.generateSignatureKeyPair().publicKey();
    static final SignaturePublicKey MALLORY_KEY = CS.generateSignatureKeyPair().publicKey();

    static Credential.Basic basic(String identity) {
        return new Credential.Basic(identity.getBytes(StandardCharsets.UTF_8));
    }

    static ValidationException rejects(CredentialRule rule, Executable validation) {
        ValidationException e = assertThrows(ValidationException.class, validation);
        assertEquals(rule, e.rule(), e.getMessage());
        return e;
    }

    @Test
    void anyIdentityPolicyAcceptsAnyNonEmptyIdentity() {
        BasicCredentialValidator v = BasicCredentialValidator.acceptingAnyIdentity();
        for (CredentialContext context : CredentialContext.values()) {
            assertDoesNotThrow(() -> v.validate(basic("alice"), MALLORY_KEY, SUITE, context));
        }
        assertDoesNotThrow(() -> v.validate(new Credential.Basic(new byte[] {0}), ALICE_KEY, SUITE,
                CredentialContext.KEY_PACKAGE));
    }

    @Test
    void emptyIdentityIsRejectedByEveryPolicy() {
        List<BasicCredentialValidator> all = List.of(BasicCredentialValidator.acceptingAnyIdentity(),
                BasicCredentialValidator.trusting(id -> true),
                BasicCredentialValidator.withKeyDirectory(id -> Set.of(ALICE_KEY)));
        for (BasicCredentialValidator v : all) {
            rejects(CredentialRule.EMPTY_IDENTITY,
                    () -> v.validate(new Credential.Basic(new byte[0]), ALICE_KEY, SUITE, CredentialContext.KEY_PACKAGE));
        }
    }

    @Test
    void x509CredentialsAreNotBasic() {
        BasicCredentialValidator v = BasicCredentialValidator.acceptingAnyIdentity();
        Credential x509 = new Credential.X509(List.of(new Credential.Certificate(new byte[] {0x30, 0})));
        ValidationException e = rejects(CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE,
                () -> v.validate(x509, ALICE_KEY, SUITE, CredentialContext.UPDATE));
        assertTrue(e.getMessage().contains("type 2"));
    }

    @Test
    void trustedIdentitiesPolicyConsultsThePredicateWithACopy() {
        Set<String> roster = Set.of("alice", "bob");
        BasicCredentialValidator v = BasicCredentialValidator.trusting(id -> {
            boolean known = roster.contains(new String(id, StandardCharsets.UTF_8));
            id[0] = 'X'; // an application scribbling on the array must not alter the credential
            return known;
        });
        Credential.Basic alice = basic("alice");
        assertDoesNotThrow(() -> v.validate(alice, MALLORY_KEY, SUITE, CredentialContext.KEY_PACKAGE));
        assertArrayEquals("alice".getBytes(StandardCharsets.UTF_8), alice.identity());
        rejects(CredentialRule.UNKNOWN_IDENTITY, () -> v.validate(basic("mallory"), ALICE_KEY, SUITE,
                CredentialContext.EXTERNAL_SENDER));
    }

    @Test
    void keyDirectoryBindsIdentitiesToKeys() {
        Map<String, Set<SignaturePublicKey>> directory = Map.of("alice", Set.of(ALICE_KEY, ALICE_NEW_KEY));
        BasicCredentialValidator v = BasicCredentialValidator.withKeyDirectory(
                id -> directory.getOrDefault(new String(id, StandardCharsets.UTF_8), Set.of()));
        assertDoesNotThrow(() -> v.validate(basic("alice"), ALICE_KEY, SUITE, CredentialContext.KEY_PACKAGE));
        assertDoesNotThrow(() -> v.validate(basic("alice"), ALICE_NEW_KEY, SUITE, CredentialContext.COMMIT_PATH));
        // Keys compare by value, not by object.
        SignaturePublicKey copy = new SignaturePublicKey(ALICE_KEY.bytes().clone());
        assertDoesNotThrow(() -> v.validate(basic("alice"), copy, SUITE, CredentialContext.TREE_MEMBER));

        ValidationException e = rejects(CredentialRule.KEY_NOT_BOUND_TO_IDENTITY,
                () -> v.validate(basic("alice"), MALLORY_KEY, SUITE, CredentialContext.UPDATE));
        String keyHex = HexFormat.of().formatHex(MALLORY_KEY.bytes());
        assertFalse(e.getMessage().toLowerCase().contains(keyHex.substring(0, 16)));
        assertFalse(e.getMessage().contains("alice"));
        rejects(CredentialRule.UNKNOWN_IDENTITY,
                () -> v.validate(basic("mallory"), MALLORY_KEY, SUITE, CredentialContext.KEY_PACKAGE));
    }

    @Test
    void directoryAnsweringNullMeansUnknown() {
        BasicCredentialValidator v = BasicCredentialValidator.withKeyDirectory(id -> null);
        rejects(CredentialRule.UNKNOWN_IDENTITY,
                () -> v.validate(basic("alice"), ALICE_KEY, SUITE, CredentialContext.KEY_PACKAGE));
    }

    @Test
    void replacementRequiresTheSameIdentity() {
        BasicCredentialValidator v = BasicCredentialValidator.acceptingAnyIdentity();
        assertTrue(v.allowsReplacement(basic("alice"), basic("alice")));
        assertFalse(v.allowsReplacement(basic("alice"), basic("mallory")));
        assertFalse(v.allowsReplacement(basic("alice"), basic("alice ")));
        assertFalse(v.allowsReplacement(new Credential.Basic(new byte[0]), new Credential.Basic(new byte[0])));
        assertFalse(v.allowsReplacement(basic("alice"),
                new Credential.X509(List.of(new Credential.Certificate("alice".getBytes(StandardCharsets.UTF_8))))));
        assertDoesNotThrow(() -> v.checkReplacement(basic("alice"), basic("alice")));
        rejects(CredentialRule.REPLACEMENT_NOT_ALLOWED, () -> v.checkReplacement(basic("alice"), basic("mallory")));
    }
}
