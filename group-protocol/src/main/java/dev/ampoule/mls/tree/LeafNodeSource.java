package dev.ampoule.mls.tree;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import java.util.Arrays;

/**
 * RFC 9420 §7.2, the {@code leaf_node_source} of a LeafNode and its variant part:
 * <pre>
 * enum { reserved(0), key_package(1), update(2), commit(3), (255) } LeafNodeSource;
 * select (LeafNode.leaf_node_source) {
 *     case key_package: Lifetime lifetime;
 *     case update:      struct{};
 *     case commit:      opaque parent_hash&lt;V&gt;;
 * };
 * </pre>
 */
public sealed interface LeafNodeSource {

    /** The {@code LeafNodeSource} wire value. */
    int tag();

    void encode(TlsWriter w);

    static LeafNodeSource decode(TlsReader r) {
        int tag = r.u8();
        return switch (tag) {
            case KeyPackage.TAG -> new KeyPackage(Lifetime.decode(r));
            case Update.TAG -> new Update();
            case Commit.TAG -> new Commit(r.opaque());
            default -> throw new DecodeException("invalid leaf_node_source " + tag);
        };
    }

    /** A leaf published in a KeyPackage, with its lifetime. */
    record KeyPackage(Lifetime lifetime) implements LeafNodeSource {
        public static final int TAG = 1;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TAG).write(lifetime);
        }
    }

    /** A leaf sent in an Update proposal. */
    record Update() implements LeafNodeSource {
        public static final int TAG = 2;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TAG);
        }
    }

    /** A leaf sent in a Commit's UpdatePath, bound to its parent by the parent hash (§7.9). */
    record Commit(byte[] parentHash) implements LeafNodeSource {
        public static final int TAG = 3;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TAG).opaque(parentHash);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Commit c && Arrays.equals(parentHash, c.parentHash);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(parentHash);
        }
    }
}
