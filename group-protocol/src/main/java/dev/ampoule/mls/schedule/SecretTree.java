package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import javax.security.auth.Destroyable;

/**
 * The secret tree of one epoch (RFC 9420 §9), rooted at {@code encryption_secret}, with the two
 * hash ratchets of every leaf (§9.1).
 * <pre>
 * tree_node_[N]_secret
 *         +--&gt; ExpandWithLabel(., "tree", "left", KDF.Nh)  = tree_node_[left(N)]_secret
 *         +--&gt; ExpandWithLabel(., "tree", "right", KDF.Nh) = tree_node_[right(N)]_secret
 *
 * tree_node_[leaf]_secret
 *         +--&gt; ExpandWithLabel(., "handshake", "", KDF.Nh)   = handshake_ratchet_secret_[N]_[0]
 *         +--&gt; ExpandWithLabel(., "application", "", KDF.Nh) = application_ratchet_secret_[N]_[0]
 * </pre>
 *
 * <p>Derivation is lazy. Only the root secret exists at first; the first time a leaf is used, the
 * secrets on the path from the nearest stored ancestor down to that leaf are derived: each parent
 * yields both children, the child off the path is stored, the parent is zeroed and dropped (it has
 * been consumed, §9.2), and at the leaf the two ratchets start and the leaf secret is zeroed. So a
 * leaf costs O(log N) derivations the first time and nothing afterwards, and the tree never holds
 * more than O(log N) node secrets per leaf in use — a group of 10,000 members does not derive
 * 10,000 leaves.
 *
 * <p>The tree has the shape of the ratchet tree: node indices as in RFC 9420 Appendix C, with the
 * root at {@code 2^d - 1} for the smallest {@code d} with {@code 2^d >= leafCount}.
 *
 * <p>Sending uses {@link #next}; receiving uses {@link #open}, which consumes a key only if the
 * decryption that uses it succeeds, or {@link #take}. Out-of-order generations are served within a
 * {@link RatchetWindow}; anything else is refused with a {@link ValidationException} naming a
 * {@link ScheduleRule}, and a refusal leaves the tree unchanged. The reuse guard (§6.3.1) is the
 * framing layer's business: the nonces here are the key schedule's. Thread-safe.
 */
public final class SecretTree implements Destroyable, AutoCloseable {

    /**
     * Uses a ratchet key that is lent for the duration of the call only. It runs while the tree is
     * locked and must not call back into the tree.
     */
    @FunctionalInterface
    public interface KeyUse<T> {
        /**
         * @param key lent; do not keep it, its arrays, or destroy it
         * @throws RuntimeException any failure (typically a {@link ValidationException} because the
         *     AEAD did not open), which leaves the key unused
         */
        T apply(RatchetKey key);
    }

    /** Most leaves supported: node indices must fit in an int. */
    public static final int MAX_LEAVES = 1 << 30;

    private static final byte[] LEFT = "left".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RIGHT = "right".getBytes(StandardCharsets.US_ASCII);

    private final CipherSuite suite;
    private final int leafCount;
    private final int root;
    private final RatchetWindow window;
    /** Node index to a tree-node secret not yet consumed. */
    private final Map<Integer, byte[]> nodeSecrets = new HashMap<>();
    /** Leaf index to its ratchets, indexed by {@link RatchetType#ordinal()}. */
    private final Map<Integer, HashRatchet[]> leafRatchets = new HashMap<>();
    private boolean destroyed;

    private SecretTree(CipherSuite suite, byte[] rootSecret, int leafCount, RatchetWindow window) {
        this.suite = suite;
        this.leafCount = leafCount;
        this.window = window;
        int depth = 32 - Integer.numberOfLeadingZeros(leafCount - 1);
        this.root = (1 << depth) - 1;
        nodeSecrets.put(root, rootSecret);
    }

    /**
     * The secret tree of an epoch with {@code leafCount} leaves in its ratchet tree.
     * {@code encryptionSecret} moves into the tree: it is destroyed.
     */
    public static SecretTree create(CipherSuite suite, EncryptionSecret encryptionSecret, int leafCount,
            RatchetWindow window) {
        if (leafCount < 1 || leafCount > MAX_LEAVES) {
            throw new InternalException("secret tree leaf count out of range: " + leafCount);
        }
        try {
            return new SecretTree(suite, encryptionSecret.copy(), leafCount, window);
        } finally {
            encryptionSecret.destroy();
        }
    }

    public int leafCount() {
        return leafCount;
    }

    public RatchetWindow window() {
        return window;
    }

