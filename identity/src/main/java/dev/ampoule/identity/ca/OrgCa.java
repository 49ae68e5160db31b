package dev.ampoule.identity.ca;

import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * The organisation's two CA levels (IDENTITY.md, "Trust anchors"): a self-signed <em>root</em> — the
 * trust anchor every device is configured with, its key kept offline — and the <em>issuing CA</em> it
 * certifies, whose key the identity issuer holds to sign device certificates. Both use Ed25519 keys.
 *
 * <pre>
 * root:    subject O=&lt;org&gt;, CN=&lt;org&gt; root CA;  basicConstraints cA, pathLen 1; keyUsage keyCertSign, cRLSign
 * issuing: subject O=&lt;org&gt;, CN=&lt;org&gt; device issuer; basicConstraints cA, pathLen 0; keyUsage keyCertSign, cRLSign
 * </pre>
 * Both carry subject (and authority) key identifiers; validity starts an hour back.
 */
public final class OrgCa {

    /** Organisation ids: those of the relay's tokens ({@code org} claim). */
    private static final Pattern ORG = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Duration BACKDATE = Duration.ofHours(1);

    private OrgCa() {
    }

    public static boolean validOrg(String org) {
        return org != null && ORG.matcher(org).matches();
    }

    /** A new self-signed root CA for organisation {@code org}, valid for {@code validity}. */
    public static CaKey createRoot(String org, Duration validity, Clock clock) {
        requireOrg(org);
        KeyPair keys = Pkix.ed25519();
        X500Name name = name(org, org + " root CA");
        Instant now = clock.instant();
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        X509v3CertificateBuilder b = new X509v3CertificateBuilder(name, Pkix.serial(), Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(validity)), name, spki);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(1));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(spki));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build the root certificate", e);
        }
        return new CaKey(Pkix.jca(b.build(Pkix.signer(keys.getPrivate()))), keys.getPrivate());
    }

    /**
     * A new issuing CA certified by {@code root}, valid for {@code validity} but never beyond the
     * root. Its organisation is the root's.
     */
    public static CaKey createIssuing(CaKey root, Duration validity, Clock clock) {
        String org = organisation(root.certificate())
                .orElseThrow(() -> new IllegalArgumentException("the root names no organisation (O)"));
        KeyPair keys = Pkix.ed25519();
        Instant now = clock.instant();
        Instant end = now.plus(validity);
        Instant rootEnd = root.certificate().getNotAfter().toInstant();
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
        try {
            X509CertificateHolder rootHolder = new X509CertificateHolder(root.certificate().getEncoded());
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(rootHolder.getSubject(), Pkix.serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(end.isAfter(rootEnd) ? rootEnd : end),
                    name(org, org + " device issuer"), spki);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(spki));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(rootHolder.getSubjectPublicKeyInfo()));
            return new CaKey(Pkix.jca(b.build(Pkix.signer(root.key()))), keys.getPrivate());
        } catch (IOException | CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build the issuing CA certificate", e);
        }
    }

    /** The organisation a CA (or device) certificate names: its subject's O. */
    public static Optional<String> organisation(X509Certificate cert) {
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        return attribute(subject, BCStyle.O);
    }

    static Optional<String> attribute(X500Name name, org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        RDN[] rdns = name.getRDNs(type);
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            return Optional.empty();
        }
        ASN1Encodable value = rdns[0].getFirst().getValue();
        return value instanceof ASN1String s ? Optional.of(s.getString()) : Optional.empty();
    }

    private static X500Name name(String org, String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, org).addRDN(BCStyle.CN, commonName).build();
    }

    private static void requireOrg(String org) {
        if (!validOrg(org)) {
            throw new IllegalArgumentException("an organisation id is [A-Za-z0-9._-]{1,64}");
        }
    }
}
