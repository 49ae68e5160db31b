package dev.ampoule.identity.ca;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * The CA files, in PEM: certificates ({@code CERTIFICATE}) and PKCS#8 private keys
 * ({@code PRIVATE KEY}, unencrypted, written owner-readable only). Blocking file I/O.
 *
 * <pre>
 * &lt;root dir&gt;/root-ca.pem          the organisation's trust anchor: give it to every device
 * &lt;root dir&gt;/root-ca-key.pem      the root's key: keep it offline (only init-issuer needs it)
 * &lt;data dir&gt;/issuer-ca.pem        the issuing CA's certificate, then the root's
 * &lt;data dir&gt;/issuer-ca-key.pem    the issuing CA's key: the identity issuer's only secret
 * </pre>
 */
public final class CaFiles {

    public static final String ROOT_CERT = "root-ca.pem";
    public static final String ROOT_KEY = "root-ca-key.pem";
    public static final String ISSUER_CHAIN = "issuer-ca.pem";
    public static final String ISSUER_KEY = "issuer-ca-key.pem";

    private CaFiles() {
    }

    /** Writes a new root's files into {@code dir}; refuses to replace existing ones. */
    public static void writeRoot(Path dir, CaKey root) throws IOException {
        Files.createDirectories(dir);
        writeNew(dir.resolve(ROOT_KEY), pemKey(root.key()), true);
        writeNew(dir.resolve(ROOT_CERT), pemCertificates(List.of(root.certificate())), false);
    }

    public static CaKey readRoot(Path dir) throws IOException {
        List<X509Certificate> certs = readCertificates(dir.resolve(ROOT_CERT));
        if (certs.size() != 1) {
            throw new IOException(ROOT_CERT + " must hold exactly one certificate");
        }
        return new CaKey(certs.getFirst(), readKey(dir.resolve(ROOT_KEY)));
    }

    /** Writes the issuing CA's files into {@code dataDir}; refuses to replace existing ones. */
    public static void writeIssuer(Path dataDir, CaKey issuing, X509Certificate root) throws IOException {
        Files.createDirectories(dataDir);
        writeNew(dataDir.resolve(ISSUER_KEY), pemKey(issuing.key()), true);
        writeNew(dataDir.resolve(ISSUER_CHAIN), pemCertificates(List.of(issuing.certificate(), root)), false);
    }

    /** The issuing CA of {@code dataDir}. */
    public static IssuingCa readIssuer(Path dataDir) throws IOException {
        List<X509Certificate> chain = readCertificates(dataDir.resolve(ISSUER_CHAIN));
        if (chain.size() != 2) {
            throw new IOException(ISSUER_CHAIN + " must hold the issuing CA's certificate, then the root's");
        }
        return IssuingCa.of(new CaKey(chain.get(0), readKey(dataDir.resolve(ISSUER_KEY))), chain.get(1));
    }

    /** Every certificate of a PEM file, in order. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        return parseCertificates(Files.readString(file, StandardCharsets.US_ASCII));
    }

    /** Every certificate of PEM text, in order. */
    public static List<X509Certificate> parseCertificates(String pem) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (!(o instanceof X509CertificateHolder holder)) {
                    throw new IOException("not a certificate in the PEM text");
                }
                out.add(Pkix.jca(holder));
            }
        } catch (IllegalStateException e) {
            throw new IOException("unreadable certificate", e);
        }
        return out;
    }

    public static String pemCertificates(List<X509Certificate> certs) {
        StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            for (X509Certificate c : certs) {
                w.writeObject(new PemObject("CERTIFICATE", c.getEncoded()));
            }
        } catch (IOException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode a certificate", e);
        }
        return out.toString();
    }

    private static PrivateKey readKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(r)) {
            if (!(parser.readObject() instanceof PrivateKeyInfo info)) {
                throw new IOException(file.getFileName() + " holds no PKCS#8 private key");
            }
            return new JcaPEMKeyConverter().setProvider(Pkix.BC).getPrivateKey(info);
        }
    }

    private static String pemKey(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            w.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a key", e);
        }
        return out.toString();
    }

    /** Writes a file that must not exist yet, atomically; a key file is owner-readable only. */
    private static void writeNew(Path file, String text, boolean secret) throws IOException {
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "refusing to replace it");
        }
        Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try {
            if (secret) {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system
                }
            }
            Files.writeString(tmp, text, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
