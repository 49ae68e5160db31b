package dev.ampoule.mls.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * tree-operations.json (RFC 9420 §12.1.1–§12.1.3): the tree hash of {@code tree_before}; the add,
 * update or remove proposal from leaf {@code proposal_sender} applied to it; the result serializes
 * to {@code tree_after} and hashes to {@code tree_hash_after}.
 */
@ExtendWith(VectorTally.class)
class TreeOperationsVectorTest {

    static final String FILE = "tree-operations.json";

    record Case(int cipherSuite, byte[] treeBefore, byte[] treeHashBefore, byte[] proposal, int proposalSender,
            byte[] treeAfter, byte[] treeHashAfter) {
        @Override
        public String toString() {
            return "suite " + cipherSuite + ", sender " + proposalSender + ", proposal type "
                    + ((proposal[0] & 0xFF) << 8 | proposal[1] & 0xFF);
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void applyProposal(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        RatchetTree tree = RatchetTree.decode(suite, c.treeBefore());
        assertArrayEquals(c.treeHashBefore(), tree.treeHash(), "tree_hash_before");

        Proposal proposal = TlsReader.decodeExactly(c.proposal(), Proposal::decode);
        switch (proposal) {
            case AddProposal add -> tree.add(add.keyPackage().leafNode());
            case UpdateProposal update -> tree.update(c.proposalSender(), update.leafNode());
            case RemoveProposal remove -> tree.remove(remove.leafIndexIn(tree.leafCount()).orElseThrow());
            default -> throw new AssertionError("unexpected proposal type " + proposal.type());
        }

        assertArrayEquals(c.treeAfter(), tree.toBytes(), "tree_after");
        assertArrayEquals(c.treeHashAfter(), tree.treeHash(), "tree_hash_after");
    }
}
