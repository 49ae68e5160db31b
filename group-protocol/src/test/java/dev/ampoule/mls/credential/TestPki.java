package dev.ampoule.mls.credential;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away PKI built with Bouncy Castle at test time: CAs, end-entity certificates, CRLs. */
final class TestPki {

    static final Provider BC = new BouncyCastleProvider();

    /** The instant every test validates at unless it says otherwise. */
    static final Instant NOW = Instant.parse("2030-06-01T12:00:00Z");

    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static final AtomicLong SERIAL = new AtomicLong(1000);

    private TestPki() {}

    /** A certificate authority: its key pair and certificate. */
    record Ca(KeyPair keys, X509Certificate cert) {
        X500Name name() {
            return X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        }
    }

    // ---- keys -----------------------------------------------------------------------------------

    static KeyPair ed25519() {
        return generate("Ed25519", null);
    }

    static KeyPair p256() {
        return generate("EC", "secp256r1");
    }

    static KeyPair p384() {
        return generate("EC", "secp384r1");
    }

    private static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm, BC);
            if (curve != null) {
                g.initialize(new ECGenParameterSpec(curve));
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** The subjectPublicKeyInfo of an MLS signature key for a suite (raw EdDSA key or SEC1 point). */
    static SubjectPublicKeyInfo spkiOf(SignaturePublicKey key, CipherSuiteId suite) {
        AlgorithmIdentifier alg = switch (LeafKeyAlgorithm.of(suite)) {
            case ED25519 -> new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);
            case ED448 -> new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed448);
            case ECDSA_P256 -> new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp256r1);
            case ECDSA_P384 -> new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp384r1);
            case ECDSA_P521 -> new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp521r1);
        };
        return new SubjectPublicKeyInfo(alg, key.bytes());
    }

    static SubjectPublicKeyInfo spkiOf(KeyPair keys) {
        return SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded());
    }

    // ---- certificates ---------------------------------------------------------------------------

    /** A certificate being issued; defaults: valid from NOW - 30 days to NOW + 365 days, no extensions. */
    static final class Issue {
        private final X500Name subject;
        private final SubjectPublicKeyInfo spki;
        private X500Name issuer;
        private PrivateKey signer;
        private Instant notBefore = NOW.minus(Duration.ofDays(30));
        private Instant notAfter = NOW.plus(Duration.ofDays(365));
        private BasicConstraints basicConstraints;
        private KeyUsage keyUsage;
        private GeneralNames subjectAltNames;
        private ASN1ObjectIdentifier unknownCriticalExtension;
        private BigInteger serial = BigInteger.valueOf(SERIAL.incrementAndGet());

        Issue(X500Name subject, SubjectPublicKeyInfo spki) {
            this.subject = subject;
            this.spki = spki;
        }

        Issue by(Ca ca) {
            this.issuer = ca.name();
            this.signer = ca.keys().getPrivate();
            return this;
        }

        /** Signed by an arbitrary key under an arbitrary issuer name. */
        Issue by(String issuerName, PrivateKey key) {
            return by(new X500Name(issuerName), key);
        }

        Issue by(X500Name issuerName, PrivateKey key) {
            this.issuer = issuerName;
            this.signer = key;
            return this;
        }

        Issue validity(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        Issue ca() {
            this.basicConstraints = new BasicConstraints(true);
            return this;
        }

        Issue ca(int pathLength) {
            this.basicConstraints = new BasicConstraints(pathLength);
            return this;
        }

        Issue notCa() {
            this.basicConstraints = new BasicConstraints(false);
            return this;
        }

        Issue keyUsage(int bits) {
            this.keyUsage = new KeyUsage(bits);
            return this;
        }

        Issue subjectAltNames(GeneralName... names) {
            this.subjectAltNames = new GeneralNames(names);
            return this;
        }

        Issue unknownCriticalExtension() {
            this.unknownCriticalExtension = new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1");
            return this;
        }

        Issue serial(long serial) {
            this.serial = BigInteger.valueOf(serial);
            return this;
        }

        X509Certificate build() {
            try {
                X509v3CertificateBuilder b = new X509v3CertificateBuilder(issuer, serial, Date.from(notBefore),
                        Date.from(notAfter), subject, spki);
                if (basicConstraints != null) {
                    b.addExtension(Extension.basicConstraints, true, basicConstraints);
                }
                if (keyUsage != null) {
                    b.addExtension(Extension.keyUsage, true, keyUsage);
                }
                if (subjectAltNames != null) {
                    b.addExtension(Extension.subjectAlternativeName, subject.getRDNs().length == 0, subjectAltNames);
                }
                if (unknownCriticalExtension != null) {
                    b.addExtension(unknownCriticalExtension, true, new DEROctetString(new byte[] {1}));
                }
                X509CertificateHolder holder = b.build(contentSigner(signer));
                return new JcaX509CertificateConverter().setProvider(BC).getCertificate(holder);
            } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
                throw new AssertionError(e);
            }
        }
    }

    static Issue issue(String subject, SubjectPublicKeyInfo spki) {
        return new Issue(new X500Name(subject), spki);
    }

    /** A self-signed root CA. */
    static Ca root(String subject, KeyPair keys) {
        return root(new X500Name(subject), keys);
    }

    /** A self-signed root CA. */
    static Ca root(X500Name subject, KeyPair keys) {
        Issue i = new Issue(subject, spkiOf(keys)).by(subject, keys.getPrivate()).ca()
                .keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                .validity(NOW.minus(Duration.ofDays(3650)), NOW.plus(Duration.ofDays(3650)));
        return new Ca(keys, i.build());
    }

    /** An intermediate CA issued by {@code parent}. */
    static Ca intermediate(String subject, KeyPair keys, Ca parent) {
        X509Certificate cert = issue(subject, spkiOf(keys)).by(parent).ca()
                .keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                .validity(NOW.minus(Duration.ofDays(365)), NOW.plus(Duration.ofDays(1825))).build();
        return new Ca(keys, cert);
    }

    /** A CRL of {@code ca} listing the given serial numbers as key-compromised. */
    static X509CRL crl(Ca ca, X509Certificate... revoked) {
        return crl(ca.name(), ca.keys().getPrivate(), revoked);
    }

    static X509CRL crl(X500Name issuer, PrivateKey key, X509Certificate... revoked) {
        try {
            X509v2CRLBuilder b = new X509v2CRLBuilder(issuer, Date.from(NOW.minus(Duration.ofDays(1))));
            b.setNextUpdate(Date.from(NOW.plus(Duration.ofDays(7))));
            for (X509Certificate c : revoked) {
                b.addCRLEntry(c.getSerialNumber(), Date.from(NOW.minus(Duration.ofHours(1))), CRLReason.keyCompromise);
            }
            return new JcaX509CRLConverter().setProvider(BC).getCRL(b.build(contentSigner(key)));
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new AssertionError(e);
        }
    }

    private static ContentSigner contentSigner(PrivateKey key) throws OperatorCreationException {
        String alg = switch (key.getAlgorithm()) {
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> "SHA256withECDSA";
        };
        return new JcaContentSignerBuilder(alg).setProvider(BC).build(key);
    }

    // ---- credentials ----------------------------------------------------------------------------

    static Credential.X509 credential(X509Certificate... chain) {
        List<Credential.Certificate> entries = new ArrayList<>();
        for (X509Certificate c : chain) {
            entries.add(new Credential.Certificate(encoded(c)));
        }
        return new Credential.X509(entries);
    }

    static Credential.X509 credentialOfDer(byte[]... ders) {
        List<Credential.Certificate> entries = new ArrayList<>();
        for (byte[] d : ders) {
            entries.add(new Credential.Certificate(d));
        }
        return new Credential.X509(entries);
    }

    static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            this.now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
