package dev.ampoule.mls.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** tree-math.json: the array arithmetic of RFC 9420 Appendix C. */
@ExtendWith(VectorTally.class)
class TreeMathVectorTest {

    static final String FILE = "tree-math.json";

    record Case(int nLeaves, int nNodes, int root, List<Integer> left, List<Integer> right, List<Integer> parent,
            List<Integer> sibling) {
        @Override
        public String toString() {
            return nLeaves + " leaves";
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void relations(Case c) {
        VectorTally.current(FILE, VectorTally.NO_SUITE);
        int n = c.nLeaves();
        assertEquals(c.nNodes(), TreeMath.nodeWidth(n));
        assertEquals(c.root(), TreeMath.root(n));
        for (int x = 0; x < c.nNodes(); x++) {
            assertEquals(c.left().get(x), TreeMath.isLeaf(x) ? null : TreeMath.left(x), "left " + x);
            assertEquals(c.right().get(x), TreeMath.isLeaf(x) ? null : TreeMath.right(x), "right " + x);
            boolean root = x == c.root();
            assertEquals(c.parent().get(x), root ? null : TreeMath.parent(x, n), "parent " + x);
            assertEquals(c.sibling().get(x), root ? null : TreeMath.sibling(x, n), "sibling " + x);
        }
    }

    @Test
    void pathsAndAncestors() {
        // the 8-leaf tree of RFC 9420 Figure 32
        assertEquals(List.of(1, 3, 7), boxed(TreeMath.directPath(0, 8)));
        assertEquals(List.of(2, 5, 11), boxed(TreeMath.copath(0, 8)));
        assertEquals(List.of(13, 11, 7), boxed(TreeMath.directPath(12, 8)));
        assertEquals(List.of(14, 9, 3), boxed(TreeMath.copath(12, 8)));
        assertEquals(List.of(), boxed(TreeMath.directPath(7, 8)));
        assertEquals(7, TreeMath.commonAncestor(0, 14));
        assertEquals(3, TreeMath.commonAncestor(2, 4));
        assertEquals(5, TreeMath.commonAncestor(5, 6));
        assertEquals(11, TreeMath.commonAncestor(11, 8));
        assertEquals(3, TreeMath.level(7));
        assertEquals(0, TreeMath.subtreeStart(7));
        assertEquals(14, TreeMath.subtreeEnd(7));
        assertEquals(true, TreeMath.inSubtree(10, 11));
        assertEquals(false, TreeMath.inSubtree(6, 11));
        assertThrows(InternalException.class, () -> TreeMath.left(4));
        assertThrows(InternalException.class, () -> TreeMath.parent(7, 8));
        assertThrows(InternalException.class, () -> TreeMath.parent(16, 8), "outside the tree");
        assertThrows(InternalException.class, () -> TreeMath.directPath(20, 8), "outside the tree");
    }

    @Test
    void unsignedSemantics() {
        // leaf 2^31 - 1 of a 2^31-leaf tree: node 2^32 - 2, root 2^31 - 1
        int n = 1 << 31;
        int lastLeaf = 0xFFFF_FFFE;
        assertEquals(0xFFFF_FFFF, TreeMath.nodeWidth(n));
        assertEquals(0x7FFF_FFFF, TreeMath.root(n));
        assertEquals(0xFFFF_FFFD, TreeMath.parent(lastLeaf, n));
        assertEquals(0xFFFF_FFFC, TreeMath.sibling(lastLeaf, n));
        assertEquals(0xBFFF_FFFF, TreeMath.sibling(0x3FFF_FFFF, n));
        int[] path = TreeMath.directPath(lastLeaf, n);
        assertEquals(31, path.length);
        assertEquals(0x7FFF_FFFF, path[30]);
        assertEquals(true, TreeMath.inSubtree(lastLeaf, 0xBFFF_FFFF));
    }

    private static List<Integer> boxed(int[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
