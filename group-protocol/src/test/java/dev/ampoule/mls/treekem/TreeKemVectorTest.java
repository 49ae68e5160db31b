package dev.ampoule.mls.treekem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeMath;
import dev.ampoule.mls.vectors.TestVectors;
import dev.ampoule.mls.vectors.VectorTally;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * treekem.json: private states match the tree; each UpdatePath is parent-hash valid, every other
 * member decrypts the listed path secret and the commit secret, and the merged tree hashes to
 * tree_hash_after; a fresh UpdatePath from the same sender gives every other member the same
 * commit secret.
 */
@ExtendWith(VectorTally.class)
class TreeKemVectorTest {

    static final String FILE = "treekem.json";

    record PathSecretEntry(int node, byte[] pathSecret) {}

    record LeafPrivate(int index, byte[] encryptionPriv, byte[] signaturePriv, List<PathSecretEntry> pathSecrets) {}

    record UpdatePathCase(int sender, byte[] updatePath, List<byte[]> pathSecrets, byte[] commitSecret,
            byte[] treeHashAfter) {}

    record Case(int cipherSuite, byte[] groupId, long epoch, byte[] confirmedTranscriptHash, byte[] ratchetTree,
            List<LeafPrivate> leavesPrivate, List<UpdatePathCase> updatePaths) {
        @Override
        public String toString() {
            return "suite " + cipherSuite + ", " + leavesPrivate.size() + " private leaves";
        }
    }

    static List<Case> cases() {
        return TestVectors.load(FILE, Case.class);
    }

    /** GroupContext (RFC 9420 §8.1) with empty extensions, serialized. */
    static Function<byte[], byte[]> groupContext(Case c) {
        return treeHash -> new TlsWriter(128).u16(1).u16(c.cipherSuite()).opaque(c.groupId()).u64(c.epoch())
                .opaque(treeHash).opaque(c.confirmedTranscriptHash()).varint(0).toByteArray();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void updatePaths(Case c) {
        VectorTally.current(FILE, c.cipherSuite());
        CipherSuite suite = TestVectors.suite(c.cipherSuite());
        RatchetTree tree = RatchetTree.decode(suite, c.ratchetTree());
        Function<byte[], byte[]> context = groupContext(c);

        Map<Integer, TreeKemPrivate> states = new HashMap<>();
        Map<Integer, SignaturePrivateKey> signers = new HashMap<>();
        for (LeafPrivate lp : c.leavesPrivate()) {
            HpkePrivateKey priv = new HpkePrivateKey(lp.encryptionPriv().clone());
            TreeKemPrivate state = TreeKemPrivate.of(lp.index(), new HpkeKeyPair(priv, suite.hpkePublicKey(priv)));
            for (PathSecretEntry e : lp.pathSecrets()) {
                state = state.withPathSecret(suite, tree, e.node(), new PathSecret(e.pathSecret().clone()));
            }
            state.verifyAgainst(suite, tree);
            SignaturePrivateKey sig = new SignaturePrivateKey(lp.signaturePriv().clone());
            assertEquals(tree.leaf(lp.index()).orElseThrow().signatureKey(), suite.signaturePublicKey(sig),
                    "signature key of leaf " + lp.index());
            states.put(lp.index(), state);
            signers.put(lp.index(), sig);
        }
        assertEquals(tree.memberCount(), states.size(), "every member has a private state");

        for (UpdatePathCase upc : c.updatePaths()) {
            UpdatePath path = TlsReader.decodeExactly(upc.updatePath(), UpdatePath::decode);
            assertArrayEquals(upc.updatePath(), path.toBytes());
            int sender = upc.sender();

            RatchetTree checked = tree.copy();
            checked.apply(TreeKem.verifyPath(suite, checked, sender, path, c.groupId(), Set.of()));
            checked.verifyParentHashes();
            assertArrayEquals(upc.treeHashAfter(), checked.treeHash(), "tree hash after, public merge");

            for (TreeKemPrivate me : states.values()) {
                if (me.leafIndex() == sender) {
                    continue;
                }
                RatchetTree mine = tree.copy();
                ProcessedPath out = TreeKem.processPath(suite, mine, me, sender, path, c.groupId(), Set.of(), context);
                String who = "leaf " + me.leafIndex() + " from " + sender;
                assertArrayEquals(upc.commitSecret(), out.commitSecret().reveal(), "commit secret, " + who);
                assertArrayEquals(upc.treeHashAfter(), mine.treeHash(), "tree hash after, " + who);
                byte[] listed = upc.pathSecrets().get(me.leafIndex());
                assertNotNull(listed, who);
                int lca = TreeMath.commonAncestor(TreeMath.leafToNode(me.leafIndex()), TreeMath.leafToNode(sender));
                assertEquals(lca, out.decryptedNode(), who);
                HpkeKeyPair expected = TreeKem.nodeKeyPair(suite, listed);
                HpkeKeyPair derived = out.privateState().nodeKey(lca).orElseThrow();
                assertTrue(expected.privateKey().sameValue(derived.privateKey()), "path secret, " + who);
                out.privateState().verifyAgainst(suite, mine);
            }

            // a fresh path from the same sender
            RatchetTree senderTree = tree.copy();
            try (CreatedPath created = TreeKem.createPath(suite, senderTree, sender, signers.get(sender),
                    c.groupId(), Set.of(), context)) {
                senderTree.verifyParentHashes();
                created.privateState().verifyAgainst(suite, senderTree);
                for (TreeKemPrivate me : states.values()) {
                    if (me.leafIndex() == sender) {
                        continue;
                    }
                    RatchetTree mine = tree.copy();
                    ProcessedPath out = TreeKem.processPath(suite, mine, me, sender, created.updatePath(),
                            c.groupId(), Set.of(), context);
                    assertTrue(created.commitSecret().sameValue(out.commitSecret()),
                            "fresh commit secret, leaf " + me.leafIndex());
                    assertArrayEquals(senderTree.treeHash(), mine.treeHash());
                }
            }
        }
    }
}