    /**
     * The key and nonce of the next generation of {@code leaf}'s ratchet, for sending a message; the
     * ratchet moves past it. The caller owns the returned key and should close it once used.
     *
     * @throws ValidationException with {@link ScheduleRule#LEAF_OUT_OF_RANGE} or
     *     {@link ScheduleRule#GENERATION_EXHAUSTED}
     */
    public synchronized RatchetKey next(int leaf, RatchetType type) {
        return ratchet(leaf, type).next();
    }

    /**
     * Lends the key and nonce of {@code generation} of {@code leaf}'s ratchet to {@code use}, for
     * decrypting a received message, and returns what {@code use} returns. The key is consumed
     * (zeroed, never served again) only when {@code use} returns normally; if it throws, the tree
     * is unchanged and the exception propagates, so a forged message cannot burn a genuine key.
     *
     * @param generation the {@code uint32} generation from the message's SenderData
     * @throws ValidationException with {@link ScheduleRule#LEAF_OUT_OF_RANGE},
     *     {@link ScheduleRule#GENERATION_CONSUMED}, {@link ScheduleRule#GENERATION_TOO_OLD},
     *     {@link ScheduleRule#GENERATION_TOO_FAR_AHEAD} or {@link ScheduleRule#GENERATION_EXHAUSTED};
     *     the tree is then unchanged
     */
    public synchronized <T> T open(int leaf, RatchetType type, long generation, KeyUse<T> use) {
        if (generation < 0 || generation > HashRatchet.MAX_GENERATION) {
            throw new InternalException("generation outside uint32: " + generation);
        }
        requireLeaf(leaf);
        HashRatchet[] started = leafRatchets.get(leaf);
        if (started != null) {
            return started[type.ordinal()].open(generation, use);
        }
        // A leaf not yet started is started on copies, kept only when the key was used.
        LeafStart start = prepareStart(leaf);
        T result;
        try {
            result = start.ratchets()[type.ordinal()].open(generation, use);
        } catch (RuntimeException e) {
            start.discard();
            throw e;
        }
        commit(leaf, start);
        return result;
    }

    /**
     * The key and nonce of {@code generation}, consumed at once: the tree forgets them and the
     * caller owns the returned copy. Prefer {@link #open}, which consumes only on success.
     *
     * @throws ValidationException as {@link #open}
     */
    public synchronized RatchetKey take(int leaf, RatchetType type, long generation) {
        return open(leaf, type, generation, k -> new RatchetKey(k.generation(),
                new AeadKey(k.key().copy()), new AeadNonce(k.nonce().copy())));
    }

    /** The next generation {@link #next} would hand out for {@code leaf}'s ratchet. */
    public synchronized long nextGeneration(int leaf, RatchetType type) {
        return ratchet(leaf, type).nextGeneration();
    }

    /** Number of tree-node secrets currently stored (for tests of lazy derivation). */
    synchronized int storedNodeSecrets() {
        return nodeSecrets.size();
    }

    /** Number of leaves whose ratchets have been started. */
    synchronized int startedLeaves() {
        return leafRatchets.size();
    }

    /** Number of skipped-generation keys retained by one ratchet. */
    synchronized int retainedKeys(int leaf, RatchetType type) {
        return ratchet(leaf, type).retainedCount();
    }

    private HashRatchet ratchet(int leaf, RatchetType type) {
        requireLeaf(leaf);
        HashRatchet[] ratchets = leafRatchets.get(leaf);
        if (ratchets == null) {
            LeafStart start = prepareStart(leaf);
            commit(leaf, start);
            ratchets = start.ratchets();
        }
        return ratchets[type.ordinal()];
    }

    private void requireLeaf(int leaf) {
        if (destroyed) {
            throw new InternalException("SecretTree used after it was destroyed");
        }
        if (leaf < 0 || leaf >= leafCount) {
            throw new ValidationException(ScheduleRule.LEAF_OUT_OF_RANGE, "leaf " + leaf + " of " + leafCount);
        }
    }

    /**
     * The start of a leaf computed without touching the tree: the stored node secret it consumes,
     * the secrets of the siblings off its path, and its ratchets.
     */
    private record LeafStart(int consumedNode, Map<Integer, byte[]> siblings, HashRatchet[] ratchets) {
        void discard() {
            siblings.values().forEach(Kdf::zero);
            for (HashRatchet r : ratchets) {
                r.destroy();
            }
        }
    }

