package dev.ampoule.mls.tree;

import dev.ampoule.mls.error.InternalException;

/**
 * Index arithmetic of the array-based tree of RFC 9420 Appendix C (node ordering as in §4.1 and
 * §12.4.3.3): leaf {@code L} is node {@code 2L}, parent nodes have odd indices, and the subtree
 * under a node at level {@code k} occupies the contiguous index range {@code [x - (2^k - 1), x +
 * (2^k - 1)]}.
 *
 * <p>Indices and counts are {@code uint32} values held in Java {@code int}s: every operation is
 * bitwise or uses unsigned comparison, so values above {@code 2^31} keep their meaning. Trees in
 * this library are always complete ({@code n} a power of two). Asking for the child of a leaf or
 * the parent of the root is a programming error and raises {@link InternalException}.
 */
public final class TreeMath {

    private TreeMath() {}

    /** The exponent of the largest power of two not above {@code x} (unsigned); 0 for 0. */
    public static int log2(int x) {
        return x == 0 ? 0 : 31 - Integer.numberOfLeadingZeros(x);
    }

    /** Leaves are level 0, their parents level 1, and so on. */
    public static int level(int x) {
        return Integer.numberOfTrailingZeros(~x);
    }

    public static boolean isLeaf(int x) {
        return (x & 1) == 0;
    }

    /** Node index of leaf {@code leafIndex}. */
    public static int leafToNode(int leafIndex) {
        return leafIndex << 1;
    }

    /** Leaf index of the leaf node {@code x}. */
    public static int nodeToLeaf(int x) {
        return x >>> 1;
    }

    /** Number of nodes in a tree with {@code n} leaves. */
    public static int nodeWidth(int n) {
        return n == 0 ? 0 : 2 * (n - 1) + 1;
    }

    /** Root of a tree with {@code n} leaves. */
    public static int root(int n) {
        int w = nodeWidth(n);
        return (1 << log2(w)) - 1;
    }

    public static int left(int x) {
        int k = level(x);
        if (k == 0) {
            throw new InternalException("a leaf has no children");
        }
        return x ^ (1 << (k - 1));
    }

    public static int right(int x) {
        int k = level(x);
        if (k == 0) {
            throw new InternalException("a leaf has no children");
        }
        return x ^ (3 << (k - 1));
    }

    /** Parent of {@code x} in a tree with {@code n} leaves. */
    public static int parent(int x, int n) {
        if (x == root(n)) {
            throw new InternalException("the root has no parent");
        }
        if (Integer.compareUnsigned(x, nodeWidth(n)) >= 0) {
            throw new InternalException("node outside the tree");
        }
        int k = level(x);
        int b = (x >>> (k + 1)) & 1;
        return (x | (1 << k)) ^ (b << (k + 1));
    }

    /** The other child of {@code x}'s parent. */
    public static int sibling(int x, int n) {
        int p = parent(x, n);
        return Integer.compareUnsigned(x, p) < 0 ? right(p) : left(p);
    }

    /** Direct path of {@code x}, from its parent up to the root. */
    public static int[] directPath(int x, int n) {
        int r = root(n);
        int[] out = new int[depthBelow(x, r)];
        for (int i = 0; x != r; i++) {
            x = parent(x, n);
            out[i] = x;
        }
        return out;
    }

    /** Copath of {@code x}: its sibling, then the siblings of its direct path except the root. */
    public static int[] copath(int x, int n) {
        int r = root(n);
        int[] out = new int[depthBelow(x, r)];
        for (int i = 0; x != r; i++) {
            out[i] = sibling(x, n);
            x = parent(x, n);
        }
        return out;
    }

    private static int depthBelow(int x, int root) {
        return level(root) - level(x);
    }

    /** Whether {@code x} lies in the subtree headed by {@code head} (a node is in its own subtree). */
    public static boolean inSubtree(int x, int head) {
        int k = level(head);
        long half = (1L << k) - 1;
        long ux = Integer.toUnsignedLong(x);
        long uh = Integer.toUnsignedLong(head);
        return ux >= uh - half && ux <= uh + half;
    }

    /** Smallest node index in the subtree under {@code head} (its leftmost leaf). */
    public static int subtreeStart(int head) {
        return head - ((1 << level(head)) - 1);
    }

    /** Largest node index in the subtree under {@code head} (its rightmost leaf). */
    public static int subtreeEnd(int head) {
        return head + ((1 << level(head)) - 1);
    }

    /** The lowest node that has both {@code x} and {@code y} in its subtree. */
    public static int commonAncestor(int x, int y) {
        int lx = level(x) + 1;
        int ly = level(y) + 1;
        if (lx <= ly && (x >>> ly) == (y >>> ly)) {
            return y;
        } else if (ly <= lx && (x >>> lx) == (y >>> lx)) {
            return x;
        }
        int xn = x;
        int yn = y;
        int k = 0;
        while (xn != yn) {
            xn >>>= 1;
            yn >>>= 1;
            k++;
        }
        return (xn << k) + (1 << (k - 1)) - 1;
    }
}
