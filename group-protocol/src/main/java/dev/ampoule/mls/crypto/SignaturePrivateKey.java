package dev.ampoule.mls.crypto;

/**
 * A signature private key: the seed bytes for EdDSA (RFC 8032), the big-endian scalar for ECDSA.
 */
public final class SignaturePrivateKey extends Secret {
    public SignaturePrivateKey(byte[] value) {
        super(value);
    }
}
