package dev.ampoule.mls.tree;

import static dev.ampoule.mls.tree.TreeFixtures.GROUP_ID;
import static dev.ampoule.mls.tree.TreeFixtures.SUITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.tree.TreeFixtures.Client;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RatchetTreeTest {

    static final List<Client> CLIENTS = new ArrayList<>();

    @BeforeAll
    static void clients() {
        for (int i = 0; i < 10; i++) {
            CLIENTS.add(TreeFixtures.client("client " + i));
        }
    }

    /** A tree of {@code n} members created by one creator adding the others. */
    static RatchetTree grow(int n) {
        RatchetTree tree = RatchetTree.create(SUITE, CLIENTS.get(0).leaf());
        for (int i = 1; i < n; i++) {
            assertEquals(i, tree.add(CLIENTS.get(i).leaf()));
        }
        return tree;
    }

    /**
     * Sets a fresh path from {@code leafIndex} the way a Commit does (§7.5), with valid parent
     * hashes and a re-signed commit leaf.
     */
    static void commitPath(RatchetTree tree, int leafIndex, Client client) {
        List<PathNode> path = tree.filteredDirectPath(leafIndex);
        List<HpkePublicKey> keys = new ArrayList<>();
        for (int i = 0; i < path.size(); i++) {
            keys.add(SUITE.generateHpkeKeyPair().publicKey());
        }
        ParentHashChain chain = tree.parentHashChain(path, keys);
        List<ParentNode> parents = new ArrayList<>();
        for (int i = 0; i < path.size(); i++) {
            parents.add(new ParentNode(keys.get(i), chain.nodeParentHashes().get(i), List.of()));
        }
        LeafNode old = client.leaf();
        LeafNode leaf = LeafNode.create(SUITE, client.signer().privateKey(), SUITE.generateHpkeKeyPair().publicKey(),
                old.signatureKey(), old.credential(), old.capabilities(),
                new LeafNodeSource.Commit(chain.leafParentHash()), old.extensions(), GROUP_ID, leafIndex);
        tree.apply(tree.preparePath(leafIndex, leaf, path, parents));
    }

    /** Every cached node hash equals that of a freshly decoded copy, and the tree is valid. */
    static void assertConsistent(RatchetTree tree) {
        RatchetTree fresh = RatchetTree.decode(SUITE, tree.toBytes());
        assertEquals(tree.nodeWidth(), fresh.nodeWidth());
        for (int x = 0; x < tree.nodeWidth(); x++) {
            assertArrayEquals(fresh.treeHash(x), tree.treeHash(x), "node " + x);
            assertArrayEquals(fresh.resolution(x), tree.resolution(x), "resolution " + x);
        }
        assertEquals(fresh.memberCount(), tree.memberCount());
        tree.verifyIntegrity(GROUP_ID);
    }

    static List<Integer> list(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }

    @Test
    void addExtendsTheTreeAndFillsTheLeftmostBlank() {
        RatchetTree tree = grow(1);
        assertEquals(1, tree.leafCount());
        assertEquals(1, tree.add(CLIENTS.get(1).leaf()));
        assertEquals(2, tree.leafCount());
        assertEquals(2, tree.add(CLIENTS.get(2).leaf()));
        assertEquals(4, tree.leafCount());
        assertEquals(7, tree.nodeWidth());
        assertEquals(3, tree.memberCount());
        assertEquals(OptionalInt.of(3), tree.leftmostBlankLeaf());
        assertConsistent(tree);

        tree.add(CLIENTS.get(3).leaf());
        tree.remove(1);
        assertEquals(4, tree.leafCount(), "leaf 3 keeps the right half");
        assertEquals(OptionalInt.of(1), tree.leftmostBlankLeaf());
        assertEquals(1, tree.add(CLIENTS.get(4).leaf()));
        assertEquals(OptionalInt.empty(), tree.leftmostBlankLeaf());
        assertEquals(4, tree.leftmostBlankLeafExtending());
        assertEquals(8, tree.leafCount());
        assertTrue(tree.leaf(4).isEmpty());
        // until a path fills leaf 4, the blank right half is not part of the wire form
        assertEquals(4, RatchetTree.decode(SUITE, tree.toBytes()).leafCount());
    }

    @Test
    void addListsTheNewLeafAsUnmergedAtNonBlankAncestors() {
        RatchetTree tree = grow(3);
        commitPath(tree, 0, CLIENTS.get(0));
        // leaf 0's filtered direct path is nodes 1 and 3
        assertTrue(tree.parentNode(1).isPresent());
        assertTrue(tree.parentNode(3).isPresent());
        assertEquals(3, tree.add(CLIENTS.get(3).leaf()));
        assertEquals(List.of(3), tree.parentNode(3).orElseThrow().unmergedLeaves());
        assertEquals(List.of(), tree.parentNode(1).orElseThrow().unmergedLeaves());
        assertTrue(tree.isBlank(5));

        assertEquals(List.of(3, 6), list(tree.resolution(3)));
        assertEquals(List.of(3), list(tree.resolution(3, Set.of(3))));
        assertEquals(List.of(4, 6), list(tree.resolution(5)));
        assertEquals(List.of(4), list(tree.resolution(5, Set.of(3))));
        assertConsistent(tree);

        // two adds under the same non-blank root, listed in order
        RatchetTree second = grow(4);
        second.remove(1);
        second.remove(3);
        commitPath(second, 0, CLIENTS.get(0));
        assertTrue(second.isBlank(1), "leaf 1 blank: node 1 is not on the filtered path");
        assertEquals(1, second.add(CLIENTS.get(5).leaf()));
        assertEquals(3, second.add(CLIENTS.get(6).leaf()));
        assertEquals(List.of(1, 3), second.parentNode(3).orElseThrow().unmergedLeaves());
        assertEquals(List.of(3, 2, 6), list(second.resolution(3)));
        assertEquals(List.of(3), list(second.resolution(3, Set.of(1, 3))));
        assertConsistent(second);
    }

    @Test
    void filteredDirectPathsOfFigure11() {
        // leaves A B _ _ E F G _ (RFC 9420 Figure 11)
        RatchetTree tree = grow(7);
        tree.remove(2);
        tree.remove(3);
        assertEquals(List.of(new PathNode(1, 2), new PathNode(7, 11)), tree.filteredDirectPath(0));
        assertEquals(List.of(new PathNode(1, 0), new PathNode(7, 11)), tree.filteredDirectPath(1));
        assertEquals(List.of(new PathNode(9, 10), new PathNode(11, 13), new PathNode(7, 3)),
                tree.filteredDirectPath(4));
        assertEquals(List.of(new PathNode(11, 9), new PathNode(7, 3)), tree.filteredDirectPath(6));
        assertEquals(List.of(0, 2, 8, 10, 12), list(tree.resolution(7)));
        assertEquals(List.of(), list(tree.resolution(5)));
        assertFalse(tree.subtreeHasNonBlank(5));
    }

    @Test
    void updateReplacesTheLeafAndBlanksItsDirectPath() {
        RatchetTree tree = grow(4);
        commitPath(tree, 0, CLIENTS.get(0));
        commitPath(tree, 3, CLIENTS.get(3));
        assertTrue(tree.parentNode(1).isPresent() && tree.parentNode(3).isPresent() && tree.parentNode(5).isPresent());
        HpkeKeyPair key = SUITE.generateHpkeKeyPair();
        LeafNode updated = TreeFixtures.updateLeaf(CLIENTS.get(2), key, 2);
        tree.update(2, updated);
        assertEquals(updated, tree.leaf(2).orElseThrow());
        assertTrue(tree.isBlank(5));
        assertTrue(tree.isBlank(3));
        assertTrue(tree.parentNode(1).isPresent());
        assertEquals(OptionalInt.of(4), tree.nodeWithEncryptionKey(key.publicKey()));
        assertEquals(OptionalInt.empty(), tree.nodeWithEncryptionKey(CLIENTS.get(2).encryption().publicKey()));
        assertConsistent(tree);
        var e = assertThrows(ValidationException.class, () -> tree.update(9, updated));
        assertEquals(TreeRule.LEAF_OUT_OF_RANGE, e.rule());
    }

    @Test
    void removeBlanksThePathAndTruncates() {
        RatchetTree tree = grow(5);
        assertEquals(8, tree.leafCount());
        commitPath(tree, 4, CLIENTS.get(4));
        tree.remove(4);
        assertEquals(4, tree.leafCount(), "right half empty: truncated once");
        assertEquals(7, tree.nodeWidth());
        assertEquals(4, tree.memberCount());
        assertConsistent(tree);

        tree.remove(1);
        assertEquals(4, tree.leafCount());
        tree.remove(3);
        assertEquals(4, tree.leafCount(), "leaf 2 keeps the right half");
        tree.remove(2);
        assertEquals(1, tree.leafCount(), "only leaf 0 left: truncated twice");
        assertEquals(1, tree.memberCount());
        assertConsistent(tree);

        var blank = assertThrows(ValidationException.class, () -> tree.remove(1));
        assertEquals(TreeRule.LEAF_OUT_OF_RANGE, blank.rule());
        RatchetTree other = grow(3);
        other.remove(1);
        var again = assertThrows(ValidationException.class, () -> other.remove(1));
        assertEquals(TreeRule.LEAF_BLANK, again.rule());
    }

    @Test
    void trailingBlanksAreNotEncodedAndComeBackOnDecode() {
        RatchetTree tree = grow(3);
        byte[] bytes = tree.toBytes();
        RatchetTree decoded = RatchetTree.decode(SUITE, bytes);
        assertEquals(4, decoded.leafCount());
        assertEquals(7, decoded.nodeWidth());
        assertArrayEquals(tree.treeHash(), decoded.treeHash());
        assertArrayEquals(bytes, decoded.toBytes());
        // five entries on the wire: leaf, blank, leaf, blank, leaf
        List<java.util.Optional<Node>> entries = dev.ampoule.mls.codec.TlsReader.decodeExactly(bytes,
                r -> r.vector(x -> x.optional(Node::decodeNode)));
        assertEquals(5, entries.size());
    }

    @Test
    void copiesAreIndependent() {
        RatchetTree tree = grow(4);
        commitPath(tree, 1, CLIENTS.get(1));
        byte[] hash = tree.treeHash();
        byte[] bytes = tree.toBytes();

        RatchetTree staged = tree.copy();
        staged.remove(3);
        staged.add(CLIENTS.get(6).leaf());
        commitPath(staged, 2, CLIENTS.get(2));
        assertArrayEquals(hash, tree.treeHash());
        assertArrayEquals(bytes, tree.toBytes());
        assertEquals(OptionalInt.of(3), tree.leafWithSignatureKey(CLIENTS.get(3).signer().publicKey()));
        assertEquals(OptionalInt.empty(), staged.leafWithSignatureKey(CLIENTS.get(3).signer().publicKey()));
        assertEquals(OptionalInt.of(3), staged.leafWithSignatureKey(CLIENTS.get(6).signer().publicKey()));
        assertEquals(OptionalInt.empty(), tree.leafWithSignatureKey(CLIENTS.get(6).signer().publicKey()));
        assertConsistent(staged);

        // and the other way round: changing the original leaves an earlier copy alone
        RatchetTree snapshot = staged.copy();
        byte[] snapshotHash = snapshot.treeHash();
        staged.remove(0);
        assertArrayEquals(snapshotHash, snapshot.treeHash());
        assertEquals(OptionalInt.of(0), snapshot.leafWithSignatureKey(CLIENTS.get(0).signer().publicKey()));
        assertConsistent(snapshot);
        assertConsistent(staged);
    }

    @Test
    void indexesFollowManyChanges() {
        // enough changes to fold the key index overlay several times
        RatchetTree tree = grow(2);
        List<Client> extra = new ArrayList<>();
        for (int round = 0; round < 60; round++) {
            Client c = TreeFixtures.client("extra " + round);
            extra.add(c);
            int leaf = tree.add(c.leaf());
            assertEquals(OptionalInt.of(leaf), tree.leafWithSignatureKey(c.signer().publicKey()));
            assertEquals(OptionalInt.of(2 * leaf), tree.nodeWithEncryptionKey(c.encryption().publicKey()));
            if (round % 3 == 2) {
                tree.remove(tree.leafWithSignatureKey(extra.get(round - 1).signer().publicKey()).getAsInt());
            }
        }
        for (int round = 0; round < 60; round++) {
            Client c = extra.get(round);
            boolean removed = round % 3 == 1;
            assertEquals(!removed, tree.leafWithSignatureKey(c.signer().publicKey()).isPresent(), "client " + round);
        }
        assertConsistent(tree);
    }

    @Test
    void treeHashAfterAPathTouchesOnlyThePath() {
        int n = 1000;
        RatchetTree tree = RatchetTree.create(SUITE, CLIENTS.get(0).leaf());
        for (int i = 1; i < n; i++) {
            tree.add(CLIENTS.get(i % CLIENTS.size()).leaf());
        }
        assertEquals(1024, tree.leafCount());
        tree.treeHash();
        long before = tree.hashComputations();
        tree.treeHash();
        assertEquals(before, tree.hashComputations(), "all cached");

        HpkeKeyPair key = SUITE.generateHpkeKeyPair();
        tree.update(517, TreeFixtures.updateLeaf(CLIENTS.get(7), key, 517));
        long start = tree.hashComputations();
        byte[] hash = tree.treeHash();
        assertEquals(11, tree.hashComputations() - start, "the leaf and its 10 ancestors");

        // a prepared path brings its own hashes: applying it costs no hashing afterwards
        RatchetTree staged = tree.copy();
        staged.treeHash();
        long beforePath = staged.hashComputations();
        List<PathNode> path = staged.filteredDirectPath(300);
        List<HpkePublicKey> keys = new ArrayList<>();
        List<ParentNode> parents = new ArrayList<>();
        for (int i = 0; i < path.size(); i++) {
            keys.add(SUITE.generateHpkeKeyPair().publicKey());
        }
        ParentHashChain chain = staged.parentHashChain(path, keys);
        for (int i = 0; i < path.size(); i++) {
            parents.add(new ParentNode(keys.get(i), chain.nodeParentHashes().get(i), List.of()));
        }
        PreparedPath prepared = staged.preparePath(300, tree.leaf(300).orElseThrow(), path, parents);
        staged.apply(prepared);
        assertArrayEquals(prepared.treeHash(), staged.treeHash());
        assertEquals(11, staged.hashComputations() - beforePath);
        assertArrayEquals(RatchetTree.decode(SUITE, staged.toBytes()).treeHash(), staged.treeHash());
        assertArrayEquals(hash, tree.treeHash(), "the original is untouched");
    }

    @Test
    void applyRefusesAPathPreparedOnAnotherState() {
        RatchetTree tree = grow(3);
        LeafNode leaf = tree.leaf(0).orElseThrow();
        PreparedPath prepared = tree.preparePath(0, leaf, List.of(), List.of());
        tree.add(CLIENTS.get(5).leaf());
        assertThrows(dev.ampoule.mls.error.InternalException.class, () -> tree.apply(prepared));
    }

    // ---- decoding ----------------------------------------------------------------------------

    /** Encodes {@code optional<Node> ratchet_tree<V>} from a list with nulls for blanks. */
    static byte[] encodeNodes(List<Node> nodes) {
        TlsWriter w = new TlsWriter();
        int mark = w.beginVector();
        for (Node node : nodes) {
            if (node == null) {
                w.u8(0);
            } else {
                w.u8(1);
                Node.encodeNode(w, node);
            }
        }
        w.endVector(mark);
        return w.toByteArray();
    }

    static List<Node> nodesOf(RatchetTree tree) {
        List<Node> out = new ArrayList<>();
        for (int x = 0; x < tree.nodeWidth(); x++) {
            out.add(tree.node(x).orElse(null));
        }
        return out;
    }

    static ParentNode parent(List<Integer> unmerged) {
        return new ParentNode(SUITE.generateHpkeKeyPair().publicKey(), new byte[0], unmerged);
    }

    @Test
    void decodeRejectsMalformedTrees() {
        LeafNode a = CLIENTS.get(0).leaf();
        LeafNode b = CLIENTS.get(1).leaf();
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, encodeNodes(List.of())), "empty");
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, encodeNodes(Arrays.asList(a, null, null))),
                "last node blank");
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, encodeNodes(Arrays.asList(a, parent(
                List.of())))), "even number of nodes");
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, encodeNodes(List.of(a, b, b))),
                "leaf at a parent position");
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, encodeNodes(List.of(parent(List.of()),
                parent(List.of()), b))), "parent at a leaf position");
        byte[] good = encodeNodes(Arrays.asList(a, null, b));
        RatchetTree.decode(SUITE, good);
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, trailing), "trailing bytes");
        byte[] badOptional = good.clone();
        badOptional[1] = 2;
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, badOptional), "presence octet 2");
        byte[] truncated = Arrays.copyOf(good, good.length - 3);
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, truncated), "truncated");
        assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE, new byte[] {(byte) 0xC0}), "bad prefix");
    }

    @Test
    void decodeRejectsUnmergedLeavesThatCannotBelong() {
        // A decoder fails only with DecodeException: such a tree is malformed input.
        LeafNode a = CLIENTS.get(0).leaf();
        LeafNode b = CLIENTS.get(1).leaf();
        LeafNode c = CLIENTS.get(2).leaf();
        var outside = assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE,
                encodeNodes(Arrays.asList(a, parent(List.of(2)), b, null, c))));
        assertTrue(outside.getMessage().contains(TreeRule.UNMERGED_LEAF_OUTSIDE_SUBTREE.description()));
        var huge = assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE,
                encodeNodes(Arrays.asList(a, null, b, parent(List.of(Integer.MAX_VALUE)), c))));
        assertTrue(huge.getMessage().contains(TreeRule.UNMERGED_LEAF_OUTSIDE_SUBTREE.description()));
        var unsorted = assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE,
                encodeNodes(Arrays.asList(a, null, b, parent(List.of(2, 1)), c))));
        assertTrue(unsorted.getMessage().contains(TreeRule.UNMERGED_LEAVES_NOT_SORTED.description()));
        var repeated = assertThrows(DecodeException.class, () -> RatchetTree.decode(SUITE,
                encodeNodes(Arrays.asList(a, null, b, parent(List.of(1, 1)), c))));
        assertTrue(repeated.getMessage().contains(TreeRule.UNMERGED_LEAVES_NOT_SORTED.description()));
    }

    // ---- integrity -------------------------------------------------------------------------

    @Test
    void integrityCatchesABrokenSignature() {
        RatchetTree tree = grow(3);
        List<Node> nodes = nodesOf(tree);
        LeafNode leaf = (LeafNode) nodes.get(2);
        byte[] sig = leaf.signature().clone();
        sig[5] ^= 1;
        nodes.set(2, leaf.withSignature(sig));
        RatchetTree bad = RatchetTree.decode(SUITE, encodeNodes(nodes.subList(0, 5)));
        assertFalse(bad.verifyLeafSignature(1, GROUP_ID));
        assertTrue(bad.verifyLeafSignature(0, GROUP_ID));
        var e = assertThrows(ValidationException.class, () -> bad.verifyIntegrity(GROUP_ID));
        assertEquals(TreeRule.LEAF_SIGNATURE_INVALID, e.rule());
        assertTrue(e.getMessage().contains("leaf 1"));
    }

    @Test
    void integrityOfALargeTreeNamesTheFirstBrokenSignature() {
        RatchetTree tree = RatchetTree.create(SUITE, CLIENTS.get(0).leaf());
        for (int i = 1; i < 40; i++) {
            tree.add(TreeFixtures.client("member " + i).leaf());
        }
        tree.verifyIntegrity(GROUP_ID);                  // 40 signatures, verified together
        List<Node> nodes = nodesOf(tree);
        for (int leafIndex : new int[] {33, 29}) {
            LeafNode leaf = (LeafNode) nodes.get(2 * leafIndex);
            byte[] sig = leaf.signature().clone();
            sig[40] ^= 1;
            nodes.set(2 * leafIndex, leaf.withSignature(sig));
        }
        RatchetTree bad = RatchetTree.decode(SUITE, encodeNodes(nodes.subList(0, 2 * 39 + 1)));
        var e = assertThrows(ValidationException.class, () -> bad.verifyIntegrity(GROUP_ID));
        assertEquals(TreeRule.LEAF_SIGNATURE_INVALID, e.rule());
        assertTrue(e.getMessage().contains("leaf 29"), e.getMessage());
    }

    @Test
    void integrityCatchesSignaturesOfAnotherGroup() {
        RatchetTree tree = grow(2);
        commitPath(tree, 1, CLIENTS.get(1));
        tree.verifyIntegrity(GROUP_ID);
        var e = assertThrows(ValidationException.class, () -> tree.verifyIntegrity(new byte[] {1, 2, 3}));
        assertEquals(TreeRule.LEAF_SIGNATURE_INVALID, e.rule());
    }

    @Test
    void integrityCatchesDuplicateKeys() {
        RatchetTree tree = grow(2);
        Client c0 = CLIENTS.get(0);
        Client twin = TreeFixtures.client("twin");
        LeafNode sameEncryption = LeafNode.create(SUITE, twin.signer().privateKey(), c0.encryption().publicKey(),
                twin.signer().publicKey(), twin.leaf().credential(), twin.leaf().capabilities(), twin.leaf().source(),
                List.of(), null, 0);
        tree.add(sameEncryption);
        var e = assertThrows(ValidationException.class, () -> tree.verifyIntegrity(GROUP_ID));
        assertEquals(TreeRule.DUPLICATE_ENCRYPTION_KEY, e.rule());

        RatchetTree other = grow(2);
        other.add(c0.leaf());
        var s = assertThrows(ValidationException.class, () -> other.verifyIntegrity(GROUP_ID));
        assertEquals(TreeRule.DUPLICATE_ENCRYPTION_KEY, s.rule());

        RatchetTree third = grow(2);
        LeafNode sameSigner = LeafNode.create(SUITE, c0.signer().privateKey(), twin.encryption().publicKey(),
                c0.signer().publicKey(), c0.leaf().credential(), c0.leaf().capabilities(), c0.leaf().source(),
                List.of(), null, 0);
        third.add(sameSigner);
        var t = assertThrows(ValidationException.class, () -> third.verifyIntegrity(GROUP_ID));
        assertEquals(TreeRule.DUPLICATE_SIGNATURE_KEY, t.rule());
    }

    @Test
    void integrityCatchesParentHashesThatDoNotChain() {
        RatchetTree tree = grow(4);
        commitPath(tree, 0, CLIENTS.get(0));
        commitPath(tree, 3, CLIENTS.get(3));
        tree.verifyParentHashes();

        // a parent node whose key the chain does not cover
        List<Node> nodes = nodesOf(tree);
        ParentNode p = (ParentNode) nodes.get(5);
        nodes.set(5, new ParentNode(SUITE.generateHpkeKeyPair().publicKey(), p.parentHash(), p.unmergedLeaves()));
        RatchetTree swapped = RatchetTree.decode(SUITE, encodeNodes(nodes));
        var e = assertThrows(ValidationException.class, swapped::verifyParentHashes);
        assertEquals(TreeRule.PARENT_HASH_INVALID, e.rule());

        // a non-blank parent that no path set
        List<Node> injected = nodesOf(grow(4));
        injected.set(1, parent(List.of()));
        RatchetTree orphan = RatchetTree.decode(SUITE, encodeNodes(injected));
        var o = assertThrows(ValidationException.class, orphan::verifyParentHashes);
        assertEquals(TreeRule.PARENT_HASH_INVALID, o.rule());
    }

    @Test
    void parentHashesStayValidWithUnmergedLeaves() {
        // RFC 9420 Figure 21: W and Y list F as unmerged
        RatchetTree tree = grow(7);
        tree.remove(5);
        commitPath(tree, 0, CLIENTS.get(0));
        commitPath(tree, 4, CLIENTS.get(4));
        assertEquals(5, tree.add(CLIENTS.get(8).leaf()));
        assertEquals(List.of(5), tree.parentNode(7).orElseThrow().unmergedLeaves());
        assertEquals(List.of(5), tree.parentNode(11).orElseThrow().unmergedLeaves());
        assertTrue(tree.isBlank(9));
        assertEquals(List.of(11, 10), list(tree.resolution(11)));
        assertConsistent(tree);
    }

    @Test
    void integrityCatchesUnmergedLeavesThatAreBlankOrNotListedBelow() {
        RatchetTree tree = grow(4);
        commitPath(tree, 0, CLIENTS.get(0));
        List<Node> nodes = nodesOf(tree);
        // node 3 (root) lists leaf 3, node 5 is blank, leaf 3 is blank
        ParentNode root = (ParentNode) nodes.get(3);
        nodes.set(3, new ParentNode(root.encryptionKey(), root.parentHash(), List.of(3)));
        RatchetTree blankLeaf = RatchetTree.decode(SUITE, encodeNodes(nodes.subList(0, 5)));
        var e = assertThrows(ValidationException.class, () -> blankLeaf.verifyIntegrity(GROUP_ID));
        assertEquals(TreeRule.UNMERGED_LEAF_BLANK, e.rule());

        List<Node> others = nodesOf(tree);
        others.set(3, new ParentNode(root.encryptionKey(), root.parentHash(), List.of(2)));
        others.set(5, parent(List.of()));
        RatchetTree notListed = RatchetTree.decode(SUITE, encodeNodes(others));
        var n = assertThrows(ValidationException.class, () -> notListed.verifyIntegrity(GROUP_ID));
        assertEquals(TreeRule.UNMERGED_LEAF_NOT_LISTED_BELOW, n.rule());
    }
}
