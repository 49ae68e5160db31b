package dev.ampoule.mls.crypto;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The primitives of one MLS cipher suite (RFC 9420 §5.1) and the labelled operations built on them
 * (§5.1.2, §5.1.3, §5.2, §8). Implementations are thread-safe.
 *
 * <p>Failures of the peer's input (a tag that does not verify, a public key that is not a point)
 * raise {@link ValidationException}; nothing else escapes.
 */
public interface CipherSuite {

    /** Every label is prefixed with this string (RFC 9420 §5.1.2, §5.1.3, §8). */
    String LABEL_PREFIX = "MLS 1.0 ";

    /** From this many signatures on, {@link #firstInvalidSignature} verifies them on all cores. */
    int PARALLEL_VERIFICATIONS = 32;

    CipherSuiteId id();

    // ---- hash and KDF -------------------------------------------------------------------------

    byte[] hash(byte[] data);

    /** {@code KDF.Nh}, which for every MLS suite equals the hash output length. */
    int hashLength();

    byte[] kdfExtract(byte[] salt, byte[] ikm);

    byte[] kdfExpand(byte[] prk, byte[] info, int length);

    /** {@code MAC(key, data)}: HMAC with the suite's hash (RFC 9420 §5.1). */
    byte[] mac(byte[] key, byte[] data);

    // ---- AEAD ---------------------------------------------------------------------------------

    int aeadKeyLength();

    int aeadNonceLength();

