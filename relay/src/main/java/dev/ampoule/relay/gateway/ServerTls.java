package dev.ampoule.relay.gateway;

import dev.ampoule.relay.config.RelayConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.LinkedHashSet;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The listener's TLS settings as read from the configured files at one moment: the certificate
 * chain and private key, the client certificate authorities (mutual TLS), the protocol versions
 * and cipher suites of {@link RelayConfig}. The key must belong to the chain's first certificate.
 * {@link #read} is blocking file I/O (off the event loop); {@link #changedFrom} tells whether the files' content differs from an earlier reading, so
 * a periodic check hands the server new options only when a file was replaced. The PEM contents
 * are kept in memory only, never logged.
 */
final class ServerTls {

    private final ServerSSLOptions options;
    private final byte[] fingerprint;

    private ServerTls(ServerSSLOptions options, byte[] fingerprint) {
        this.options = options;
        this.fingerprint = fingerprint;
    }

    /** Reads the files named by {@code config} (which has TLS). */
    static ServerTls read(RelayConfig config) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] cert = readFile(config.tlsCertPath.orElseThrow(), digest);
            byte[] key = readFile(config.tlsKeyPath.orElseThrow(), digest);
            requireMatchingPair(cert, key);
            Optional<byte[]> clientCa = config.tlsClientCaPath.isPresent()
                    ? Optional.of(readFile(config.tlsClientCaPath.get(), digest)) : Optional.empty();
            ServerSSLOptions o = new ServerSSLOptions()
                    .setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(cert))
                            .setKeyValue(Buffer.buffer(key)))
                    .setEnabledSecureTransportProtocols(new LinkedHashSet<>(config.tlsProtocols));
            config.tlsCipherSuites.forEach(o::addEnabledCipherSuite);
            if (clientCa.isPresent()) {
                o.setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(clientCa.get())));
                o.setClientAuth(config.tlsRequireClientAuth ? ClientAuth.REQUIRED : ClientAuth.REQUEST);
            } else {
                o.setClientAuth(ClientAuth.NONE);
            }
            return new ServerTls(o, digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /**
     * Refuses a key that does not belong to the chain's first certificate: a pair replaced on disk
     * one file at a time is read half old, half new, and must not be served.
     */
    static void requireMatchingPair(byte[] certPem, byte[] keyPem) {
        PublicKey publicKey;
        PrivateKey privateKey;
        try (PEMParser certs = new PEMParser(new StringReader(new String(certPem, StandardCharsets.US_ASCII)));
                PEMParser keys = new PEMParser(new StringReader(new String(keyPem, StandardCharsets.US_ASCII)))) {
            if (!(certs.readObject() instanceof X509CertificateHolder holder)) {
                throw new IllegalArgumentException("the TLS certificate file holds no certificate");
            }
            publicKey = new JcaX509CertificateConverter().getCertificate(holder).getPublicKey();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            privateKey = switch (keys.readObject()) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getKeyPair(pair).getPrivate();
                case null, default -> throw new IllegalArgumentException(
                        "the TLS key file holds no unencrypted private key");
            };
        } catch (IOException | java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("the TLS certificate or key file does not parse", e);
        }
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "Ed448", "EdDSA" -> privateKey.getAlgorithm();
            default -> null; // left to the TLS stack
        };
        if (algorithm == null) {
            return;
        }
        try {
            byte[] probe = "ampoule tls key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException("the TLS key does not belong to the certificate");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the TLS key does not belong to the certificate", e);
        }
    }

    private static byte[] readFile(Path file, MessageDigest digest) {
        try {
            byte[] content = Files.readAllBytes(file);
            digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
            digest.update(content);
            return content;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the TLS file " + file + ": " + e.getClass().getSimpleName(), e);
        }
    }

    /** The options for {@code HttpServer.updateSSLOptions}. */
    ServerSSLOptions options() {
        return options.copy();
    }

    /** Whether the files' content differs from {@code earlier}'s. */
    boolean changedFrom(ServerTls earlier) {
        return !MessageDigest.isEqual(fingerprint, earlier.fingerprint);
    }

    /** Turns TLS on in {@code server} with these settings. */
    HttpServerOptions applyTo(HttpServerOptions server) {
        server.setSsl(true)
                .setKeyCertOptions(options.getKeyCertOptions().copy())
                .setEnabledSecureTransportProtocols(new LinkedHashSet<>(options.getEnabledSecureTransportProtocols()))
                .setClientAuth(options.getClientAuth());
        if (options.getTrustOptions() != null) {
            server.setTrustOptions(options.getTrustOptions().copy());
        }
        options.getEnabledCipherSuites().forEach(server::addEnabledCipherSuite);
        return server;
    }
}
