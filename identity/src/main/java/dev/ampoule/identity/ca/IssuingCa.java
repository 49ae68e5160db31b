package dev.ampoule.identity.ca;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * The identity issuer's CA: the issuing CA's certificate and key, the organisation's root that
 * certifies it, and the organisation id they name (subject O).
 */
public record IssuingCa(CaKey issuing, X509Certificate root, String org) {

    public IssuingCa {
        Objects.requireNonNull(issuing, "issuing");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(org, "org");
    }

    /**
     * Checks that {@code issuing} is a CA certified by {@code root} and that both name the same
     * organisation.
     *
     * @throws IllegalArgumentException when they do not fit together
     */
    public static IssuingCa of(CaKey issuing, X509Certificate root) {
        X509Certificate cert = issuing.certificate();
        try {
            cert.verify(root.getPublicKey(), Pkix.BC);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the issuing CA certificate is not signed by the root");
        }
        if (cert.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the issuing CA certificate is not a CA certificate");
        }
        String org = OrgCa.organisation(cert)
                .orElseThrow(() -> new IllegalArgumentException("the issuing CA names no organisation (O)"));
        if (!OrgCa.organisation(root).map(org::equals).orElse(false)) {
            throw new IllegalArgumentException("the issuing CA and the root name different organisations");
        }
        return new IssuingCa(issuing, root, org);
    }
}
