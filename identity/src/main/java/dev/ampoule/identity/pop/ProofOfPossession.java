package dev.ampoule.identity.pop;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.relay.protocol.DeviceId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The device's proof that it holds the private half of the signature key it asks a certificate for
 * (IDENTITY.md, "Proof of possession"): an MLS {@code SignWithLabel} (RFC 9420 §5.1.2) with that key
 * over
 * <pre>
 * struct {
 *     opaque nonce&lt;V&gt;;            // the issuer's nonce, its ASCII bytes
 *     opaque user_id&lt;V&gt;;          // the token's subject, UTF-8
 *     opaque device_id&lt;V&gt;;
 *     uint16 cipher_suite;
 *     opaque signature_key&lt;V&gt;;    // the key to certify (SignaturePublicKey)
 *     opaque token_hash&lt;V&gt;;       // SHA-256 of the bearer token's ASCII bytes
 * } DeviceCertificateRequestTBS;
 * </pre>
 * with the label {@value #LABEL} (so {@code "MLS 1.0 ampoule device certificate request"}: no MLS
 * signature can be mistaken for it). The nonce makes a proof single-use, the user and device bind it
 * to the name certified, and the token hash to the login it accompanies (as DPoP's {@code ath}).
 */
public final class ProofOfPossession {

    public static final String LABEL = "ampoule device certificate request";

    private ProofOfPossession() {
    }

    /** The {@code DeviceCertificateRequestTBS} bytes. */
    public static byte[] toBeSigned(String nonce, DeviceId device, int cipherSuite, SignaturePublicKey key,
            String token) {
        TlsWriter w = new TlsWriter(256);
        w.opaque(nonce.getBytes(StandardCharsets.US_ASCII));
        w.opaque(device.userId().getBytes(StandardCharsets.UTF_8));
        w.opaque(device.deviceId().getBytes(StandardCharsets.UTF_8));
        w.u16(cipherSuite);
        w.opaque(key.bytes());
        w.opaque(tokenHash(token));
        return w.toByteArray();
    }

    /** Whether {@code proof} is the key's signature over the request. */
    public static boolean verify(CipherSuite suite, SignaturePublicKey key, byte[] toBeSigned, byte[] proof) {
        try {
            return suite.verifyWithLabel(key, LABEL, toBeSigned, proof);
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    static byte[] tokenHash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
