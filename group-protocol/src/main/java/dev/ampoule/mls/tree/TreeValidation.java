package dev.ampoule.mls.tree;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.IntStream;

/** The whole-tree checks of a joining member (RFC 9420 §7.9.2, §7.3, §12.4.3.1). */
final class TreeValidation {

    /** Below this many leaves, their signed contents are encoded on the calling thread. */
    private static final int PARALLEL_THRESHOLD = 64;

    private TreeValidation() {}

    /**
     * §12.4.3.1: each unmerged leaf is a non-blank leaf, and every non-blank node between it and
     * the parent listing it lists it too. (Sorting and subtree membership are checked on decode.)
     */
    static void verifyUnmergedLeaves(RatchetTree tree, Node[] nodes) {
        int n = tree.leafCount();
        for (int x = 1; x < nodes.length; x += 2) {
            if (!(nodes[x] instanceof ParentNode p)) {
                continue;
            }
            for (int leaf : p.unmergedLeaves()) {
                int ln = TreeMath.leafToNode(leaf);
                if (nodes[ln] == null) {
                    throw new ValidationException(TreeRule.UNMERGED_LEAF_BLANK, "node " + x + ", leaf " + leaf);
                }
                for (int y = TreeMath.parent(ln, n); y != x; y = TreeMath.parent(y, n)) {
                    if (nodes[y] instanceof ParentNode between && !between.unmergedLeaves().contains(leaf)) {
                        throw new ValidationException(TreeRule.UNMERGED_LEAF_NOT_LISTED_BELOW,
                                "node " + y + ", leaf " + leaf);
                    }
                }
            }
        }
    }

    /** Encryption keys unique among all nodes, signature keys among all leaves (§7.3, §12.4.3.1). */
    static void verifyUniqueKeys(Node[] nodes) {
        Set<HpkePublicKey> encryption = new HashSet<>();
        Set<SignaturePublicKey> signature = new HashSet<>();
        for (int x = 0; x < nodes.length; x++) {
            Node node = nodes[x];
            if (node == null) {
                continue;
            }
            if (!encryption.add(node.encryptionKey())) {
                throw new ValidationException(TreeRule.DUPLICATE_ENCRYPTION_KEY, "node " + x);
            }
            if (node instanceof LeafNode l && !signature.add(l.signatureKey())) {
                throw new ValidationException(TreeRule.DUPLICATE_SIGNATURE_KEY, "leaf " + TreeMath.nodeToLeaf(x));
            }
        }
    }

    /**
     * §7.9.2 top down. For a non-blank parent P with children C and S, the only candidate D below C
     * is the single entry of resolution(C) that is not among P's unmerged leaves; D is valid when
     * resolution(C) minus D equals P's unmerged leaves under C and D's parent_hash equals the parent
     * hash of P with copath child S. Exactly one of the two children must yield a valid D.
     */
    static void verifyParentHashes(RatchetTree tree, Node[] nodes) {
        for (int x = 1; x < nodes.length; x += 2) {
            if (!(nodes[x] instanceof ParentNode p)) {
                continue;
            }
            int l = TreeMath.left(x);
            int r = TreeMath.right(x);
            int valid = (validVia(tree, nodes, x, p, l, r) ? 1 : 0) + (validVia(tree, nodes, x, p, r, l) ? 1 : 0);
            if (valid != 1) {
                throw new ValidationException(TreeRule.PARENT_HASH_INVALID, "node " + x);
            }
        }
    }

    private static boolean validVia(RatchetTree tree, Node[] nodes, int x, ParentNode p, int c, int s) {
        int[] res = tree.resolution(c);
        int unmergedBelow = 0;
        for (int leaf : p.unmergedLeaves()) {
            if (TreeMath.inSubtree(TreeMath.leafToNode(leaf), c)) {
                unmergedBelow++;
            }
        }
        if (res.length != unmergedBelow + 1) {
            return false;
        }
        OptionalInt d = OptionalInt.empty();
        for (int node : res) {
            boolean unmerged = TreeMath.isLeaf(node) && p.unmergedLeaves().contains(TreeMath.nodeToLeaf(node));
            if (!unmerged) {
                if (d.isPresent()) {
                    return false;
                }
                d = OptionalInt.of(node);
            }
        }
        if (d.isEmpty()) {
            return false;
        }
        byte[] stored = switch (nodes[d.getAsInt()]) {
            case LeafNode leaf -> leaf.parentHash().orElse(null);
            case ParentNode parent -> parent.parentHash();
        };
        return stored != null && Arrays.equals(stored, tree.parentHashOf(x, s));
    }

    /**
     * Every leaf signature with {@code groupId} as context (§7.3), verified together (see
     * {@link CipherSuite#firstInvalidSignature}); the lowest invalid leaf is the one reported.
     */
    static void verifyLeafSignatures(CipherSuite suite, Node[] nodes, byte[] groupId) {
        int[] leaves = IntStream.range(0, (nodes.length + 1) / 2)
                .filter(l -> nodes[2 * l] instanceof LeafNode)
                .toArray();
        List<SignatureCheck> checks = Parallel.map(leaves.length, PARALLEL_THRESHOLD,
                i -> ((LeafNode) nodes[2 * leaves[i]]).signatureCheck(suite, groupId, leaves[i]));
        int bad = suite.firstInvalidSignature(checks);
        if (bad >= 0) {
            throw new ValidationException(TreeRule.LEAF_SIGNATURE_INVALID, "leaf " + leaves[bad]);
        }
    }
}
