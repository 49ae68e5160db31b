package dev.ampoule.identity.ca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Bouncy Castle, used as an explicit provider (never installed globally), and what every CA step shares. */
final class Pkix {

    static final Provider BC = new BouncyCastleProvider();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Pkix() {
    }

    /** A fresh Ed25519 key pair: the algorithm of Ampoule's CA keys. */
    static KeyPair ed25519() {
        try {
            return KeyPairGenerator.getInstance("Ed25519", BC).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 unavailable", e);
        }
    }

    /** A signer for certificates issued with {@code key} (Ed25519, RFC 8410). */
    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder("Ed25519").setProvider(BC).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign with the CA key", e);
        }
    }

    static X509Certificate jca(X509CertificateHolder holder) {
        try {
            return new JcaX509CertificateConverter().setProvider(BC).getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalStateException("cannot read a certificate just built", e);
        }
    }

    /** A random positive serial number of 128 bits (RFC 5280 §4.1.2.2: at most 20 octets). */
    static BigInteger serial() {
        return new BigInteger(128, RANDOM).setBit(127);
    }
}
