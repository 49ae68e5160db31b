package dev.ampoule.mls.tree;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.error.DecodeException;

/**
 * RFC 9420 §7.8 / §12.4.3.3:
 * <pre>
 * enum { reserved(0), leaf(1), parent(2), (255) } NodeType;
 * struct {
 *     NodeType node_type;
 *     select (Node.node_type) {
 *         case leaf:   LeafNode leaf_node;
 *         case parent: ParentNode parent_node;
 *     };
 * } Node;
 * </pre>
 * {@link #encode} writes the bare struct; {@link #encodeNode} and {@link #decodeNode} the tagged
 * {@code Node}.
 */
public sealed interface Node extends TlsEncodable permits LeafNode, ParentNode {

    int LEAF = 1;
    int PARENT = 2;

    /** The {@code NodeType} wire value. */
    int nodeType();

    /** The node's HPKE public key. */
    HpkePublicKey encryptionKey();

    static void encodeNode(TlsWriter w, Node node) {
        w.u8(node.nodeType());
        node.encode(w);
    }

    static Node decodeNode(TlsReader r) {
        int type = r.u8();
        return switch (type) {
            case LEAF -> LeafNode.decode(r);
            case PARENT -> ParentNode.decode(r);
            default -> throw new DecodeException("invalid node_type " + type);
        };
    }
}
