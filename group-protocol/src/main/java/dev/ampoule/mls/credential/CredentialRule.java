package dev.ampoule.mls.credential;

import dev.ampoule.mls.error.Rule;

/**
 * Rules of credential validation by the Authentication Service (RFC 9420 §5.3, §5.3.1, §5.3.2; for
 * X.509 chains, the path validation of RFC 5280 §6). A {@link dev.ampoule.mls.error.ValidationException}
 * carrying one of these names the rule a credential broke; its detail is at most the index of the
 * offending certificate (0 is the end-entity certificate), never a key, a name or a certificate.
 */
public enum CredentialRule implements Rule {

    // ---- any credential --------------------------------------------------------------------------

    UNSUPPORTED_CREDENTIAL_TYPE("RFC 9420 §5.3.1",
            "the Authentication Service accepts no credential of this type"),
    REPLACEMENT_NOT_ALLOWED("RFC 9420 §5.3.1",
            "the new credential's identity is not a valid successor of the member's current credential"),
    SIGNATURE_ALGORITHM_MISMATCH("RFC 9420 §5.1.2",
            "the credential's key algorithm is not the signature scheme of the cipher suite"),

    // ---- basic ----------------------------------------------------------------------------------

    EMPTY_IDENTITY("RFC 9420 §5.3", "a basic credential must carry a non-empty identity"),
    UNKNOWN_IDENTITY("RFC 9420 §5.3.1", "the presented identity is not one the application accepts"),
    KEY_NOT_BOUND_TO_IDENTITY("RFC 9420 §5.3.1",
            "the signature key is not associated with the presented identity"),

    // ---- x509: form -----------------------------------------------------------------------------

    EMPTY_CHAIN("RFC 9420 §5.3", "an X.509 credential must carry at least the end-entity certificate"),
    CHAIN_TOO_LONG("RFC 9420 §5.3", "the certificate chain is longer than the configured limit"),
    MALFORMED_CERTIFICATE("RFC 9420 §5.3",
            "each certificates entry must be exactly one DER-encoded X.509 certificate"),
    SIGNATURE_KEY_MISMATCH("RFC 9420 §5.3",
            "the end-entity subjectPublicKeyInfo must be identical to the leaf's signature_key"),

    // ---- x509: path validation ------------------------------------------------------------------

    CHAIN_NOT_IN_ORDER("RFC 9420 §5.3; RFC 5280 §6.1.3",
            "each certificate must be issued by the next one in the chain (end-entity first)"),
    UNTRUSTED_CHAIN("RFC 5280 §6.1",
            "the chain does not end in a certificate signed by a configured trust anchor"),
    BAD_CERTIFICATE_SIGNATURE("RFC 5280 §6.1.3",
            "a certificate's signature does not verify under the next certificate's public key"),
    CERTIFICATE_EXPIRED("RFC 9420 §5.3.2; RFC 5280 §4.1.2.5",
            "a certificate of the chain is past its notAfter time"),
    CERTIFICATE_NOT_YET_VALID("RFC 5280 §4.1.2.5", "a certificate of the chain is before its notBefore time"),
    ISSUER_NOT_CA("RFC 5280 §4.2.1.9",
            "a certificate that issues another must be a CA (basicConstraints cA true)"),
    ISSUER_KEY_USAGE("RFC 5280 §4.2.1.3",
            "a certificate that issues another must allow keyCertSign when it has a keyUsage extension"),
    LEAF_KEY_USAGE("RFC 5280 §4.2.1.3",
            "the end-entity certificate must allow digitalSignature when it has a keyUsage extension"),
    CERTIFICATE_REVOKED("RFC 9420 §5.3.2; RFC 5280 §6.3",
            "a certificate of the chain is listed on a configured revocation list"),
    CHAIN_INVALID("RFC 5280 §6.1",
            "certification path validation failed (path length, name constraints, policies or a critical extension)");

    private final String section;
    private final String description;

    CredentialRule(String section, String description) {
        this.section = section;
        this.description = description;
    }

    @Override
    public String section() {
        return section;
    }

    @Override
    public String description() {
        return description;
    }
}