    byte[] aeadSeal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext);

    /** @throws ValidationException with {@link CryptoRule#AEAD_OPEN_FAILED} */
    byte[] aeadOpen(byte[] key, byte[] nonce, byte[] aad, byte[] ciphertext);

    // ---- HPKE (RFC 9180, base mode) -----------------------------------------------------------

    /** {@code SealBase(pkR, info, aad, pt)}. */
    default HpkeCiphertext hpkeSeal(HpkePublicKey publicKey, byte[] info, byte[] aad, byte[] plaintext) {
        return hpkeSealer(info, aad).seal(publicKey, plaintext);
    }

    /**
     * {@code SealBase(pkR, info, aad, pt)} to any number of recipients with {@code info} and
     * {@code aad} fixed: the key schedule's hash of {@code info} is computed here, once.
     */
    HpkeSealer hpkeSealer(byte[] info, byte[] aad);

    /** {@code OpenBase(enc, skR, info, aad, ct)}. */
    byte[] hpkeOpen(HpkeKeyPair recipient, byte[] kemOutput, byte[] info, byte[] aad, byte[] ciphertext);

    /**
     * {@code SetupBaseS(pkR, info)} then {@code context.export(exporterContext, length)}: what an
     * external joiner does to obtain its {@code init_secret} (RFC 9420 §8.3).
     */
    HpkeExport hpkeExportSend(HpkePublicKey publicKey, byte[] info, byte[] exporterContext, int length);

    /** {@code SetupBaseR(enc, skR, info)} then {@code context.export(exporterContext, length)}. */
    Secret hpkeExportReceive(HpkeKeyPair recipient, byte[] kemOutput, byte[] info, byte[] exporterContext,
            int length);

    /** {@code DeriveKeyPair(ikm)} of the suite's KEM. */
    HpkeKeyPair deriveHpkeKeyPair(byte[] ikm);

    HpkeKeyPair generateHpkeKeyPair();

    /** The public key that belongs to {@code privateKey}. */
    HpkePublicKey hpkePublicKey(HpkePrivateKey privateKey);

    /**
     * Checks that every encapsulation to {@code publicKey} succeeds (RFC 9180 §7.1.4): the key
     * decodes, a NIST point lies on the curve, an X25519/X448 key is not of small order (which
     * would give an all-zero shared secret). Cheaper than an encapsulation.
     *
     * @throws ValidationException with {@link CryptoRule#INVALID_HPKE_PUBLIC_KEY}
     */
    void validateHpkePublicKey(HpkePublicKey publicKey);

    // ---- signatures ---------------------------------------------------------------------------

    SignatureKeyPair generateSignatureKeyPair();

    SignaturePublicKey signaturePublicKey(SignaturePrivateKey privateKey);

    byte[] sign(SignaturePrivateKey privateKey, byte[] message);

    /** False for a signature that does not verify, including a malformed signature or key. */
    boolean verify(SignaturePublicKey publicKey, byte[] message, byte[] signature);

    /**
     * The lowest index of {@code checks} whose signature does not verify, or −1 when every one
     * does: the verdicts of {@link #verify} one by one, reached faster where the suite can check
     * many signatures at once (Ed25519), and on all cores.
     */
    default int firstInvalidSignature(List<SignatureCheck> checks) {
        IntStream indices = IntStream.range(0, checks.size());
        if (checks.size() >= PARALLEL_VERIFICATIONS) {
            indices = indices.parallel();
        }
        return indices.filter(i -> {
            SignatureCheck c = checks.get(i);
            return !verify(c.key(), c.message(), c.signature());
        }).min().orElse(-1);
    }

    byte[] randomBytes(int n);

    // ---- labelled operations (RFC 9420 §5.2, §5.1.2, §5.1.3, §8) ------------------------------

    /**
     * {@code RefHash(label, value) = Hash(RefHashInput)} with
     * {@code struct { opaque label<V>; opaque value<V>; } RefHashInput} (RFC 9420 §5.2). The label is
     * used as given, without the "MLS 1.0 " prefix.
     */
    default byte[] refHash(String label, byte[] value) {
        TlsWriter w = new TlsWriter(value.length + label.length() + 8);
        w.opaque(label.getBytes(StandardCharsets.US_ASCII)).opaque(value);
        return hash(w.toByteArray());
    }

    /**
     * {@code ExpandWithLabel(Secret, Label, Context, Length) = KDF.Expand(Secret, KDFLabel, Length)}
     * with {@code struct { uint16 length; opaque label<V> = "MLS 1.0 " + Label; opaque context<V>; }
     * KDFLabel} (RFC 9420 §8).
     */
    default byte[] expandWithLabel(byte[] secret, String label, byte[] context, int length) {
        TlsWriter w = new TlsWriter(context.length + label.length() + 16);
        w.u16(length).opaque(labelBytes(label)).opaque(context);
        return kdfExpand(secret, w.toByteArray(), length);
    }

    /** {@code DeriveSecret(Secret, Label) = ExpandWithLabel(Secret, Label, "", KDF.Nh)} (§8). */
    default byte[] deriveSecret(byte[] secret, String label) {
        return expandWithLabel(secret, label, new byte[0], hashLength());
    }

    /**
     * {@code DeriveTreeSecret(Secret, Label, Generation, Length) = ExpandWithLabel(Secret, Label,
     * Generation, Length)} with the generation as a {@code uint32} (RFC 9420 §9).
     */
    default byte[] deriveTreeSecret(byte[] secret, String label, long generation, int length) {
        byte[] context = new TlsWriter(4).u32(generation).toByteArray();
        return expandWithLabel(secret, label, context, length);
    }

    /**
     * {@code SignWithLabel(SignatureKey, Label, Content)} over {@code struct { opaque label<V> =
     * "MLS 1.0 " + Label; opaque content<V>; } SignContent} (RFC 9420 §5.1.2).
     */
    default byte[] signWithLabel(SignaturePrivateKey key, String label, byte[] content) {
        return sign(key, signContent(label, content));
    }

    /** {@code VerifyWithLabel}; false when the signature does not verify (RFC 9420 §5.1.2). */
    default boolean verifyWithLabel(SignaturePublicKey key, String label, byte[] content, byte[] signature) {
        return verify(key, signContent(label, content), signature);
    }

    /** What {@code VerifyWithLabel} checks, to be verified with others by {@link #firstInvalidSignature}. */
    default SignatureCheck checkWithLabel(SignaturePublicKey key, String label, byte[] content, byte[] signature) {
        return new SignatureCheck(key, signContent(label, content), signature);
    }

    /**
     * {@code EncryptWithLabel(PublicKey, Label, Context, Plaintext) = SealBase(PublicKey,
     * EncryptContext, "", Plaintext)} with {@code struct { opaque label<V> = "MLS 1.0 " + Label;
     * opaque context<V>; } EncryptContext} (RFC 9420 §5.1.3).
     */
    default HpkeCiphertext encryptWithLabel(HpkePublicKey key, String label, byte[] context, byte[] plaintext) {
        return encryptorWithLabel(label, context).seal(key, plaintext);
    }

    /**
     * {@code EncryptWithLabel(·, Label, Context, ·)} for many public keys and plaintexts with one
     * label and context, whose {@code EncryptContext} is hashed once (RFC 9420 §5.1.3; see
     * {@link HpkeSealer}).
     */
    default HpkeSealer encryptorWithLabel(String label, byte[] context) {
        return hpkeSealer(encryptContext(label, context), new byte[0]);
    }

    /** {@code DecryptWithLabel} (RFC 9420 §5.1.3). */
    default byte[] decryptWithLabel(HpkeKeyPair key, String label, byte[] context, HpkeCiphertext ct) {
        return hpkeOpen(key, ct.kemOutput(), encryptContext(label, context), new byte[0], ct.ciphertext());
    }

    /**
     * Encryption to a member's HPKE key (its leaf {@code encryption_key}) for an application, in the
     * shape of the "safe" application API of draft-ietf-mls-extensions: {@code EncryptWithLabel(
     * PublicKey, "Application", ComponentOperationLabel, Plaintext)} with
     * {@code struct { uint32 component_id; opaque label<V>; opaque context<V>; } ComponentOperationLabel}.
     * The label "Application" keeps every application ciphertext apart from MLS's own
     * ("UpdatePathNode", "Welcome"), and the component id and label keep applications apart.
     */
    default HpkeCiphertext safeEncryptWithLabel(HpkePublicKey key, long componentId, String label, byte[] context,
            byte[] plaintext) {
        return encryptWithLabel(key, APPLICATION_LABEL, componentOperationLabel(componentId, label, context), plaintext);
    }

    /** The decryption of {@link #safeEncryptWithLabel}. */
    default byte[] safeDecryptWithLabel(HpkeKeyPair key, long componentId, String label, byte[] context,
            HpkeCiphertext ct) {
        return decryptWithLabel(key, APPLICATION_LABEL, componentOperationLabel(componentId, label, context), ct);
    }

    /** The MLS label of application HPKE operations ({@link #safeEncryptWithLabel}). */
    String APPLICATION_LABEL = "Application";

    private static byte[] componentOperationLabel(long componentId, String label, byte[] context) {
        TlsWriter w = new TlsWriter(context.length + label.length() + 16);
        w.u32(componentId).opaque(label.getBytes(StandardCharsets.US_ASCII)).opaque(context);
        return w.toByteArray();
    }

    private static byte[] labelBytes(String label) {
        return (LABEL_PREFIX + label).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] signContent(String label, byte[] content) {
        TlsWriter w = new TlsWriter(content.length + label.length() + 16);
        w.opaque(labelBytes(label)).opaque(content);
        return w.toByteArray();
    }

    private static byte[] encryptContext(String label, byte[] context) {
        TlsWriter w = new TlsWriter(context.length + label.length() + 16);
        w.opaque(labelBytes(label)).opaque(context);
        return w.toByteArray();
    }
}
