package dev.ampoule.mls.treekem;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.Node;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeMath;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A member's private view of the ratchet tree (RFC 9420 §4.2): the HPKE key pair of its leaf and
 * those of the parent nodes on its direct path whose path secrets it learnt (§7.4, §7.5,
 * §12.4.3.1). Path secrets themselves are not kept: each is turned into its node key pair and
 * destroyed.
 *
 * <p>Immutable: each change returns a new state that shares the untouched key pairs. When a staged
 * change is accepted the caller calls {@link #retire(TreeKemPrivate)} on the old state with the new
 * one, which destroys the keys only the old state holds (the replaced ones, §7.5); when it is
 * abandoned, on the new state with the old one.
 */
public final class TreeKemPrivate {

    private final int leafIndex;
    private final HpkeKeyPair leafKey;
    private final Map<Integer, HpkeKeyPair> nodeKeys;

    private TreeKemPrivate(int leafIndex, HpkeKeyPair leafKey, Map<Integer, HpkeKeyPair> nodeKeys) {
        this.leafIndex = leafIndex;
        this.leafKey = leafKey;
        this.nodeKeys = Collections.unmodifiableMap(nodeKeys);
    }

    /** The state of a member that knows only its own leaf key (a new member, §12.4.3.1). */
    public static TreeKemPrivate of(int leafIndex, HpkeKeyPair leafKey) {
        return new TreeKemPrivate(leafIndex, leafKey, Map.of());
    }

    /**
     * A state holding {@code leafKey} and the key pairs of parent nodes {@code nodeKeys} (node
     * index to key pair), e.g. restored from a saved group state; check it with
     * {@link #verifyAgainst}.
     */
    public static TreeKemPrivate of(int leafIndex, HpkeKeyPair leafKey, Map<Integer, HpkeKeyPair> nodeKeys) {
        return new TreeKemPrivate(leafIndex, leafKey, new HashMap<>(nodeKeys));
    }

    public int leafIndex() {
        return leafIndex;
    }

    /** The HPKE key pair of the member's leaf. */
    public HpkeKeyPair leafKey() {
        return leafKey;
    }

    /** The key pair held for parent node {@code node}, if any. */
    public Optional<HpkeKeyPair> nodeKey(int node) {
        return Optional.ofNullable(nodeKeys.get(node));
    }

    /** Node indices of the parent nodes whose private key this state holds, in increasing order. */
    public Set<Integer> nodes() {
        return Collections.unmodifiableSet(new TreeSet<>(nodeKeys.keySet()));
    }

    /**
     * The key pair for {@code node} (the member's leaf node or a parent) when it matches the public
     * key that node currently has in {@code tree}; null otherwise. Keys made stale by a blanked or
     * replaced node are never used.
     */
    HpkeKeyPair keyFor(RatchetTree tree, int node) {
        HpkeKeyPair kp = node == TreeMath.leafToNode(leafIndex) ? leafKey : nodeKeys.get(node);
        if (kp == null) {
            return null;
        }
        Optional<Node> current = tree.node(node);
        return current.isPresent() && current.get().encryptionKey().equals(kp.publicKey()) ? kp : null;
    }

    /** A state with a new leaf key, e.g. once this member's own Update proposal is committed. */
    public TreeKemPrivate withLeafKey(HpkeKeyPair newLeafKey) {
        return new TreeKemPrivate(leafIndex, newLeafKey, new HashMap<>(nodeKeys));
    }

    /**
     * A state that also holds the key pair derived from {@code pathSecret} for parent node
     * {@code node} (§7.4); the key must match the node's public key in {@code tree}. The path secret
     * is not consumed.
     *
     * @throws ValidationException with {@link TreeKemRule#PRIVATE_KEY_MISMATCH}
     */
    public TreeKemPrivate withPathSecret(CipherSuite suite, RatchetTree tree, int node, PathSecret pathSecret) {
        HpkeKeyPair kp = TreeKem.nodeKeyPair(suite, pathSecret.reveal());
        requireMatch(tree, node, kp);
        Map<Integer, HpkeKeyPair> keys = new HashMap<>(nodeKeys);
        keys.put(node, kp);
        return new TreeKemPrivate(leafIndex, leafKey, keys);
    }

    /**
     * A joiner's path keys from the Welcome's path secret (§12.4.3.1): the key for {@code node} (the
     * lowest common ancestor of this member and the committer) from {@code pathSecret}, then for
     * each non-blank ancestor up to the root the key from the next path secret. Every key must
     * match the tree. The path secret is not consumed; the derived ones are destroyed.
     *
     * @throws ValidationException with {@link TreeKemRule#PRIVATE_KEY_MISMATCH}
     */
    public TreeKemPrivate withPathSecretChain(CipherSuite suite, RatchetTree tree, int node, PathSecret pathSecret) {
        Map<Integer, HpkeKeyPair> keys = new HashMap<>(nodeKeys);
        byte[] secret = pathSecret.copy();
        int root = tree.root();
        int x = node;
        while (true) {
            if (!tree.isBlank(x)) {
                HpkeKeyPair kp = TreeKem.nodeKeyPair(suite, secret);
                requireMatch(tree, x, kp);
                keys.put(x, kp);
                byte[] next = suite.deriveSecret(secret, "path");
                Arrays.fill(secret, (byte) 0);
                secret = next;
            }
            if (x == root) {
                break;
            }
            x = TreeMath.parent(x, tree.leafCount());
        }
        Arrays.fill(secret, (byte) 0);
        return new TreeKemPrivate(leafIndex, leafKey, keys);
    }

    private static void requireMatch(RatchetTree tree, int node, HpkeKeyPair kp) {
        Optional<Node> current = tree.node(node);
        if (current.isEmpty() || TreeMath.isLeaf(node) || !current.get().encryptionKey().equals(kp.publicKey())) {
            kp.privateKey().destroy();
            throw new ValidationException(TreeKemRule.PRIVATE_KEY_MISMATCH, "node " + node);
        }
    }

    /**
     * Checks that this state matches {@code tree}: the leaf key is the public key of this member's
     * leaf, derives from the private key, and every node key is the public key of its node.
     *
     * @throws ValidationException with {@link TreeKemRule#PRIVATE_KEY_MISMATCH}
     */
    public void verifyAgainst(CipherSuite suite, RatchetTree tree) {
        Optional<LeafNode> leaf = tree.leaf(leafIndex);
        if (leaf.isEmpty() || !leaf.get().encryptionKey().equals(leafKey.publicKey())
                || !suite.hpkePublicKey(leafKey.privateKey()).equals(leafKey.publicKey())) {
            throw new ValidationException(TreeKemRule.PRIVATE_KEY_MISMATCH, "leaf " + leafIndex);
        }
        for (Map.Entry<Integer, HpkeKeyPair> e : nodeKeys.entrySet()) {
            HpkePublicKey pub = e.getValue().publicKey();
            if (keyFor(tree, e.getKey()) == null || !suite.hpkePublicKey(e.getValue().privateKey()).equals(pub)) {
                throw new ValidationException(TreeKemRule.PRIVATE_KEY_MISMATCH, "node " + e.getKey());
            }
        }
    }

    /**
     * A state without the node keys that no longer match {@code tree} (their node was blanked or
     * replaced by a proposal); the dropped keys are destroyed when this state is retired.
     */
    public TreeKemPrivate pruned(RatchetTree tree) {
        Map<Integer, HpkeKeyPair> keys = new HashMap<>();
        nodeKeys.forEach((node, kp) -> {
            if (keyFor(tree, node) != null) {
                keys.put(node, kp);
            }
        });
        return new TreeKemPrivate(leafIndex, leafKey, keys);
    }

    /**
     * The state after a path from {@code senderLeaf} was merged: keys on the sender's direct path
     * are dropped (those nodes were blanked or replaced) and {@code learnt} is added.
     */
    TreeKemPrivate afterPath(RatchetTree tree, int senderLeaf, Map<Integer, HpkeKeyPair> learnt) {
        Map<Integer, HpkeKeyPair> keys = new HashMap<>(nodeKeys);
        for (int p : TreeMath.directPath(TreeMath.leafToNode(senderLeaf), tree.leafCount())) {
            keys.remove(p);
        }
        keys.putAll(learnt);
        return new TreeKemPrivate(leafIndex, leafKey, keys);
    }

    /**
     * Destroys every private key this state holds that {@code successor} does not hold (by
     * identity). Call on the state being left behind once the successor is in use.
     */
    public void retire(TreeKemPrivate successor) {
        Map<HpkeKeyPair, Boolean> kept = new IdentityHashMap<>();
        kept.put(successor.leafKey, true);
        successor.nodeKeys.values().forEach(k -> kept.put(k, true));
        if (!kept.containsKey(leafKey)) {
            leafKey.privateKey().destroy();
        }
        nodeKeys.values().forEach(k -> {
            if (!kept.containsKey(k)) {
                k.privateKey().destroy();
            }
        });
    }

    /** Destroys every private key of this state. */
    public void destroy() {
        leafKey.privateKey().destroy();
        nodeKeys.values().forEach(k -> k.privateKey().destroy());
    }

    @Override
    public String toString() {
        return "TreeKemPrivate[leaf " + leafIndex + ", nodes " + nodes() + "]";
    }
}
