package dev.ampoule.mls.credential;

import static dev.ampoule.mls.credential.TestPki.CLOCK;
import static dev.ampoule.mls.credential.TestPki.credential;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Dispatch by credential type, and the interface's defaults. */
class CompositeAuthenticationServiceTest {

    static final CipherSuiteId SUITE = X509CredentialValidatorTest.ED25519;

    static ValidationException rejects(CredentialRule rule, Executable validation) {
        ValidationException e = assertThrows(ValidationException.class, validation);
        assertEquals(rule, e.rule(), e.getMessage());
        return e;
    }

    static Credential.Basic basic(String identity) {
        return new Credential.Basic(identity.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachTypeGoesToItsValidator() {
        X509CredentialValidatorTest.Pki p = X509CredentialValidatorTest.pki(SUITE);
        AuthenticationService as = CompositeAuthenticationService.builder()
                .basic(BasicCredentialValidator.trusting(id -> id.length == 5))
                .x509(X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK).build())
                .build();
        assertDoesNotThrow(() -> as.validate(basic("alice"), p.key(), SUITE, CredentialContext.KEY_PACKAGE));
        rejects(CredentialRule.UNKNOWN_IDENTITY,
                () -> as.validate(basic("mallory"), p.key(), SUITE, CredentialContext.KEY_PACKAGE));
        assertDoesNotThrow(() -> as.validate(credential(p.leaf(), p.inter().cert()), p.key(), SUITE,
                CredentialContext.KEY_PACKAGE));
        rejects(CredentialRule.EMPTY_CHAIN,
                () -> as.validate(new Credential.X509(List.of()), p.key(), SUITE, CredentialContext.KEY_PACKAGE));
    }

    @Test
    void typesWithoutAValidatorAreRejected() {
        X509CredentialValidatorTest.Pki p = X509CredentialValidatorTest.pki(SUITE);
        AuthenticationService basicOnly = CompositeAuthenticationService.builder()
                .basic(BasicCredentialValidator.acceptingAnyIdentity()).build();
        ValidationException e = rejects(CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE, () -> basicOnly.validate(
                credential(p.leaf(), p.inter().cert()), p.key(), SUITE, CredentialContext.KEY_PACKAGE));
        assertTrue(e.getMessage().contains("type 2"));
        AuthenticationService none = CompositeAuthenticationService.builder().build();
        rejects(CredentialRule.UNSUPPORTED_CREDENTIAL_TYPE,
                () -> none.validate(basic("alice"), p.key(), SUITE, CredentialContext.KEY_PACKAGE));
        assertFalse(none.allowsReplacement(basic("alice"), basic("alice")));
    }

    @Test
    void replacementIsDelegatedWithinATypeAndRefusedAcrossTypes() {
        X509CredentialValidatorTest.Pki p = X509CredentialValidatorTest.pki(SUITE);
        AuthenticationService as = CompositeAuthenticationService.builder()
                .basic(BasicCredentialValidator.acceptingAnyIdentity())
                .x509(X509CredentialValidator.builder().trustAnchor(p.root().cert()).clock(CLOCK).build())
                .build();
        assertTrue(as.allowsReplacement(basic("alice"), basic("alice")));
        assertFalse(as.allowsReplacement(basic("alice"), basic("bob")));
        Credential cert = credential(p.leaf(), p.inter().cert());
        assertTrue(as.allowsReplacement(cert, credential(p.leaf())));
        assertFalse(as.allowsReplacement(basic("alice-phone"), cert));
        assertFalse(as.allowsReplacement(cert, basic("alice-phone")));
        rejects(CredentialRule.REPLACEMENT_NOT_ALLOWED, () -> as.checkReplacement(cert, basic("alice-phone")));
    }

    @Test
    void applicationServicesGetContextAndConservativeReplacementByDefault() {
        List<CredentialContext> seen = new ArrayList<>();
        AuthenticationService custom = (credential, key, suite, context) -> seen.add(context);
        SignaturePublicKey key = new SignaturePublicKey(new byte[32]);
        custom.validate(basic("alice"), key, SUITE, CredentialContext.EXTERNAL_SENDER);
        assertEquals(List.of(CredentialContext.EXTERNAL_SENDER), seen);
        assertTrue(custom.allowsReplacement(basic("alice"), basic("alice")));
        assertFalse(custom.allowsReplacement(basic("alice"), basic("bob")));
        rejects(CredentialRule.REPLACEMENT_NOT_ALLOWED, () -> custom.checkReplacement(basic("alice"), basic("bob")));
    }
}