    /** Derives the path down to {@code leaf} from the nearest stored secret, on copies. */
    private LeafStart prepareStart(int leaf) {
        int target = 2 * leaf;
        int node = root;
        // The one stored secret on the path from the root to an unstarted leaf.
        while (!nodeSecrets.containsKey(node)) {
            if (level(node) == 0) {
                throw new InternalException("secret tree lost the secret above leaf " + leaf);
            }
            node = target < node ? left(node) : right(node);
        }
        int consumed = node;
        int nh = suite.hashLength();
        byte[] secret = nodeSecrets.get(node).clone();
        Map<Integer, byte[]> siblings = new HashMap<>();
        while (level(node) > 0) {
            byte[] l = suite.expandWithLabel(secret, "tree", LEFT, nh);
            byte[] r = suite.expandWithLabel(secret, "tree", RIGHT, nh);
            Kdf.zero(secret);
            if (target < node) {
                siblings.put(right(node), r);
                secret = l;
                node = left(node);
            } else {
                siblings.put(left(node), l);
                secret = r;
                node = right(node);
            }
        }
        HashRatchet[] ratchets = new HashRatchet[RatchetType.values().length];
        for (RatchetType t : RatchetType.values()) {
            ratchets[t.ordinal()] = new HashRatchet(suite, window,
                    suite.expandWithLabel(secret, t.label(), Kdf.EMPTY, nh));
        }
        Kdf.zero(secret);
        return new LeafStart(consumed, siblings, ratchets);
    }

    /** Makes a prepared start part of the tree: the consumed secret is zeroed and dropped (§9.2). */
    private void commit(int leaf, LeafStart start) {
        Kdf.zero(nodeSecrets.remove(start.consumedNode()));
        nodeSecrets.putAll(start.siblings());
        leafRatchets.put(leaf, start.ratchets());
    }

    /** RFC 9420 Appendix C: the level of a node is the number of trailing one bits of its index. */
    private static int level(int x) {
        return Integer.numberOfTrailingZeros(~x);
    }

    private static int left(int x) {
        return x ^ (1 << (level(x) - 1));
    }

    private static int right(int x) {
        return x ^ (3 << (level(x) - 1));
    }

    /**
     * Writes the tree's whole state — unconsumed node secrets, and for every started leaf its two
     * ratchets with their retained keys — for a saved group state that the application encrypts
     * at rest. The caller must wipe {@code w} when done.
     */
    public synchronized void encodeState(TlsWriter w) {
        if (destroyed) {
            throw new InternalException("SecretTree used after it was destroyed");
        }
        w.u32(leafCount);
        int mark = w.beginVector();
        for (Map.Entry<Integer, byte[]> e : new java.util.TreeMap<>(nodeSecrets).entrySet()) {
            w.u32(e.getKey()).opaque(e.getValue());
        }
        w.endVector(mark);
        mark = w.beginVector();
        for (Map.Entry<Integer, HashRatchet[]> e : new java.util.TreeMap<>(leafRatchets).entrySet()) {
            w.u32(e.getKey());
            for (HashRatchet r : e.getValue()) {
                r.encodeState(w);
            }
        }
        w.endVector(mark);
    }

    /** Reads what {@link #encodeState} wrote; {@code window} is the one to use from now on. */
    public static SecretTree decodeState(CipherSuite suite, RatchetWindow window, TlsReader r) {
        int leafCount = r.u32AsInt();
        if (leafCount < 1 || leafCount > MAX_LEAVES) {
            throw new DecodeException("secret tree leaf count out of range");
        }
        SecretTree tree = new SecretTree(suite, new byte[0], leafCount, window);
        tree.nodeSecrets.clear();
        int width = 2 * tree.root + 1;
        TlsReader nodes = r.vectorBody();
        while (nodes.hasRemaining()) {
            int node = nodes.u32AsInt();
            if (node >= width) {
                throw new DecodeException("secret tree node out of range");
            }
            tree.nodeSecrets.put(node, EpochSecrets.secret(nodes, suite.hashLength()));
        }
        TlsReader leaves = r.vectorBody();
        while (leaves.hasRemaining()) {
            int leaf = leaves.u32AsInt();
            if (leaf >= leafCount) {
                throw new DecodeException("secret tree leaf out of range");
            }
            HashRatchet[] ratchets = new HashRatchet[RatchetType.values().length];
            for (RatchetType t : RatchetType.values()) {
                ratchets[t.ordinal()] = HashRatchet.decodeState(suite, window, leaves);
            }
            tree.leafRatchets.put(leaf, ratchets);
        }
        return tree;
    }

    /** Zeroes every node secret, ratchet secret and retained key. */
    @Override
    public synchronized void destroy() {
        destroyed = true;
        for (byte[] s : nodeSecrets.values()) {
            Kdf.zero(s);
        }
        nodeSecrets.clear();
        for (HashRatchet[] rs : leafRatchets.values()) {
            for (HashRatchet r : rs) {
                r.destroy();
            }
        }
        leafRatchets.clear();
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }

    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return "SecretTree[" + leafCount + " leaves" + (destroyed ? ", destroyed" : "") + "]";
    }
}
