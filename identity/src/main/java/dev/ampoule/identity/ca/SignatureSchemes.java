package dev.ampoule.identity.ca;

import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The subjectPublicKeyInfo of a device's MLS signature key (RFC 9420 §5.1.1: raw EdDSA bytes, or an
 * uncompressed SEC1 point for ECDSA), for the signature scheme of its cipher suite (§17.1): the
 * form {@link dev.ampoule.mls.credential.X509CredentialValidator} compares with the leaf's key.
 */
public final class SignatureSchemes {

    private SignatureSchemes() {
    }

    /**
     * The key's subjectPublicKeyInfo, if it is a well-formed key of the suite's scheme (right length,
     * an EC point on the curve).
     */
    public static Optional<SubjectPublicKeyInfo> subjectPublicKeyInfo(CipherSuiteId suite, SignaturePublicKey key) {
        byte[] raw = key.bytes();
        AlgorithmIdentifier algorithm;
        String jcaName;
        int length;
        switch (suite) {
            case MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 -> {
                algorithm = new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);
                jcaName = "Ed25519";
                length = 32;
            }
            case MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448, MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 -> {
                algorithm = new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed448);
                jcaName = "Ed448";
                length = 57;
            }
            case MLS_128_DHKEMP256_AES128GCM_SHA256_P256 -> {
                algorithm = ec(SECObjectIdentifiers.secp256r1);
                jcaName = "EC";
                length = 65;
            }
            case MLS_256_DHKEMP384_AES256GCM_SHA384_P384 -> {
                algorithm = ec(SECObjectIdentifiers.secp384r1);
                jcaName = "EC";
                length = 97;
            }
            case MLS_256_DHKEMP521_AES256GCM_SHA512_P521 -> {
                algorithm = ec(SECObjectIdentifiers.secp521r1);
                jcaName = "EC";
                length = 133;
            }
            default -> {
                return Optional.empty();
            }
        }
        if (raw.length != length || (jcaName.equals("EC") && raw[0] != 0x04)) {
            return Optional.empty();
        }
        SubjectPublicKeyInfo spki = new SubjectPublicKeyInfo(algorithm, raw);
        try {
            // Bouncy Castle checks an EC point is on its curve
            KeyFactory.getInstance(jcaName, Pkix.BC).generatePublic(new X509EncodedKeySpec(spki.getEncoded(ASN1Encoding.DER)));
            return Optional.of(spki);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static AlgorithmIdentifier ec(ASN1ObjectIdentifier curve) {
        return new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, curve);
    }
}
