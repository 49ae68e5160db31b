package dev.ampoule.identity.ca;

import dev.ampoule.relay.protocol.DeviceId;
import java.io.IOException;
import java.math.BigInteger;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * Issues device certificates: the end-entity certificates of Ampoule's {@code x509} MLS credentials
 * (IDENTITY.md, "Device certificate profile").
 *
 * <pre>
 * version 3, a random 128-bit serial, signed by the issuing CA (Ed25519)
 * validity       from 5 minutes back (a tenth of the lifetime, if less) to the configured lifetime ahead,
 *                never beyond the issuing CA
 * subject        O=&lt;org&gt;, UID=&lt;user&gt;, CN=&lt;device&gt;[, title=&lt;role&gt;]
 * subjectAltName URI ampoule://&lt;user&gt;/&lt;device&gt;              (DeviceId.uri(): the name that counts)
 * key            the device's MLS signature key, as the suite's scheme (SignatureSchemes)
 * extensions     basicConstraints cA=false (critical), keyUsage digitalSignature (critical),
 *                subject and authority key identifiers
 * </pre>
 * Immutable and thread-safe.
 */
public final class DeviceCertificateIssuer {

    private static final Duration BACKDATE = Duration.ofMinutes(5);

    private final IssuingCa ca;
    private final X509CertificateHolder issuingHolder;
    private final Duration lifetime;
    private final Clock clock;

    public DeviceCertificateIssuer(IssuingCa ca, Duration lifetime, Clock clock) {
        this.ca = ca;
        this.lifetime = lifetime;
        this.clock = clock;
        try {
            this.issuingHolder = new X509CertificateHolder(ca.issuing().certificate().getEncoded());
        } catch (IOException | CertificateEncodingException e) {
            throw new IllegalArgumentException("unreadable issuing CA certificate", e);
        }
    }

    /** A certificate issued, with the chain a credential carries: the certificate, then the issuing CA's. */
    public record Issued(X509Certificate certificate, List<X509Certificate> chain) {

        public Instant notBefore() {
            return certificate.getNotBefore().toInstant();
        }

        public Instant notAfter() {
            return certificate.getNotAfter().toInstant();
        }

        public BigInteger serial() {
            return certificate.getSerialNumber();
        }
    }

    public IssuingCa ca() {
        return ca;
    }

    /**
     * Certifies {@code key} (a subjectPublicKeyInfo from {@link SignatureSchemes}) for {@code device},
     * with the professional {@code role} when there is one. Fails with {@link IllegalStateException}
     * when the issuing CA has expired.
     */
    public Issued issue(DeviceId device, Optional<String> role, SubjectPublicKeyInfo key) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant caEnd = ca.issuing().certificate().getNotAfter().toInstant();
        Instant end = now.plus(lifetime).isAfter(caEnd) ? caEnd : now.plus(lifetime);
        if (!end.isAfter(now)) {
            throw new IllegalStateException("the issuing CA has expired");
        }
        X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, ca.org())
                .addRDN(BCStyle.UID, device.userId())
                .addRDN(BCStyle.CN, device.deviceId());
        role.ifPresent(r -> subject.addRDN(BCStyle.T, r));
        X500Name name = subject.build();
        Duration backdate = lifetime.dividedBy(10).compareTo(BACKDATE) < 0 ? lifetime.dividedBy(10) : BACKDATE;
        X509v3CertificateBuilder b = new X509v3CertificateBuilder(issuingHolder.getSubject(), Pkix.serial(),
                Date.from(now.minus(backdate)), Date.from(end), name, key);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, device.uri())));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(issuingHolder.getSubjectPublicKeyInfo()));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build a device certificate", e);
        }
        X509Certificate cert = Pkix.jca(b.build(Pkix.signer(ca.issuing().key())));
        return new Issued(cert, List.of(cert, ca.issuing().certificate()));
    }
}
