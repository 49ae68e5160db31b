package dev.ampoule.mls.tree;

import java.util.List;

/**
 * A path update (RFC 9420 §7.5: blank the sender's direct path, set its filtered direct path and
 * its leaf) checked and hashed against one state of a {@link RatchetTree} but not yet applied.
 * {@link #treeHash()} is the tree hash the tree will have once {@link RatchetTree#apply} merges
 * it: the provisional GroupContext needs it before anything is decrypted (§12.4.2). Applying it to
 * a tree in any other state is refused.
 */
public final class PreparedPath {

    final int leafIndex;
    final LeafNode leaf;
    final List<PathNode> path;
    final List<ParentNode> parents;
    final int[] hashedNodes;
    final byte[][] hashes;
    final long stamp;

    PreparedPath(int leafIndex, LeafNode leaf, List<PathNode> path, List<ParentNode> parents, int[] hashedNodes,
            byte[][] hashes, long stamp) {
        this.leafIndex = leafIndex;
        this.leaf = leaf;
        this.path = List.copyOf(path);
        this.parents = List.copyOf(parents);
        this.hashedNodes = hashedNodes;
        this.hashes = hashes;
        this.stamp = stamp;
    }

    public int leafIndex() {
        return leafIndex;
    }

    public LeafNode leaf() {
        return leaf;
    }

    /** The sender's filtered direct path, leaf upwards. */
    public List<PathNode> path() {
        return path;
    }

    /** The new parent nodes, one per entry of {@link #path()}. */
    public List<ParentNode> parents() {
        return parents;
    }

    /** The root tree hash after the merge (§7.8). */
    public byte[] treeHash() {
        return hashes[hashes.length - 1].clone();
    }

    @Override
    public String toString() {
        return "PreparedPath[leaf " + leafIndex + ", " + path.size() + " nodes]";
    }
}
