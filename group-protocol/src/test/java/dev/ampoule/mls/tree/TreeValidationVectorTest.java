package dev.ampoule.mls.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * tree-validation.json: per node its resolution and tree hash; the tree is parent-hash valid and
 * every leaf signature verifies with the group id.
 */
@ExtendWith(VectorTally.class)
class TreeValidationVectorTest {

    static final String FILE = "tree-validation.json";

    record Case(int cipherSuite, byte[] tree, byte[] groupId, List<byte[]> treeHashes, List<List<Integer>> resolutions) {
        @Override
        public String toString() {
            return "suite " + cipherSuite + ", " + treeHashes.size() + " nodes";
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void validTree(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        RatchetTree tree = RatchetTree.decode(suite, c.tree());
        assertEquals(c.treeHashes().size(), tree.nodeWidth());
        for (int x = 0; x < tree.nodeWidth(); x++) {
            assertEquals(c.resolutions().get(x), Arrays.stream(tree.resolution(x)).boxed().toList(), "resolution " + x);
            assertArrayEquals(c.treeHashes().get(x), tree.treeHash(x), "tree hash " + x);
        }
        tree.verifyParentHashes();
        for (int leaf : tree.occupiedLeaves()) {
            assertTrue(tree.verifyLeafSignature(leaf, c.groupId()), "signature of leaf " + leaf);
        }
        tree.verifyIntegrity(c.groupId());
        assertArrayEquals(c.tree(), tree.toBytes(), "re-encoding");

        // a copy hashes the same, and a fresh decode of the copy's encoding too
        RatchetTree copy = tree.copy();
        assertArrayEquals(tree.treeHash(), copy.treeHash());
        assertArrayEquals(tree.treeHash(), RatchetTree.decode(suite, copy.toBytes()).treeHash());
    }
}
