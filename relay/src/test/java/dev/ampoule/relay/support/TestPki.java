package dev.ampoule.relay.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates for TLS tests, made with Bouncy Castle: certificate authorities, a server
 * certificate for 127.0.0.1, client certificates; PEM text and files as the relay reads them.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private TestPki() {
    }

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509CertificateHolder certificate) {

        public String certificatePem() {
            return pem(certificate);
        }

        public String keyPem() {
            try {
                return pem(new JcaPKCS8Generator(keys.getPrivate(), null));
            } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The subject's common name. */
        public String commonName() {
            return certificate.getSubject().toString();
        }

        /** Writes the certificate and the key as PEM files (each replaced atomically, as a deployment would). */
        public void writeTo(Path certFile, Path keyFile) {
            replace(certFile, certificatePem());
            replace(keyFile, keyPem());
        }

        /** The certificate and key as Vert.x client options. */
        public PemKeyCertOptions asKeyCertOptions() {
            return new PemKeyCertOptions().setCertValue(Buffer.buffer(certificatePem())).setKeyValue(Buffer.buffer(keyPem()));
        }
    }

    private static KeyPair ecKeys() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(256);
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed certificate authority. */
    public static Issued authority(String cn) {
        KeyPair keys = ecKeys();
        X500Name name = new X500Name("CN=" + cn);
        return new Issued(keys, build(name, keys, name, keys.getPrivate(), true, false));
    }

    /** A server certificate for 127.0.0.1, issued by {@code ca}. */
    public static Issued server(String cn, Issued ca) {
        KeyPair keys = ecKeys();
        return new Issued(keys, build(new X500Name("CN=" + cn), keys, ca.certificate().getSubject(),
                ca.keys().getPrivate(), false, true));
    }

    /** A client certificate issued by {@code ca}. */
    public static Issued client(String cn, Issued ca) {
        KeyPair keys = ecKeys();
        return new Issued(keys, build(new X500Name("CN=" + cn), keys, ca.certificate().getSubject(),
                ca.keys().getPrivate(), false, false));
    }

    private static X509CertificateHolder build(X500Name subject, KeyPair keys, X500Name issuer, PrivateKey issuerKey,
            boolean ca, boolean server) {
        Instant now = Instant.now();
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            }
            if (server) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
            }
            return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey));
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes {@code text} to {@code file} through a temporary file and an atomic rename. */
    public static void replace(Path file, String text) {
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
