package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 9420 §10:
 * <pre>
 * struct {
 *     ProtocolVersion version;
 *     CipherSuite cipher_suite;
 *     HPKEPublicKey init_key;
 *     LeafNode leaf_node;
 *     Extension extensions&lt;V&gt;;
 *     // SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)
 *     opaque signature&lt;V&gt;;
 * } KeyPackage;
 * </pre>
 * KeyPackageTBS is the same struct without the signature. {@code version} and
 * {@code cipher_suite} are kept as wire values so that a KeyPackage for another version or suite
 * still decodes (and is refused by {@link #validate}).
 */
public record KeyPackage(int version, int cipherSuite, HpkePublicKey initKey, LeafNode leafNode,
        List<Extension> extensions, byte[] signature) implements TlsEncodable {

    public static final String SIGN_LABEL = "KeyPackageTBS";

    public KeyPackage {
        extensions = List.copyOf(extensions);
    }

    @Override
    public void encode(TlsWriter w) {
        encodeTbs(w);
        w.opaque(signature);
    }

    private void encodeTbs(TlsWriter w) {
        w.u16(version).u16(cipherSuite).write(initKey).write(leafNode).vector(extensions);
    }

    public static KeyPackage decode(TlsReader r) {
        return new KeyPackage(r.u16(), r.u16(), HpkePublicKey.decode(r), LeafNode.decode(r),
                r.vector(Extension::decode), r.opaque());
    }

    /** The KeyPackageTBS bytes: every field but the signature. */
    public byte[] toBeSigned() {
        TlsWriter w = new TlsWriter(512);
        encodeTbs(w);
        return w.toByteArray();
    }

    /**
     * Builds and signs a KeyPackage for {@code suite}. The leaf node must already be signed (with
     * the {@code key_package} source).
     */
    public static KeyPackage create(CipherSuite suite, SignaturePrivateKey key, HpkePublicKey initKey,
            LeafNode leafNode, List<Extension> extensions) {
        KeyPackage unsigned = new KeyPackage(Capabilities.MLS10, suite.id().wire(), initKey, leafNode,
                extensions, new byte[0]);
        byte[] sig = suite.signWithLabel(key, SIGN_LABEL, unsigned.toBeSigned());
        return new KeyPackage(unsigned.version, unsigned.cipherSuite, initKey, leafNode, unsigned.extensions, sig);
    }

    /** Whether the signature verifies under {@code leaf_node.signature_key} (RFC 9420 §10). */
    public boolean verifySignature(CipherSuite suite) {
        return suite.verifyWithLabel(leafNode.signatureKey(), SIGN_LABEL, toBeSigned(), signature);
    }

    /**
     * The checks of RFC 9420 §10.1 that need no group state: version mls10 and the given suite,
     * KeyPackage and LeafNode signatures, a {@code key_package} leaf source, and an init key
     * distinct from the leaf's encryption key. Credential, capability and lifetime checks against
     * the group belong to the caller.
     *
     * @throws ValidationException with a {@link MessageRule}
     */
    public void validate(CipherSuite suite) {
        validateExceptSignatures(suite);
        if (!verifySignature(suite)) {
            throw new ValidationException(MessageRule.KEY_PACKAGE_SIGNATURE);
        }
        if (!leafNode.verifySignature(suite, null, 0)) {
            throw new ValidationException(MessageRule.KEY_PACKAGE_LEAF_SIGNATURE);
        }
    }

    /**
     * What {@link #validate} checks before the two signatures, for a caller that has verified them
     * already (together with others, {@link CipherSuite#firstInvalidSignature}).
     */
    public void validateExceptSignatures(CipherSuite suite) {
        if (version != Capabilities.MLS10) {
            throw new ValidationException(MessageRule.KEY_PACKAGE_VERSION, "version " + version);
        }
        if (cipherSuite != suite.id().wire()) {
            throw new ValidationException(MessageRule.KEY_PACKAGE_CIPHER_SUITE, "suite " + cipherSuite);
        }
        if (!(leafNode.source() instanceof LeafNodeSource.KeyPackage)) {
            throw new ValidationException(MessageRule.KEY_PACKAGE_LEAF_SOURCE);
        }
        if (initKey.equals(leafNode.encryptionKey())) {
            throw new ValidationException(MessageRule.KEY_PACKAGE_INIT_KEY_REUSED);
        }
    }

    /** The two signatures {@link #validate} verifies: the KeyPackage's, then its leaf's. */
    private List<SignatureCheck> signatureChecks(CipherSuite suite) {
        return List.of(suite.checkWithLabel(leafNode.signatureKey(), SIGN_LABEL, toBeSigned(), signature),
                leafNode.signatureCheck(suite, null, 0));
    }

    /**
     * Whether both signatures of every one of {@code keyPackages} verify, checked together
     * ({@link CipherSuite#firstInvalidSignature}; for Ed25519 one equation for all): when true, each
     * may be validated with {@link #validateExceptSignatures}; when false, each must be validated
     * with {@link #validate}, which reports its own failure.
     */
    public static boolean signaturesVerify(CipherSuite suite, List<KeyPackage> keyPackages) {
        List<SignatureCheck> checks = Parallel.map(keyPackages.size(), PARALLEL_ENCODINGS,
                i -> keyPackages.get(i).signatureChecks(suite)).stream().flatMap(List::stream).toList();
        return suite.firstInvalidSignature(checks) < 0;
    }

    /** From this many KeyPackages on, their signed contents are encoded on several cores. */
    private static final int PARALLEL_ENCODINGS = 4;

    /** {@code RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)} (RFC 9420 §5.2). */
    public KeyPackageRef ref(CipherSuite suite) {
        return KeyPackageRef.of(suite, toBytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyPackage k && version == k.version && cipherSuite == k.cipherSuite
                && initKey.equals(k.initKey) && leafNode.equals(k.leafNode) && extensions.equals(k.extensions)
                && Arrays.equals(signature, k.signature);
    }

    @Override
    public int hashCode() {
        return initKey.hashCode() * 31 + leafNode.hashCode();
    }

    @Override
    public String toString() {
        return "KeyPackage[suite=" + cipherSuite + ", init=" + initKey + ", " + leafNode + "]";
    }
}
