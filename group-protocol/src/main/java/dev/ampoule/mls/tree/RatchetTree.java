package dev.ampoule.mls.tree;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The public ratchet tree of a group (RFC 9420 §4, §7) in the array layout of Appendix C: node
 * {@code 2L} is leaf {@code L}, odd indices are parent nodes, a {@code null} slot is a blank node.
 * The tree is always complete: {@link #leafCount()} is a power of two.
 *
 * <p><b>Staging.</b> {@link #copy()} is O(1): the copy shares the node, hash and count arrays and
 * each side clones them (a plain array copy, no re-encoding) on its first change. A commit is
 * staged on a copy and the copy replaces the original only when the commit is accepted.
 *
 * <p><b>Caches.</b> The tree hash of every node (§7.8) is cached and invalidated along the direct
 * path of a changed node, so re-hashing after a path update costs O(log N) hashes. Each node also
 * carries the number of non-blank nodes and of non-blank leaves below it, which makes the filtered
 * direct path, resolutions and the leftmost blank leaf cost O(log N) (resolutions O(log N) per
 * entry returned) instead of a walk over all leaves. Encryption keys of all nodes and signature
 * keys of all leaves are indexed for O(1) uniqueness checks.
 *
 * <p>Instances are not thread-safe: confine a tree to one thread or synchronise around it.
 */
public final class RatchetTree implements TlsEncodable {

    private static final AtomicLong STAMPS = new AtomicLong();

    private final CipherSuite suite;
    private int leafCount;
    private Node[] nodes;
    private byte[][] hashes;
    private int[] nonBlankNodes;
    private int[] nonBlankLeaves;
    private boolean shared;
    private KeyIndex<HpkePublicKey> encryptionKeys;
    private KeyIndex<SignaturePublicKey> signatureKeys;
    /** Identifies the content: equal stamps mean equal trees; every change draws a fresh one. */
    private long stamp;
    /** Number of node hashes this instance computed (for tests of the cache). */
    private long hashComputations;

    private RatchetTree(CipherSuite suite, int leafCount, Node[] nodes) {
        this.suite = suite;
        this.leafCount = leafCount;
        this.nodes = nodes;
        this.hashes = new byte[nodes.length][];
        this.nonBlankNodes = new int[nodes.length];
        this.nonBlankLeaves = new int[nodes.length];
        this.stamp = STAMPS.incrementAndGet();
        countSubtree(TreeMath.root(leafCount));
        // Built in one pass as the indexes' base maps (node by node, the overlays would be folded
        // into a new base again and again).
        HashMap<HpkePublicKey, Integer> encryption = HashMap.newHashMap(nonBlankNodes[TreeMath.root(leafCount)]);
        HashMap<SignaturePublicKey, Integer> signature = HashMap.newHashMap(nonBlankLeaves[TreeMath.root(leafCount)]);
        for (int x = 0; x < nodes.length; x++) {
            if (nodes[x] != null) {
                encryption.put(nodes[x].encryptionKey(), x);
                if (nodes[x] instanceof LeafNode l) {
                    signature.put(l.signatureKey(), TreeMath.nodeToLeaf(x));
                }
            }
        }
        this.encryptionKeys = KeyIndex.of(encryption);
        this.signatureKeys = KeyIndex.of(signature);
    }

    private RatchetTree(RatchetTree other) {
        this.suite = other.suite;
        this.leafCount = other.leafCount;
        this.nodes = other.nodes;
        this.hashes = other.hashes;
        this.nonBlankNodes = other.nonBlankNodes;
        this.nonBlankLeaves = other.nonBlankLeaves;
        this.shared = true;
        this.encryptionKeys = other.encryptionKeys.copy();
        this.signatureKeys = other.signatureKeys.copy();
        this.stamp = other.stamp;
    }

    /** A one-member tree holding {@code creator} at leaf 0 (§11). */
    public static RatchetTree create(CipherSuite suite, LeafNode creator) {
        return new RatchetTree(suite, 1, new Node[] {creator});
    }

    /**
     * Decodes the {@code ratchet_tree} extension payload (RFC 9420 §12.4.3.3):
     * <pre>optional&lt;Node&gt; ratchet_tree&lt;V&gt;;</pre>
     * Nodes are in array order with trailing blanks omitted; the tree is extended with blanks to
     * the next complete width.
     *
     * @throws DecodeException for malformed bytes, an empty vector, a blank last node, an even
     *     number of nodes, a node whose type does not match its position, or unmerged leaves that
     *     are unsorted or outside their parent's subtree (the tree could not be used safely; a
     *     decoder fails only with DecodeException). The remaining checks of a joining member are
     *     in {@link #verifyIntegrity(byte[])}.
     */
    public static RatchetTree decode(CipherSuite suite, byte[] extensionData) {
        return TlsReader.decodeExactly(extensionData, r -> decode(suite, r));
    }

    /** Like {@link #decode(CipherSuite, byte[])}, reading from {@code r}. */
    public static RatchetTree decode(CipherSuite suite, TlsReader r) {
        List<Optional<Node>> list = r.vector(x -> x.optional(Node::decodeNode));
        int n = list.size();
        if (n == 0) {
            throw new DecodeException("empty ratchet tree");
        }
        if (list.get(n - 1).isEmpty()) {
            throw new DecodeException("ratchet tree ends with a blank node");
        }
        if (n % 2 == 0) {
            throw new DecodeException("ratchet tree with an even number of nodes");
        }
        int leaves = 1;
        while (TreeMath.nodeWidth(leaves) < n) {
            leaves <<= 1;
        }
        Node[] nodes = new Node[TreeMath.nodeWidth(leaves)];
        for (int x = 0; x < n; x++) {
            Node node = list.get(x).orElse(null);
            if (node != null && (node instanceof LeafNode) != TreeMath.isLeaf(x)) {
                throw new DecodeException("node " + x + " has the wrong type for its position");
            }
            nodes[x] = node;
        }
        for (int x = 1; x < n; x += 2) {
            if (nodes[x] instanceof ParentNode p) {
                checkUnmergedShape(x, p);
            }
        }
        return new RatchetTree(suite, leaves, nodes);
    }

    private static void checkUnmergedShape(int x, ParentNode p) {
        long previous = -1;
        for (int leaf : p.unmergedLeaves()) {
            if (leaf <= previous) {
                throw new DecodeException(TreeRule.UNMERGED_LEAVES_NOT_SORTED.description() + " at node " + x);
            }
            previous = leaf;
            if (leaf > Integer.MAX_VALUE / 2 || !TreeMath.inSubtree(TreeMath.leafToNode(leaf), x)) {
                throw new DecodeException(TreeRule.UNMERGED_LEAF_OUTSIDE_SUBTREE.description() + " at node " + x);
            }
        }
    }

    /**
     * Writes the {@code ratchet_tree} extension payload: every node up to the last non-blank one
     * (§12.4.3.3).
     */
    @Override
    public void encode(TlsWriter w) {
        int last = nodes.length - 1;
        while (last > 0 && nodes[last] == null) {
            last--;
        }
        int mark = w.beginVector();
        for (int x = 0; x <= last; x++) {
            Node node = nodes[x];
            if (node == null) {
                w.u8(0);
            } else {
                w.u8(1);
                Node.encodeNode(w, node);
            }
        }
        w.endVector(mark);
    }

    /** An independent tree with the same content, in O(1); see the class comment. */
    public RatchetTree copy() {
        shared = true;
        return new RatchetTree(this);
    }

    // ---- shape and access -------------------------------------------------------------------

    public CipherSuite suite() {
        return suite;
    }

    /** Number of leaf slots (a power of two), blank or not. */
    public int leafCount() {
        return leafCount;
    }

    /** Number of node slots, {@code 2 * leafCount() - 1}. */
    public int nodeWidth() {
        return nodes.length;
    }

    /** Node index of the root. */
    public int root() {
        return TreeMath.root(leafCount);
    }

    /** Number of non-blank leaves. */
    public int memberCount() {
        return nonBlankLeaves[root()];
    }

    public boolean isBlank(int node) {
        return node < 0 || node >= nodes.length || nodes[node] == null;
    }

    /** The node at {@code node}, empty when blank or outside the tree. */
    public Optional<Node> node(int node) {
        return isBlank(node) ? Optional.empty() : Optional.of(nodes[node]);
    }

    /** The leaf node of leaf {@code leafIndex}, empty when blank or outside the tree. */
    public Optional<LeafNode> leaf(int leafIndex) {
        if (leafIndex < 0 || leafIndex >= leafCount) {
            return Optional.empty();
        }
        return Optional.ofNullable((LeafNode) nodes[TreeMath.leafToNode(leafIndex)]);
    }

    /** The parent node at node index {@code node}, empty when blank, a leaf, or outside. */
    public Optional<ParentNode> parentNode(int node) {
        return node(node).flatMap(n -> n instanceof ParentNode p ? Optional.of(p) : Optional.empty());
    }

    /** Leaf indices of the non-blank leaves, in increasing order. */
    public int[] occupiedLeaves() {
        int[] out = new int[memberCount()];
        int i = 0;
        for (int l = 0; l < leafCount && i < out.length; l++) {
            if (nodes[2 * l] != null) {
                out[i++] = l;
            }
        }
        return out;
    }

    /** The leaf whose LeafNode has {@code key} as signature key. */
    public OptionalInt leafWithSignatureKey(SignaturePublicKey key) {
        int leaf = signatureKeys.get(key);
        if (leaf >= 0 && leaf < leafCount && nodes[2 * leaf] instanceof LeafNode l && l.signatureKey().equals(key)) {
            return OptionalInt.of(leaf);
        }
        return OptionalInt.empty();
    }

    /** The node (leaf or parent) whose encryption key is {@code key}. */
    public OptionalInt nodeWithEncryptionKey(HpkePublicKey key) {
        int x = encryptionKeys.get(key);
        if (x >= 0 && x < nodes.length && nodes[x] != null && nodes[x].encryptionKey().equals(key)) {
            return OptionalInt.of(x);
        }
        return OptionalInt.empty();
    }

    /** The leftmost blank leaf, or empty when every leaf is occupied. O(log N). */
    public OptionalInt leftmostBlankLeaf() {
        int x = root();
        if (nonBlankLeaves[x] == leafCount) {
            return OptionalInt.empty();
        }
        while (!TreeMath.isLeaf(x)) {
            int l = TreeMath.left(x);
            x = nonBlankLeaves[l] < (1 << (TreeMath.level(x) - 1)) ? l : TreeMath.right(x);
        }
        return OptionalInt.of(TreeMath.nodeToLeaf(x));
    }

    /**
     * The leaf an external joiner takes (§12.4.1, §12.4.2): the leftmost blank leaf, after extending
     * the tree when none is blank. The leaf stays blank until a path is applied to it.
     */
    public int leftmostBlankLeafExtending() {
        OptionalInt free = leftmostBlankLeaf();
        if (free.isPresent()) {
            return free.getAsInt();
        }
        int first = leafCount;
        extend();
        return first;
    }

    // ---- evolution (§7.7, §12.1) -----------------------------------------------------------

    /**
     * Adds a member (§12.1.1): the leftmost blank leaf receives {@code leaf} (the tree is extended
     * when full), and the new leaf index is appended to {@code unmerged_leaves} of every non-blank
     * parent on its direct path.
     *
     * @return the new leaf index
     */
    public int add(LeafNode leaf) {
        int leafIndex = leftmostBlankLeafExtending();
        int x = TreeMath.leafToNode(leafIndex);
        for (int p : TreeMath.directPath(x, leafCount)) {
            if (nodes[p] instanceof ParentNode parent) {
                setNode(p, parent.withUnmergedLeaf(leafIndex));
            }
        }
        setNode(x, leaf);
        return leafIndex;
    }

    /** Replaces a member's leaf and blanks its direct path (§12.1.2). */
    public void update(int leafIndex, LeafNode leaf) {
        requireMember(leafIndex);
        setNode(TreeMath.leafToNode(leafIndex), leaf);
        blankDirectPath(leafIndex);
    }

    /**
     * Removes a member (§12.1.3): blanks the leaf and its direct path, then truncates the tree while
     * the right half of the root holds no non-blank leaf.
     */
    public void remove(int leafIndex) {
        requireMember(leafIndex);
        setNode(TreeMath.leafToNode(leafIndex), null);
        blankDirectPath(leafIndex);
        truncate();
    }

    private void requireMember(int leafIndex) {
        requireInRange(leafIndex);
        if (nodes[TreeMath.leafToNode(leafIndex)] == null) {
            throw new ValidationException(TreeRule.LEAF_BLANK, "leaf " + leafIndex);
        }
    }

    private void requireInRange(int leafIndex) {
        if (leafIndex < 0 || leafIndex >= leafCount) {
            throw new ValidationException(TreeRule.LEAF_OUT_OF_RANGE, "leaf " + leafIndex);
        }
    }

    private void blankDirectPath(int leafIndex) {
        for (int p : TreeMath.directPath(TreeMath.leafToNode(leafIndex), leafCount)) {
            if (nodes[p] != null) {
                setNode(p, null);
            }
        }
    }

    /** Doubles the tree: the old tree becomes the left subtree of a new blank root (§7.7). */
    public void extend() {
        if (leafCount >= (1 << 29)) {
            throw new InternalException("ratchet tree too large");
        }
        int oldRoot = root();
        int width = TreeMath.nodeWidth(leafCount * 2);
        nodes = Arrays.copyOf(nodes, width);
        hashes = Arrays.copyOf(hashes, width);
        nonBlankNodes = Arrays.copyOf(nonBlankNodes, width);
        nonBlankLeaves = Arrays.copyOf(nonBlankLeaves, width);
        shared = false;
        leafCount *= 2;
        int newRoot = root();
        nonBlankNodes[newRoot] = nonBlankNodes[oldRoot];
        nonBlankLeaves[newRoot] = nonBlankLeaves[oldRoot];
        stamp = STAMPS.incrementAndGet();
    }

    /**
     * Halves the tree while the root's right subtree holds no non-blank leaf and more than one leaf
     * remains; the root and the right subtree are discarded (§7.7, §12.1.3).
     */
    public void truncate() {
        while (leafCount > 1 && nonBlankLeaves[TreeMath.right(root())] == 0) {
            int r = root();
            for (int x = r; x < nodes.length; x++) {
                if (nodes[x] != null) {
                    unindexKeys(x, nodes[x]);
                }
            }
            nodes = Arrays.copyOf(nodes, r);
            hashes = Arrays.copyOf(hashes, r);
            nonBlankNodes = Arrays.copyOf(nonBlankNodes, r);
            nonBlankLeaves = Arrays.copyOf(nonBlankLeaves, r);
            shared = false;
            leafCount /= 2;
            stamp = STAMPS.incrementAndGet();
        }
    }

    /** Sets one slot, maintaining the key index, the subtree counts and the hash cache. */
    private void setNode(int x, Node node) {
        ensureOwned();
        Node old = nodes[x];
        if (old != null) {
            unindexKeys(x, old);
        }
        if (node != null) {
            indexKeys(x, node);
        }
        nodes[x] = node;
        int delta = (node != null ? 1 : 0) - (old != null ? 1 : 0);
        boolean leaf = TreeMath.isLeaf(x);
        int r = root();
        int y = x;
        while (true) {
            hashes[y] = null;
            nonBlankNodes[y] += delta;
            if (leaf) {
                nonBlankLeaves[y] += delta;
            }
            if (y == r) {
                break;
            }
            y = TreeMath.parent(y, leafCount);
        }
        stamp = STAMPS.incrementAndGet();
    }

    private void ensureOwned() {
        if (shared) {
            nodes = nodes.clone();
            hashes = hashes.clone();
            nonBlankNodes = nonBlankNodes.clone();
            nonBlankLeaves = nonBlankLeaves.clone();
            shared = false;
        }
    }

    private void indexKeys(int x, Node node) {
        encryptionKeys.put(node.encryptionKey(), x);
        if (node instanceof LeafNode l) {
            signatureKeys.put(l.signatureKey(), TreeMath.nodeToLeaf(x));
        }
    }

    private void unindexKeys(int x, Node node) {
        encryptionKeys.remove(node.encryptionKey(), x);
        if (node instanceof LeafNode l) {
            signatureKeys.remove(l.signatureKey(), TreeMath.nodeToLeaf(x));
        }
    }

    private int countSubtree(int x) {
        int self = nodes[x] != null ? 1 : 0;
        if (TreeMath.isLeaf(x)) {
            nonBlankNodes[x] = self;
            nonBlankLeaves[x] = self;
            return self;
        }
        int l = TreeMath.left(x);
        int r = TreeMath.right(x);
        countSubtree(l);
        countSubtree(r);
        nonBlankNodes[x] = self + nonBlankNodes[l] + nonBlankNodes[r];
        nonBlankLeaves[x] = nonBlankLeaves[l] + nonBlankLeaves[r];
        return nonBlankNodes[x];
    }

    // ---- paths and resolutions (§4.1) -------------------------------------------------------

    /** Whether the subtree under {@code node} holds any non-blank node (its resolution is non-empty). */
    public boolean subtreeHasNonBlank(int node) {
        return nonBlankNodes[node] > 0;
    }

    /** Resolution of {@code node} as node indices (§4.1.1). */
    public int[] resolution(int node) {
        return resolution(node, Set.of());
    }

    /**
     * Resolution of {@code node} without the leaves in {@code excludedLeaves} (leaf indices), which
     * are dropped both as leaves and as unmerged leaves (§7.5, §7.6: members added by the same
     * Commit).
     */
    public int[] resolution(int node, Set<Integer> excludedLeaves) {
        IntList out = new IntList();
        resolve(node, excludedLeaves, out);
        return out.toArray();
    }

    private void resolve(int x, Set<Integer> excluded, IntList out) {
        if (nonBlankNodes[x] == 0) {
            return;
        }
        Node node = nodes[x];
        if (node instanceof LeafNode) {
            if (excluded.isEmpty() || !excluded.contains(TreeMath.nodeToLeaf(x))) {
                out.add(x);
            }
        } else if (node instanceof ParentNode p) {
            out.add(x);
            for (int leaf : p.unmergedLeaves()) {
                if (excluded.isEmpty() || !excluded.contains(leaf)) {
                    out.add(TreeMath.leafToNode(leaf));
                }
            }
        } else {
            resolve(TreeMath.left(x), excluded, out);
            resolve(TreeMath.right(x), excluded, out);
        }
    }

    /**
     * The filtered direct path of {@code leafIndex} (§4.1.2): the parents on its direct path whose
     * copath child has a non-empty resolution, from the leaf upwards.
     */
    public List<PathNode> filteredDirectPath(int leafIndex) {
        requireInRange(leafIndex);
        int x = TreeMath.leafToNode(leafIndex);
        int r = root();
        List<PathNode> out = new ArrayList<>(TreeMath.level(r));
        while (x != r) {
            int s = TreeMath.sibling(x, leafCount);
            int p = TreeMath.parent(x, leafCount);
            if (nonBlankNodes[s] > 0) {
                out.add(new PathNode(p, s));
            }
            x = p;
        }
        return out;
    }

    // ---- tree hashes (§7.8) ----------------------------------------------------------------

    /** Tree hash of the root. */
    public byte[] treeHash() {
        return hashOf(root()).clone();
    }

    /** Tree hash of the subtree under {@code node}. */
    public byte[] treeHash(int node) {
        return hashOf(node).clone();
    }

    /** Cached tree hash; the returned array must not be modified. */
    byte[] hashOf(int x) {
        byte[] h = hashes[x];
        if (h == null) {
            if (TreeMath.isLeaf(x)) {
                h = leafTreeHash(TreeMath.nodeToLeaf(x), (LeafNode) nodes[x]);
            } else {
                h = parentTreeHash((ParentNode) nodes[x], hashOf(TreeMath.left(x)), hashOf(TreeMath.right(x)));
            }
            hashes[x] = h;
        }
        return h;
    }

    /**
     * <pre>
     * struct { uint32 leaf_index; optional&lt;LeafNode&gt; leaf_node; } LeafNodeHashInput;
     * </pre>
     * inside {@code TreeHashInput} with node_type leaf.
     */
    byte[] leafTreeHash(int leafIndex, LeafNode leaf) {
        hashComputations++;
        TlsWriter w = new TlsWriter(leaf == null ? 8 : 512);
        w.u8(Node.LEAF).u32(leafIndex);
        writeOptional(w, leaf);
        return suite.hash(w.toByteArray());
    }

    /**
     * <pre>
     * struct { optional&lt;ParentNode&gt; parent_node; opaque left_hash&lt;V&gt;; opaque right_hash&lt;V&gt;; }
     *     ParentNodeHashInput;
     * </pre>
     * inside {@code TreeHashInput} with node_type parent.
     */
    byte[] parentTreeHash(ParentNode parent, byte[] left, byte[] right) {
        hashComputations++;
        TlsWriter w = new TlsWriter(256);
        w.u8(Node.PARENT);
        writeOptional(w, parent);
        w.opaque(left).opaque(right);
        return suite.hash(w.toByteArray());
    }

    private static void writeOptional(TlsWriter w, Node node) {
        if (node == null) {
            w.u8(0);
        } else {
            w.u8(1);
            node.encode(w);
        }
    }

    /**
     * Tree hash of {@code x} with the leaves in {@code excludedNodes} (leaf node indices) blanked and
     * removed from every {@code unmerged_leaves} list: the original sibling tree hash of §7.9.
     * Subtrees without an excluded leaf reuse the cached hashes.
     */
    byte[] hashExcluding(int x, List<Integer> excludedNodes) {
        boolean touches = false;
        for (int e : excludedNodes) {
            if (TreeMath.inSubtree(e, x)) {
                touches = true;
                break;
            }
        }
        if (!touches) {
            return hashOf(x);
        }
        if (TreeMath.isLeaf(x)) {
            return leafTreeHash(TreeMath.nodeToLeaf(x), null);
        }
        ParentNode p = (ParentNode) nodes[x];
        if (p != null) {
            List<Integer> kept = new ArrayList<>(p.unmergedLeaves().size());
            for (int leaf : p.unmergedLeaves()) {
                if (!excludedNodes.contains(TreeMath.leafToNode(leaf))) {
                    kept.add(leaf);
                }
            }
            p = new ParentNode(p.encryptionKey(), p.parentHash(), kept);
        }
        return parentTreeHash(p, hashExcluding(TreeMath.left(x), excludedNodes),
                hashExcluding(TreeMath.right(x), excludedNodes));
    }

    // ---- parent hashes (§7.9) --------------------------------------------------------------

    /**
     * <pre>
     * struct {
     *     HPKEPublicKey encryption_key;
     *     opaque parent_hash&lt;V&gt;;
     *     opaque original_sibling_tree_hash&lt;V&gt;;
     * } ParentHashInput;
     * </pre>
     */
    byte[] parentHashInput(HpkePublicKey key, byte[] parentHash, byte[] siblingHash) {
        TlsWriter w = new TlsWriter(key.bytes().length + parentHash.length + siblingHash.length + 12);
        w.write(key).opaque(parentHash).opaque(siblingHash);
        return suite.hash(w.toByteArray());
    }

    /**
     * The parent hash of the non-blank parent {@code node} with copath child {@code sibling}
     * (§7.9): its key, its own {@code parent_hash} and the original tree hash of the sibling, i.e.
     * without the leaves in its {@code unmerged_leaves}.
     */
    public byte[] parentHashOf(int node, int sibling) {
        ParentNode p = parentNode(node).orElseThrow(() -> new InternalException("blank parent node"));
        List<Integer> excluded = new ArrayList<>();
        for (int leaf : p.unmergedLeaves()) {
            int ln = TreeMath.leafToNode(leaf);
            if (TreeMath.inSubtree(ln, sibling)) {
                excluded.add(ln);
            }
        }
        return parentHashInput(p.encryptionKey(), p.parentHash(), hashExcluding(sibling, excluded));
    }

    /**
     * The parent hashes of a path update from {@code leafIndex} that gives the nodes of {@code path}
     * (its filtered direct path, leaf upwards) the encryption keys {@code keys} (§7.9, §7.9.1).
     * Computed top-down: the new parent nodes have no unmerged leaves, so each original sibling
     * tree hash is the current tree hash of the copath child, which the path does not touch.
     */
    public ParentHashChain parentHashChain(List<PathNode> path, List<HpkePublicKey> keys) {
        if (path.size() != keys.size()) {
            throw new InternalException("one key per path node");
        }
        byte[][] fields = new byte[path.size()][];
        byte[] above = new byte[0];
        for (int i = path.size() - 1; i >= 0; i--) {
            fields[i] = above;
            above = parentHashInput(keys.get(i), above, hashOf(path.get(i).copathChild()));
        }
        return new ParentHashChain(above, Arrays.asList(fields));
    }

    // ---- path merge (§7.5) -----------------------------------------------------------------

    /**
     * Prepares the merge of a path update: the sender's leaf becomes {@code leaf}, its direct path
     * is blanked, and each node of {@code path} (its filtered direct path, as returned by
     * {@link #filteredDirectPath}) becomes the matching entry of {@code parents}. The tree is not
     * changed; the new tree hash is computed from the cached copath hashes in O(log N).
     */
    public PreparedPath preparePath(int leafIndex, LeafNode leaf, List<PathNode> path, List<ParentNode> parents) {
        requireInRange(leafIndex);
        if (path.size() != parents.size()) {
            throw new InternalException("one parent node per path node");
        }
        Map<Integer, ParentNode> set = new HashMap<>();
        for (int i = 0; i < path.size(); i++) {
            set.put(path.get(i).node(), parents.get(i));
        }
        int x = TreeMath.leafToNode(leafIndex);
        int[] direct = TreeMath.directPath(x, leafCount);
        int[] hashed = new int[direct.length + 1];
        byte[][] newHashes = new byte[direct.length + 1][];
        hashed[0] = x;
        byte[] h = leafTreeHash(leafIndex, leaf);
        newHashes[0] = h;
        for (int i = 0; i < direct.length; i++) {
            int p = direct[i];
            byte[] other = hashOf(TreeMath.sibling(x, leafCount));
            h = x < p ? parentTreeHash(set.get(p), h, other) : parentTreeHash(set.get(p), other, h);
            hashed[i + 1] = p;
            newHashes[i + 1] = h;
            x = p;
        }
        return new PreparedPath(leafIndex, leaf, path, parents, hashed, newHashes, stamp);
    }

    /** Applies a path prepared against this very state of the tree, with its hashes. */
    public void apply(PreparedPath prepared) {
        if (prepared.stamp != stamp) {
            throw new InternalException("path prepared against another state of the tree");
        }
        blankDirectPath(prepared.leafIndex);
        for (int i = 0; i < prepared.path.size(); i++) {
            setNode(prepared.path.get(i).node(), prepared.parents.get(i));
        }
        setNode(TreeMath.leafToNode(prepared.leafIndex), prepared.leaf);
        for (int i = 0; i < prepared.hashedNodes.length; i++) {
            hashes[prepared.hashedNodes[i]] = prepared.hashes[i];
        }
    }

    // ---- validation ------------------------------------------------------------------------

    /**
     * The checks a joining member makes on a received tree (§12.4.3.1) that do not depend on the
     * application or the GroupContext: unmerged leaves are non-blank and listed at every non-blank
     * node between them and the parent listing them; encryption keys are unique among all nodes and
     * signature keys among all leaves; every non-blank parent is parent-hash valid (§7.9.2); every
     * leaf signature verifies with {@code groupId} (§7.3). The tree hash is compared with the
     * GroupInfo by the caller, and the policy checks of §7.3 (credentials, capabilities, lifetime)
     * are the group's.
     *
     * @throws ValidationException with a {@link TreeRule}
     */
    public void verifyIntegrity(byte[] groupId) {
        TreeValidation.verifyUnmergedLeaves(this, nodes);
        TreeValidation.verifyUniqueKeys(nodes);
        verifyParentHashes();
        verifyLeafSignatures(groupId);
    }

    /**
     * §7.9.2, top down: every non-blank parent node must have exactly one descendant with respect
     * to which it is parent-hash valid; by induction every such chain ends at a leaf.
     *
     * @throws ValidationException with {@link TreeRule#PARENT_HASH_INVALID}
     */
    public void verifyParentHashes() {
        TreeValidation.verifyParentHashes(this, nodes);
    }

    /** Whether the signature of leaf {@code leafIndex} verifies with {@code groupId} (§7.3). */
    public boolean verifyLeafSignature(int leafIndex, byte[] groupId) {
        return leaf(leafIndex).map(l -> l.verifySignature(suite, groupId, leafIndex)).orElse(false);
    }

    /**
     * Verifies every leaf signature with {@code groupId} (§7.3), on several cores for large trees.
     *
     * @throws ValidationException with {@link TreeRule#LEAF_SIGNATURE_INVALID} naming the first
     *     failing leaf
     */
    public void verifyLeafSignatures(byte[] groupId) {
        TreeValidation.verifyLeafSignatures(suite, nodes, groupId);
    }

    long hashComputations() {
        return hashComputations;
    }

    @Override
    public String toString() {
        return "RatchetTree[" + leafCount + " leaves, " + memberCount() + " members]";
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a = new int[4];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
