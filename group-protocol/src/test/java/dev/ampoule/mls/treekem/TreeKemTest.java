package dev.ampoule.mls.treekem;

import static dev.ampoule.mls.tree.TreeFixtures.GROUP_ID;
import static dev.ampoule.mls.tree.TreeFixtures.SUITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.error.Rule;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.PathNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeFixtures;
import dev.ampoule.mls.tree.TreeFixtures.Client;
import dev.ampoule.mls.tree.TreeMath;
import dev.ampoule.mls.treekem.UpdatePath.UpdatePathNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TreeKemTest {

    static final Function<byte[], byte[]> CONTEXT = treeHash -> concat("context:", treeHash);

    static byte[] concat(String prefix, byte[] b) {
        byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(p, p.length + b.length);
        System.arraycopy(b, 0, out, p.length, b.length);
        return out;
    }

    /** One member: its client keys, its copy of the tree and its private tree state. */
    static final class Member {
        final Client client;
        final int leaf;
        RatchetTree tree;
        TreeKemPrivate state;

        Member(Client client, int leaf, RatchetTree tree, TreeKemPrivate state) {
            this.client = client;
            this.leaf = leaf;
            this.tree = tree;
            this.state = state;
        }
    }

    /** A simulated group: every member holds its own tree. */
    static final class Group {
        final Map<Integer, Member> members = new LinkedHashMap<>();

        static Group of(int n) {
            Group g = new Group();
            Client creator = TreeFixtures.client("member 0");
            RatchetTree tree = RatchetTree.create(SUITE, creator.leaf());
            g.members.put(0, new Member(creator, 0, tree, TreeKemPrivate.of(0, creator.encryption())));
            for (int i = 1; i < n; i++) {
                g.addWithoutPath();
            }
            return g;
        }

        /** A partial commit adding one member: every tree gets the leaf; the joiner knows its leaf key. */
        Member addWithoutPath() {
            Client c = TreeFixtures.client("member " + members.size());
            int leaf = -1;
            for (Member m : members.values()) {
                leaf = m.tree.add(c.leaf());
            }
            RatchetTree copy = any().tree.copy();
            Member joined = new Member(c, leaf, copy, TreeKemPrivate.of(leaf, c.encryption()));
            members.put(leaf, joined);
            return joined;
        }

        Member any() {
            return members.values().iterator().next();
        }

        /** A full commit from {@code sender}; every other member processes it; all must agree. */
        CommitSecret commit(int sender) {
            Member s = members.get(sender);
            TreeKemPrivate before = s.state;
            CreatedPath created = TreeKem.createPath(SUITE, s.tree, sender, s.client.signer().privateKey(), GROUP_ID,
                    Set.of(), CONTEXT);
            created.close();
            before.retire(created.privateState());
            s.state = created.privateState();
            s.state.verifyAgainst(SUITE, s.tree);
            for (Member m : members.values()) {
                if (m.leaf == sender) {
                    continue;
                }
                ProcessedPath out = TreeKem.processPath(SUITE, m.tree, m.state, sender, created.updatePath(), GROUP_ID,
                        Set.of(), CONTEXT);
                assertTrue(created.commitSecret().sameValue(out.commitSecret()), "commit secret at " + m.leaf);
                m.state.retire(out.privateState());
                m.state = out.privateState();
                m.state.verifyAgainst(SUITE, m.tree);
                assertArrayEquals(s.tree.treeHash(), m.tree.treeHash(), "tree at " + m.leaf);
            }
            s.tree.verifyIntegrity(GROUP_ID);
            return created.commitSecret();
        }
    }

    static void assertRule(Rule rule, Runnable action) {
        var e = assertThrows(ValidationException.class, action::run);
        assertEquals(rule, e.rule(), e.getMessage());
    }

    @Test
    void membersAgreeThroughASequenceOfCommits() {
        Group g = Group.of(8);
        int[] senders = {0, 5, 3, 7, 1, 6, 2, 4, 0};
        List<CommitSecret> secrets = new ArrayList<>();
        for (int sender : senders) {
            CommitSecret secret = g.commit(sender);
            for (CommitSecret earlier : secrets) {
                assertFalse(earlier.sameValue(secret));
            }
            secrets.add(secret);
        }
        // after a commit by 0 every member knows the root key
        int root = g.any().tree.root();
        for (Member m : g.members.values()) {
            assertTrue(m.state.nodeKey(root).isPresent(), "root key at " + m.leaf);
        }
    }

    @Test
    void singleMemberCommitHasAnEmptyPath() {
        Group g = Group.of(1);
        Member m = g.any();
        CreatedPath created = TreeKem.createPath(SUITE, m.tree, 0, m.client.signer().privateKey(), GROUP_ID, Set.of(),
                CONTEXT);
        assertEquals(List.of(), created.updatePath().nodes());
        assertArrayEquals(new byte[0], created.updatePath().leafNode().parentHash().orElseThrow());
        assertEquals(SUITE.hashLength(), created.commitSecret().length());
        m.tree.verifyIntegrity(GROUP_ID);
        created.privateState().verifyAgainst(SUITE, m.tree);
    }

    @Test
    void membersAddedInTheSameCommitAreExcludedAndJoinWithTheWelcomePathSecret() {
        Group g = Group.of(3);
        g.commit(1);
        Member committer = g.members.get(0);
        List<Client> joiners = List.of(TreeFixtures.client("joiner a"), TreeFixtures.client("joiner b"));
        Set<Integer> added = new HashSet<>();
        for (Client j : joiners) {
            int leaf = -1;
            for (Member m : g.members.values()) {
                leaf = m.tree.add(j.leaf());
            }
            added.add(leaf);
        }
        assertEquals(Set.of(3, 4), added);
        RatchetTree welcomeTree;
        CommitSecret expected;
        try (CreatedPath created = TreeKem.createPath(SUITE, committer.tree, 0, committer.client.signer().privateKey(),
                GROUP_ID, added, CONTEXT)) {
            expected = created.commitSecret();
            committer.state = created.privateState();
            // leaf 0's filtered path is 1, 3, 7; the copath child 11 of the root holds only leaf 4
            List<PathNode> path = List.of(new PathNode(1, 2), new PathNode(3, 5), new PathNode(7, 11));
            assertEquals(path, committer.tree.filteredDirectPath(0));
            List<UpdatePathNode> nodes = created.updatePath().nodes();
            assertEquals(1, nodes.get(0).encryptedPathSecret().size());
            assertEquals(1, nodes.get(1).encryptedPathSecret().size(), "leaf 2 only, leaf 3 is new");
            assertEquals(0, nodes.get(2).encryptedPathSecret().size(), "leaf 4 is new");
            for (Member m : g.members.values()) {
                if (m.leaf != 0) {
                    ProcessedPath out = TreeKem.processPath(SUITE, m.tree, m.state, 0, created.updatePath(), GROUP_ID,
                            added, CONTEXT);
                    assertTrue(expected.sameValue(out.commitSecret()));
                    m.state = out.privateState();
                }
            }
            welcomeTree = committer.tree;
            int leaf = 3;
            for (Client j : joiners) {
                PathSecret secret = created.pathSecretForJoiner(leaf).orElseThrow();
                int lca = TreeMath.commonAncestor(TreeMath.leafToNode(leaf), 0);
                TreeKemPrivate state = TreeKemPrivate.of(leaf, j.encryption())
                        .withPathSecretChain(SUITE, welcomeTree, lca, secret);
                state.verifyAgainst(SUITE, welcomeTree);
                assertTrue(state.nodeKey(7).isPresent(), "root key for joiner " + leaf);
                assertEquals(leaf == 3, state.nodeKey(3).isPresent());
                g.members.put(leaf, new Member(j, leaf, welcomeTree.copy(), state));
                var wrong = assertThrows(ValidationException.class, () -> TreeKemPrivate.of(4, j.encryption())
                        .withPathSecretChain(SUITE, welcomeTree, lca, new PathSecret(new byte[32])));
                assertEquals(TreeKemRule.PRIVATE_KEY_MISMATCH, wrong.rule());
                leaf++;
            }
        }
        // the joiners take part in the next commits
        g.commit(4);
        g.commit(3);
        g.commit(2);
    }

    @Test
    void anUnmergedLeafDecryptsWithItsLeafKey() {
        Group g = Group.of(7);
        g.commit(4); // sets 9, 11 and 7
        Member late = g.addWithoutPath();
        assertEquals(7, late.leaf);
        assertEquals(List.of(7), late.tree.parentNode(11).orElseThrow().unmergedLeaves());
        assertEquals(List.of(11, 14), Arrays.stream(late.tree.resolution(11)).boxed().toList());

        Member sender = g.members.get(0);
        CreatedPath created = TreeKem.createPath(SUITE, sender.tree.copy(), 0, sender.client.signer().privateKey(),
                GROUP_ID, Set.of(), CONTEXT);
        assertEquals(2, created.updatePath().nodes().get(2).encryptedPathSecret().size());
        ProcessedPath out = TreeKem.processPath(SUITE, late.tree.copy(), late.state, 0, created.updatePath(), GROUP_ID,
                Set.of(), CONTEXT);
        assertTrue(created.commitSecret().sameValue(out.commitSecret()));
        assertEquals(7, out.decryptedNode());
        g.commit(0);
    }

    // ---- rejections ------------------------------------------------------------------------

    /** A group of 4 with paths set, and a fresh UpdatePath from leaf 0 that member 2 is to process. */
    static final class Setup {
        final Group group = Group.of(4);
        final Member sender;
        final Member receiver;
        final CreatedPath created;

        Setup() {
            group.commit(3);
            sender = group.members.get(0);
            receiver = group.members.get(2);
            created = TreeKem.createPath(SUITE, sender.tree.copy(), 0, sender.client.signer().privateKey(), GROUP_ID,
                    Set.of(), CONTEXT);
        }

        UpdatePath path() {
            return created.updatePath();
        }

        /** Processing {@code path} fails with {@code rule}, leaving the tree and the state untouched. */
        void rejects(Rule rule, UpdatePath path) {
            rejects(rule, path, CONTEXT);
        }

        void rejects(Rule rule, UpdatePath path, Function<byte[], byte[]> context) {
            byte[] hash = receiver.tree.treeHash();
            byte[] bytes = receiver.tree.toBytes();
            TreeKemPrivate state = receiver.state;
            assertRule(rule, () -> TreeKem.processPath(SUITE, receiver.tree, state, 0, path, GROUP_ID, Set.of(),
                    context));
            assertArrayEquals(hash, receiver.tree.treeHash());
            assertArrayEquals(bytes, receiver.tree.toBytes());
            state.verifyAgainst(SUITE, receiver.tree);
        }

        LeafNode resign(LeafNode leaf, LeafNodeSource source, HpkeKeyPair key) {
            return LeafNode.create(SUITE, sender.client.signer().privateKey(), key.publicKey(), leaf.signatureKey(),
                    leaf.credential(), leaf.capabilities(), source, leaf.extensions(), GROUP_ID, 0);
        }
    }

    @Test
    void theUntamperedPathIsAccepted() {
        Setup s = new Setup();
        ProcessedPath out = TreeKem.processPath(SUITE, s.receiver.tree, s.receiver.state, 0, s.path(), GROUP_ID,
                Set.of(), CONTEXT);
        assertTrue(s.created.commitSecret().sameValue(out.commitSecret()));
    }

    @Test
    void rejectsALeafThatIsNotFromACommit() {
        Setup s = new Setup();
        LeafNode leaf = s.path().leafNode();
        LeafNode update = s.resign(leaf, new LeafNodeSource.Update(), SUITE.generateHpkeKeyPair());
        s.rejects(TreeKemRule.LEAF_SOURCE_NOT_COMMIT, new UpdatePath(update, s.path().nodes()));
    }

    @Test
    void rejectsABadLeafSignature() {
        Setup s = new Setup();
        LeafNode leaf = s.path().leafNode();
        byte[] sig = leaf.signature().clone();
        sig[0] ^= 1;
        s.rejects(TreeKemRule.LEAF_SIGNATURE_INVALID, new UpdatePath(leaf.withSignature(sig), s.path().nodes()));
        assertRule(TreeKemRule.LEAF_SIGNATURE_INVALID, () -> TreeKem.verifyPath(SUITE, s.receiver.tree, 0, s.path(),
                new byte[] {9}, Set.of()));
        assertRule(TreeKemRule.LEAF_SIGNATURE_INVALID, () -> TreeKem.verifyPath(SUITE, s.receiver.tree, 1, s.path(),
                GROUP_ID, Set.of()));
        assertRule(dev.ampoule.mls.tree.TreeRule.LEAF_OUT_OF_RANGE, () -> TreeKem.verifyPath(SUITE, s.receiver.tree, 4,
                s.path(), GROUP_ID, Set.of()));
    }

    @Test
    void rejectsAnotherMembersSignatureKey() {
        Setup s = new Setup();
        Member other = s.group.members.get(1);
        LeafNode leaf = s.path().leafNode();
        LeafNode stolen = LeafNode.create(SUITE, other.client.signer().privateKey(), leaf.encryptionKey(),
                other.client.signer().publicKey(), leaf.credential(), leaf.capabilities(), leaf.source(),
                leaf.extensions(), GROUP_ID, 0);
        s.rejects(TreeKemRule.SIGNATURE_KEY_IN_USE, new UpdatePath(stolen, s.path().nodes()));
    }

    @Test
    void rejectsPublicKeysAlreadyInTheTree() {
        Setup s = new Setup();
        LeafNode leaf = s.path().leafNode();
        LeafNode sameKey = s.resign(leaf, leaf.source(), s.sender.state.leafKey());
        s.rejects(TreeKemRule.PUBLIC_KEY_IN_USE, new UpdatePath(sameKey, s.path().nodes()));

        List<UpdatePathNode> nodes = new ArrayList<>(s.path().nodes());
        var existing = s.receiver.tree.node(5).orElseThrow().encryptionKey();
        nodes.set(0, new UpdatePathNode(existing, nodes.get(0).encryptedPathSecret()));
        s.rejects(TreeKemRule.PUBLIC_KEY_IN_USE, new UpdatePath(leaf, nodes));

        List<UpdatePathNode> repeated = new ArrayList<>(s.path().nodes());
        repeated.set(1, new UpdatePathNode(repeated.get(0).encryptionKey(), repeated.get(1).encryptedPathSecret()));
        s.rejects(TreeKemRule.PUBLIC_KEY_IN_USE, new UpdatePath(leaf, repeated));
    }

    @Test
    void rejectsAPathOfTheWrongShape() {
        Setup s = new Setup();
        List<UpdatePathNode> nodes = s.path().nodes();
        s.rejects(TreeKemRule.PATH_LENGTH_MISMATCH, new UpdatePath(s.path().leafNode(), nodes.subList(0, 1)));
        List<UpdatePathNode> fewer = new ArrayList<>(nodes);
        fewer.set(1, new UpdatePathNode(nodes.get(1).encryptionKey(), List.of()));
        s.rejects(TreeKemRule.CIPHERTEXT_COUNT_MISMATCH, new UpdatePath(s.path().leafNode(), fewer));
    }

    @Test
    void rejectsAPathWhoseKeysDoNotMatchTheSignedParentHash() {
        Setup s = new Setup();
        List<UpdatePathNode> nodes = new ArrayList<>(s.path().nodes());
        nodes.set(1, new UpdatePathNode(SUITE.generateHpkeKeyPair().publicKey(), nodes.get(1).encryptedPathSecret()));
        s.rejects(TreeKemRule.PARENT_HASH_MISMATCH, new UpdatePath(s.path().leafNode(), nodes));
    }

    @Test
    void rejectsAPathSecretThatDoesNotDeriveThePathKeys() {
        Setup s = new Setup();
        // leaf 2 decrypts at the root (node 3) through node 5, the copath child
        List<UpdatePathNode> nodes = new ArrayList<>(s.path().nodes());
        var to = s.receiver.tree.node(5).orElseThrow().encryptionKey();
        RatchetTree merged = s.receiver.tree.copy();
        merged.apply(TreeKem.verifyPath(SUITE, merged, 0, s.path(), GROUP_ID, Set.of()));
        byte[] context = CONTEXT.apply(merged.treeHash());
        HpkeCiphertext forged = SUITE.encryptWithLabel(to, TreeKem.ENCRYPT_LABEL, context, new byte[32]);
        nodes.set(1, new UpdatePathNode(nodes.get(1).encryptionKey(), List.of(forged)));
        s.rejects(TreeKemRule.DERIVED_KEY_MISMATCH, new UpdatePath(s.path().leafNode(), nodes));
    }

    @Test
    void rejectsCiphertextsThatDoNotOpen() {
        Setup s = new Setup();
        s.rejects(CryptoRule.HPKE_OPEN_FAILED, s.path(), treeHash -> concat("another context:", treeHash));
        List<UpdatePathNode> nodes = new ArrayList<>(s.path().nodes());
        HpkeCiphertext ct = nodes.get(1).encryptedPathSecret().get(0);
        byte[] flipped = ct.ciphertext().clone();
        flipped[0] ^= 1;
        nodes.set(1, new UpdatePathNode(nodes.get(1).encryptionKey(), List.of(new HpkeCiphertext(ct.kemOutput(),
                flipped))));
        s.rejects(CryptoRule.HPKE_OPEN_FAILED, new UpdatePath(s.path().leafNode(), nodes));
    }

    @Test
    void rejectsWhenTheMemberHoldsNoKeyForTheResolution() {
        Setup s = new Setup();
        TreeKemPrivate stranger = TreeKemPrivate.of(2, SUITE.generateHpkeKeyPair());
        assertRule(TreeKemRule.NO_DECRYPTION_KEY, () -> TreeKem.processPath(SUITE, s.receiver.tree.copy(), stranger,
                0, s.path(), GROUP_ID, Set.of(), CONTEXT));
    }

    // ---- private state ---------------------------------------------------------------------

    @Test
    void retiringAStateDestroysOnlyTheKeysItsSuccessorDropped() {
        Group g = Group.of(4);
        g.commit(0); // everyone learns the root (3); leaf 1 learns node 1
        Member m = g.members.get(1);
        TreeKemPrivate before = m.state;
        HpkeKeyPair node1 = before.nodeKey(1).orElseThrow();
        HpkeKeyPair root = before.nodeKey(3).orElseThrow();
        Member sender = g.members.get(2);
        CreatedPath created = TreeKem.createPath(SUITE, sender.tree, 2, sender.client.signer().privateKey(), GROUP_ID,
                Set.of(), CONTEXT);
        ProcessedPath out = TreeKem.processPath(SUITE, m.tree, before, 2, created.updatePath(), GROUP_ID, Set.of(),
                CONTEXT);
        assertEquals(3, out.decryptedNode());
        assertTrue(out.privateState().nodeKey(1).orElseThrow() == node1, "node 1 untouched and shared");
        before.retire(out.privateState());
        assertTrue(root.privateKey().isDestroyed(), "replaced root key destroyed");
        assertFalse(node1.privateKey().isDestroyed());
        assertFalse(before.leafKey().privateKey().isDestroyed());
        out.privateState().verifyAgainst(SUITE, m.tree);

        assertTrue(created.pathSecretAt(5).isPresent());
        assertTrue(created.pathSecretAt(1).isEmpty(), "node 1 is not on leaf 2's path");
        created.close();
        assertThrows(dev.ampoule.mls.error.InternalException.class, () -> created.pathSecretAt(5),
                "path secrets destroyed");
    }

    @Test
    void prunedDropsKeysOfBlankedNodes() {
        Group g = Group.of(4);
        g.commit(0);
        Member m = g.members.get(1);
        assertEquals(Set.of(1, 3), m.state.nodes());
        Member updater = g.members.get(2);
        HpkeKeyPair fresh = SUITE.generateHpkeKeyPair();
        m.tree.update(2, TreeFixtures.updateLeaf(updater.client, fresh, 2));
        TreeKemPrivate pruned = m.state.pruned(m.tree);
        assertEquals(Set.of(1), pruned.nodes(), "the root was blanked by the update");
        pruned.verifyAgainst(SUITE, m.tree);
        assertRule(TreeKemRule.PRIVATE_KEY_MISMATCH, () -> m.state.verifyAgainst(SUITE, m.tree));
    }

    @Test
    void secretsNeverPrintAndZeroOnDestroy() {
        byte[] value = {1, 2, 3};
        PathSecret secret = new PathSecret(value);
        assertEquals("PathSecret[redacted, 3 bytes]", secret.toString());
        secret.destroy();
        assertArrayEquals(new byte[3], value);
        assertThrows(dev.ampoule.mls.error.InternalException.class, secret::reveal);
        assertArrayEquals(new byte[32], CommitSecret.zero(32).reveal());
    }
}
