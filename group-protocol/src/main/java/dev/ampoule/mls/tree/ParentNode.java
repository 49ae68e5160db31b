package dev.ampoule.mls.tree;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.HpkePublicKey;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 9420 §7.1:
 * <pre>
 * struct {
 *     HPKEPublicKey encryption_key;
 *     opaque parent_hash&lt;V&gt;;
 *     uint32 unmerged_leaves&lt;V&gt;;
 * } ParentNode;
 * </pre>
 * {@code unmerged_leaves} are leaf indices (not node indices), in increasing order.
 */
public record ParentNode(HpkePublicKey encryptionKey, byte[] parentHash, List<Integer> unmergedLeaves)
        implements Node {

    public ParentNode {
        unmergedLeaves = List.copyOf(unmergedLeaves);
    }

    @Override
    public int nodeType() {
        return PARENT;
    }

    @Override
    public void encode(TlsWriter w) {
        w.write(encryptionKey).opaque(parentHash).vector(unmergedLeaves, (x, v) -> x.u32(v));
    }

    public static ParentNode decode(TlsReader r) {
        return new ParentNode(HpkePublicKey.decode(r), r.opaque(), r.vector(TlsReader::u32AsInt));
    }

    /** A copy with one more unmerged leaf, kept in increasing order. */
    public ParentNode withUnmergedLeaf(int leafIndex) {
        Integer[] leaves = unmergedLeaves.toArray(new Integer[0]);
        Integer[] out = Arrays.copyOf(leaves, leaves.length + 1);
        out[leaves.length] = leafIndex;
        Arrays.sort(out);
        return new ParentNode(encryptionKey, parentHash, List.of(out));
    }

    /** A copy without {@code leafIndex} among the unmerged leaves. */
    public ParentNode withoutUnmergedLeaf(int leafIndex) {
        return new ParentNode(encryptionKey, parentHash,
                unmergedLeaves.stream().filter(l -> l != leafIndex).toList());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParentNode p && encryptionKey.equals(p.encryptionKey)
                && Arrays.equals(parentHash, p.parentHash) && unmergedLeaves.equals(p.unmergedLeaves);
    }

    @Override
    public int hashCode() {
        return encryptionKey.hashCode() * 31 + Arrays.hashCode(parentHash);
    }

    @Override
    public String toString() {
        return "ParentNode[" + encryptionKey + ", unmerged=" + unmergedLeaves + "]";
    }
}
