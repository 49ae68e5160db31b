package dev.ampoule.mls.tree;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.extension.Extension;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * RFC 9420 §7.2:
 * <pre>
 * struct {
 *     HPKEPublicKey encryption_key;
 *     SignaturePublicKey signature_key;
 *     Credential credential;
 *     Capabilities capabilities;
 *
 *     LeafNodeSource leaf_node_source;
 *     select (LeafNode.leaf_node_source) {
 *         case key_package: Lifetime lifetime;
 *         case update:      struct{};
 *         case commit:      opaque parent_hash&lt;V&gt;;
 *     };
 *
 *     Extension extensions&lt;V&gt;;
 *     // SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)
 *     opaque signature&lt;V&gt;;
 * } LeafNode;
 * </pre>
 * LeafNodeTBS is the same fields without the signature, followed — for the {@code update} and
 * {@code commit} sources — by {@code opaque group_id<V>; uint32 leaf_index;}.
 */
public record LeafNode(HpkePublicKey encryptionKey, SignaturePublicKey signatureKey, Credential credential,
        Capabilities capabilities, LeafNodeSource source, List<Extension> extensions, byte[] signature)
        implements Node {

    public static final String SIGN_LABEL = "LeafNodeTBS";

    public LeafNode {
        extensions = List.copyOf(extensions);
    }

    @Override
    public int nodeType() {
        return LEAF;
    }

    @Override
    public void encode(TlsWriter w) {
        encodeContent(w);
        w.opaque(signature);
    }

    private void encodeContent(TlsWriter w) {
        w.write(encryptionKey).write(signatureKey).write(credential).write(capabilities);
        source.encode(w);
        w.vector(extensions);
    }

    public static LeafNode decode(TlsReader r) {
        return new LeafNode(HpkePublicKey.decode(r), SignaturePublicKey.decode(r), Credential.decode(r),
                Capabilities.decode(r), LeafNodeSource.decode(r), r.vector(Extension::decode), r.opaque());
    }

    /**
     * The LeafNodeTBS bytes. {@code groupId} and {@code leafIndex} are used only for the
     * {@code update} and {@code commit} sources; pass {@code null} / any index for a KeyPackage
     * leaf.
     */
    public byte[] toBeSigned(byte[] groupId, int leafIndex) {
        TlsWriter w = new TlsWriter(256);
        encodeContent(w);
        switch (source) {
            case LeafNodeSource.KeyPackage kp -> { }
            case LeafNodeSource.Update u -> w.opaque(groupId).u32(leafIndex);
            case LeafNodeSource.Commit c -> w.opaque(groupId).u32(leafIndex);
        }
        return w.toByteArray();
    }

    /** Whether the signature verifies under this leaf's own signature key (RFC 9420 §7.3). */
    public boolean verifySignature(CipherSuite suite, byte[] groupId, int leafIndex) {
        return suite.verifyWithLabel(signatureKey, SIGN_LABEL, toBeSigned(groupId, leafIndex), signature);
    }

    /** What {@link #verifySignature} checks, to be verified together with other signatures. */
    public SignatureCheck signatureCheck(CipherSuite suite, byte[] groupId, int leafIndex) {
        return suite.checkWithLabel(signatureKey, SIGN_LABEL, toBeSigned(groupId, leafIndex), signature);
    }

    /** A copy signed with {@code key} for {@code groupId} and {@code leafIndex}. */
    public LeafNode signed(CipherSuite suite, SignaturePrivateKey key, byte[] groupId, int leafIndex) {
        LeafNode unsigned = withSignature(new byte[0]);
        byte[] sig = suite.signWithLabel(key, SIGN_LABEL, unsigned.toBeSigned(groupId, leafIndex));
        return unsigned.withSignature(sig);
    }

    /** Builds and signs a leaf node. */
    public static LeafNode create(CipherSuite suite, SignaturePrivateKey key, HpkePublicKey encryptionKey,
            SignaturePublicKey signatureKey, Credential credential, Capabilities capabilities,
            LeafNodeSource source, List<Extension> extensions, byte[] groupId, int leafIndex) {
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, extensions, new byte[0])
                .signed(suite, key, groupId, leafIndex);
    }

    public LeafNode withSignature(byte[] sig) {
        return new LeafNode(encryptionKey, signatureKey, credential, capabilities, source, extensions, sig);
    }

    /** The parent hash of a {@code commit}-sourced leaf. */
    public Optional<byte[]> parentHash() {
        return source instanceof LeafNodeSource.Commit c ? Optional.of(c.parentHash()) : Optional.empty();
    }

    /** The extension of {@code type}, if present. */
    public Optional<Extension> extension(int type) {
        return Extension.find(extensions, type);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LeafNode l && encryptionKey.equals(l.encryptionKey) && signatureKey.equals(l.signatureKey)
                && credential.equals(l.credential) && capabilities.equals(l.capabilities) && source.equals(l.source)
                && extensions.equals(l.extensions) && Arrays.equals(signature, l.signature);
    }

    @Override
    public int hashCode() {
        return encryptionKey.hashCode() * 31 + signatureKey.hashCode();
    }

    @Override
    public String toString() {
        return "LeafNode[" + encryptionKey + ", " + signatureKey + ", source=" + source.getClass().getSimpleName() + "]";
    }
}
