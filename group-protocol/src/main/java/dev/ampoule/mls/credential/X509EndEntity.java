package dev.ampoule.mls.credential;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * The end-entity certificate of an {@code x509} credential (RFC 9420 §5.3: {@code certificates[0]}),
 * parsed strictly, for reading the identifiers it presents — without validating the chain. A party
 * that holds no trust anchor (a Delivery Service) reads names with it; an Authentication Service
 * reads them only after {@link X509CredentialValidator} accepted the credential.
 *
 * <p>Parsing is the validator's: exactly one DER certificate, every lazily decoded field read once,
 * a failure raising {@link CredentialRule#EMPTY_CHAIN} or {@link CredentialRule#MALFORMED_CERTIFICATE}.
 * Immutable.
 */
public final class X509EndEntity {

    private final X509CertificateHolder holder;
    private final X509Certificate certificate;
    private final List<String> uris;

    private X509EndEntity(X509CertificateHolder holder, X509Certificate certificate, List<String> uris) {
        this.holder = holder;
        this.certificate = certificate;
        this.uris = uris;
    }

    /**
     * The end-entity certificate of {@code credential}.
     *
     * @throws ValidationException with {@link CredentialRule#EMPTY_CHAIN} or
     *     {@link CredentialRule#MALFORMED_CERTIFICATE} (also for a malformed subjectAltName)
     */
    public static X509EndEntity of(Credential.X509 credential) {
        Objects.requireNonNull(credential, "credential");
        if (credential.certificates().isEmpty()) {
            throw new ValidationException(CredentialRule.EMPTY_CHAIN);
        }
        X509CertificateHolder holder = X509CredentialValidator.parseHolder(
                credential.certificates().getFirst().certData(), 0);
        X509Certificate certificate = X509CredentialValidator.toJca(holder, 0);
        return new X509EndEntity(holder, certificate, uris(holder));
    }

    /** The uniformResourceIdentifier entries of the subjectAltName extension (RFC 5280 §4.2.1.6), in order. */
    public List<String> subjectAltNameUris() {
        return uris;
    }

    /** The subject distinguished name. */
    public X500Principal subject() {
        return certificate.getSubjectX500Principal();
    }

    /** The certificate, as the JCA sees it. */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Checks that the certified key is {@code signatureKey} of the suite's signature scheme (RFC 9420
     * §5.1.2, §5.3), as {@link X509CredentialValidator} does.
     *
     * @throws ValidationException with {@link CredentialRule#SIGNATURE_ALGORITHM_MISMATCH} or
     *     {@link CredentialRule#SIGNATURE_KEY_MISMATCH}
     */
    public void checkSignatureKey(SignaturePublicKey signatureKey, CipherSuiteId suite) {
        X509CredentialValidator.checkLeafKey(holder.getSubjectPublicKeyInfo(), LeafKeyAlgorithm.of(suite),
                Objects.requireNonNull(signatureKey, "signatureKey"));
    }

    private static List<String> uris(X509CertificateHolder holder) {
        List<String> out = new ArrayList<>();
        try {
            Extension ext = holder.getExtension(Extension.subjectAlternativeName);
            if (ext == null) {
                return List.of();
            }
            for (GeneralName name : GeneralNames.getInstance(ext.getParsedValue()).getNames()) {
                if (name.getTagNo() == GeneralName.uniformResourceIdentifier) {
                    out.add(ASN1IA5String.getInstance(name.getName()).getString());
                }
            }
        } catch (RuntimeException malformed) {
            throw new ValidationException(CredentialRule.MALFORMED_CERTIFICATE, "certificate 0");
        }
        return List.copyOf(out);
    }
}
