package dev.ampoule.mls.tree;

import java.util.Arrays;
import java.util.List;

/**
 * The parent hashes of an UpdatePath (RFC 9420 §7.9, §7.9.1), computed from the root down:
 * {@code nodeParentHashes.get(i)} is the {@code parent_hash} field of the i-th node of the
 * filtered direct path (empty for the topmost), and {@code leafParentHash} the value the new
 * LeafNode must carry (empty when the filtered direct path is empty).
 */
public record ParentHashChain(byte[] leafParentHash, List<byte[]> nodeParentHashes) {

    public ParentHashChain {
        nodeParentHashes = List.copyOf(nodeParentHashes);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ParentHashChain c) || !Arrays.equals(leafParentHash, c.leafParentHash)
                || nodeParentHashes.size() != c.nodeParentHashes.size()) {
            return false;
        }
        for (int i = 0; i < nodeParentHashes.size(); i++) {
            if (!Arrays.equals(nodeParentHashes.get(i), c.nodeParentHashes.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(leafParentHash);
    }

    @Override
    public String toString() {
        return "ParentHashChain[" + nodeParentHashes.size() + " nodes]";
    }
}
