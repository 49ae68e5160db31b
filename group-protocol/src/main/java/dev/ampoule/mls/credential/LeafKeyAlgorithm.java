package dev.ampoule.mls.credential;

import dev.ampoule.mls.crypto.CipherSuiteId;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The subjectPublicKeyInfo algorithm an end-entity certificate must carry for each MLS signature
 * scheme (RFC 9420 §5.1.2, §17.1): Ed25519 and Ed448 keys (RFC 8410, parameters absent) and EC keys
 * on the named curves P-256, P-384, P-521 (RFC 5480).
 */
enum LeafKeyAlgorithm {
    ED25519(EdECObjectIdentifiers.id_Ed25519, null),
    ED448(EdECObjectIdentifiers.id_Ed448, null),
    ECDSA_P256(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp256r1),
    ECDSA_P384(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp384r1),
    ECDSA_P521(X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp521r1);

    private final ASN1ObjectIdentifier algorithm;
    private final ASN1ObjectIdentifier namedCurve;

    LeafKeyAlgorithm(ASN1ObjectIdentifier algorithm, ASN1ObjectIdentifier namedCurve) {
        this.algorithm = algorithm;
        this.namedCurve = namedCurve;
    }

    /** The signature scheme of a cipher suite (RFC 9420 §17.1). */
    static LeafKeyAlgorithm of(CipherSuiteId suite) {
        return switch (suite) {
            case MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
                    MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519 -> ED25519;
            case MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448,
                    MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448 -> ED448;
            case MLS_128_DHKEMP256_AES128GCM_SHA256_P256 -> ECDSA_P256;
            case MLS_256_DHKEMP384_AES256GCM_SHA384_P384 -> ECDSA_P384;
            case MLS_256_DHKEMP521_AES256GCM_SHA512_P521 -> ECDSA_P521;
        };
    }

    /** True when a subjectPublicKeyInfo algorithm identifier denotes this scheme's keys. */
    boolean matches(AlgorithmIdentifier id) {
        if (!algorithm.equals(id.getAlgorithm())) {
            return false;
        }
        ASN1Encodable parameters = id.getParameters();
        if (namedCurve == null) {
            return parameters == null;
        }
        return parameters instanceof ASN1ObjectIdentifier curve && curve.equals(namedCurve);
    }
}
