package dev.ampoule.mls.treekem;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.tree.LeafNode;
import java.util.List;

/**
 * RFC 9420 §7.6:
 * <pre>
 * struct {
 *     LeafNode leaf_node;
 *     UpdatePathNode nodes&lt;V&gt;;
 * } UpdatePath;
 * </pre>
 * {@code nodes} follow the committer's filtered direct path, from the leaf upwards.
 */
public record UpdatePath(LeafNode leafNode, List<UpdatePathNode> nodes) implements TlsEncodable {

    public UpdatePath {
        nodes = List.copyOf(nodes);
    }

    @Override
    public void encode(TlsWriter w) {
        w.write(leafNode).vector(nodes);
    }

    public static UpdatePath decode(TlsReader r) {
        return new UpdatePath(LeafNode.decode(r), r.vector(UpdatePathNode::decode));
    }

    /**
     * <pre>
     * struct {
     *     HPKEPublicKey encryption_key;
     *     HPKECiphertext encrypted_path_secret&lt;V&gt;;
     * } UpdatePathNode;
     * </pre>
     * One ciphertext per node of the resolution of the copath child, in resolution order.
     */
    public record UpdatePathNode(HpkePublicKey encryptionKey, List<HpkeCiphertext> encryptedPathSecret)
            implements TlsEncodable {

        public UpdatePathNode {
            encryptedPathSecret = List.copyOf(encryptedPathSecret);
        }

        @Override
        public void encode(TlsWriter w) {
            w.write(encryptionKey).vector(encryptedPathSecret);
        }

        public static UpdatePathNode decode(TlsReader r) {
            return new UpdatePathNode(HpkePublicKey.decode(r), r.vector(HpkeCiphertext::decode));
        }
    }
}
