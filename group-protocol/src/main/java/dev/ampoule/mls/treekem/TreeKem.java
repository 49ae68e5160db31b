package dev.ampoule.mls.treekem;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.HpkeSealer;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.ParentHashChain;
import dev.ampoule.mls.tree.ParentNode;
import dev.ampoule.mls.tree.PathNode;
import dev.ampoule.mls.tree.PreparedPath;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeMath;
import dev.ampoule.mls.tree.TreeRule;
import dev.ampoule.mls.treekem.UpdatePath.UpdatePathNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ForkJoinTask;
import java.util.function.Function;

/**
 * TreeKEM (RFC 9420 §7.4–§7.6, §7.9): creating an UpdatePath for a Commit, checking and merging a
 * received one, and decrypting its path secret.
 *
 * <p>The {@code tree} passed in is the new ratchet tree of the Commit — the proposals already
 * applied, typically a staged {@link RatchetTree#copy()} — and is changed only once everything
 * succeeded. {@code excludedLeaves} are the leaf indices added by the same Commit: they receive no
 * ciphertext (§7.6). Encryption uses the provisional GroupContext, whose tree hash is that of the
 * tree after the merge (§12.4.1): the caller passes {@code groupContext}, a function from that tree
 * hash to the serialized GroupContext.
 */
public final class TreeKem {

    /** From this many path secret encryptions on, they are spread over several cores. */
    private static final int PARALLEL_SEALS = 4;

    /** From this many node key pairs on, their derivations are spread over several cores. */
    private static final int PARALLEL_DERIVATIONS = 4;

    /** Label of EncryptWithLabel for path secrets (§7.6). */
    public static final String ENCRYPT_LABEL = "UpdatePathNode";

    private TreeKem() {}

    // ---- creation (§7.4, §7.5, §12.4.1) ----------------------------------------------------

    /**
     * Creates an UpdatePath from {@code senderLeaf} whose new leaf keeps the signature key,
     * credential, capabilities and extensions of the sender's current leaf.
     */
    public static CreatedPath createPath(CipherSuite suite, RatchetTree tree, int senderLeaf,
            SignaturePrivateKey signingKey, byte[] groupId, Set<Integer> excludedLeaves,
            Function<byte[], byte[]> groupContext) {
        LeafNode current = tree.leaf(senderLeaf)
                .orElseThrow(() -> new InternalException("the committer's leaf is blank"));
        return createPath(suite, tree, senderLeaf, current, signingKey, groupId, excludedLeaves, groupContext);
    }

    /**
     * Creates an UpdatePath from {@code senderLeaf} and merges it into {@code tree} (§7.4, §7.5):
     * a fresh leaf key pair, a random first path secret and its chain along the filtered direct
     * path, node key pairs, parent hashes, and a new leaf with source {@code commit} built from the
     * signature key, credential, capabilities and extensions of {@code template} and signed with
     * {@code signingKey}. Each path secret is encrypted to the resolution of its copath child,
     * without {@code excludedLeaves}. The sender's leaf may be blank (an external commit, §12.4.1).
     */
    public static CreatedPath createPath(CipherSuite suite, RatchetTree tree, int senderLeaf, LeafNode template,
            SignaturePrivateKey signingKey, byte[] groupId, Set<Integer> excludedLeaves,
            Function<byte[], byte[]> groupContext) {
        List<PathNode> path = tree.filteredDirectPath(senderLeaf);
        HpkeKeyPair leafKey = suite.generateHpkeKeyPair();

        Map<Integer, PathSecret> secrets = new LinkedHashMap<>();
        byte[][] pathSecrets = new byte[path.size()][];
        byte[] secret = suite.randomBytes(suite.hashLength());
        for (int i = 0; i < path.size(); i++) {
            pathSecrets[i] = secret;
            secrets.put(path.get(i).node(), new PathSecret(secret));
            secret = suite.deriveSecret(secret, "path");
        }
        CommitSecret commitSecret = new CommitSecret(secret);
        HpkeKeyPair[] derived = nodeKeyPairs(suite, pathSecrets);
        Map<Integer, HpkeKeyPair> nodeKeys = new HashMap<>();
        List<HpkePublicKey> publicKeys = new ArrayList<>(path.size());
        for (int i = 0; i < path.size(); i++) {
            nodeKeys.put(path.get(i).node(), derived[i]);
            publicKeys.add(derived[i].publicKey());
        }

        ParentHashChain chain = tree.parentHashChain(path, publicKeys);
        List<ParentNode> parents = new ArrayList<>(path.size());
        for (int i = 0; i < path.size(); i++) {
            parents.add(new ParentNode(publicKeys.get(i), chain.nodeParentHashes().get(i), List.of()));
        }
        LeafNode leaf = LeafNode.create(suite, signingKey, leafKey.publicKey(), template.signatureKey(),
                template.credential(), template.capabilities(), new LeafNodeSource.Commit(chain.leafParentHash()),
                template.extensions(), groupId, senderLeaf);
        PreparedPath prepared = tree.preparePath(senderLeaf, leaf, path, parents);
        byte[] context = groupContext.apply(prepared.treeHash());

        // One HPKE seal per resolution node: the bulk of a commit's cost, independent of each other,
        // so they run on several cores when there are enough of them. All share one HPKE context
        // (label and GroupContext), hashed once.
        HpkeSealer sealer = suite.encryptorWithLabel(ENCRYPT_LABEL, context);
        List<int[]> resolutions = new ArrayList<>(path.size());
        List<int[]> seals = new ArrayList<>();
        for (int i = 0; i < path.size(); i++) {
            int[] resolution = tree.resolution(path.get(i).copathChild(), excludedLeaves);
            resolutions.add(resolution);
            for (int j = 0; j < resolution.length; j++) {
                seals.add(new int[] {i, j});
            }
        }
        HpkeCiphertext[][] sealed = new HpkeCiphertext[path.size()][];
        for (int i = 0; i < path.size(); i++) {
            sealed[i] = new HpkeCiphertext[resolutions.get(i).length];
        }
        Parallel.forEach(seals.size(), PARALLEL_SEALS, k -> {
            int i = seals.get(k)[0];
            int j = seals.get(k)[1];
            HpkePublicKey to = tree.node(resolutions.get(i)[j]).orElseThrow().encryptionKey();
            sealed[i][j] = sealer.seal(to, secrets.get(path.get(i).node()).reveal());
        });
        List<UpdatePathNode> nodes = new ArrayList<>(path.size());
        for (int i = 0; i < path.size(); i++) {
            nodes.add(new UpdatePathNode(publicKeys.get(i), Arrays.asList(sealed[i])));
        }
        tree.apply(prepared);
        TreeKemPrivate state = TreeKemPrivate.of(senderLeaf, leafKey, nodeKeys);
        return new CreatedPath(new UpdatePath(leaf, nodes), commitSecret, state, senderLeaf, secrets);
    }

    /**
     * The node key pair of each path secret of {@code chain}, in order: independent derivations,
     * spread over several cores for a path of four nodes or more.
     */
    static HpkeKeyPair[] nodeKeyPairs(CipherSuite suite, byte[][] chain) {
        return Parallel.map(chain.length, PARALLEL_DERIVATIONS, i -> nodeKeyPair(suite, chain[i]))
                .toArray(HpkeKeyPair[]::new);
    }

    /** {@code DeriveKeyPair(DeriveSecret(path_secret, "node"))} (§7.4). */
    static HpkeKeyPair nodeKeyPair(CipherSuite suite, byte[] pathSecret) {
        byte[] nodeSecret = suite.deriveSecret(pathSecret, "node");
        try {
            return suite.deriveHpkeKeyPair(nodeSecret);
        } finally {
            Arrays.fill(nodeSecret, (byte) 0);
        }
    }

    // ---- receipt (§7.5, §7.6, §12.4.2) -----------------------------------------------------

    /**
     * Checks a received UpdatePath against {@code tree} without secrets — the Delivery Service's
     * view — and prepares its merge (apply it with {@link RatchetTree#apply}):
     * <ul>
     *   <li>the leaf has source {@code commit} and its signature verifies with {@code groupId} and
     *       {@code senderLeaf} (§7.3), and its signature key is no other member's;</li>
     *   <li>none of the path's public keys (leaf and nodes) appears in the tree or twice in the
     *       path (§12.4.2; this includes the sender's current leaf key);</li>
     *   <li>one node per entry of the sender's filtered direct path, each with one ciphertext per
     *       node of its copath child's resolution without {@code excludedLeaves} (§7.6);</li>
     *   <li>the leaf's parent_hash equals the parent hash computed over the merged path (§7.5,
     *       §7.9.2), so the merged path forms a parent-hash chain from the leaf to the root.</li>
     * </ul>
     *
     * @throws ValidationException with a {@link TreeKemRule}
     */
    public static PreparedPath verifyPath(CipherSuite suite, RatchetTree tree, int senderLeaf, UpdatePath updatePath,
            byte[] groupId, Set<Integer> excludedLeaves) {
        LeafNodeSource.Commit commit = checkLeaf(tree, senderLeaf, updatePath);
        if (!updatePath.leafNode().verifySignature(suite, groupId, senderLeaf)) {
            throw new ValidationException(TreeKemRule.LEAF_SIGNATURE_INVALID, "leaf " + senderLeaf);
        }
        return verifyPathAfterSignature(tree, senderLeaf, updatePath, commit, excludedLeaves);
    }

    /** The sender is in range and the path's leaf has source commit (§7.5). */
    private static LeafNodeSource.Commit checkLeaf(RatchetTree tree, int senderLeaf, UpdatePath updatePath) {
        if (senderLeaf < 0 || senderLeaf >= tree.leafCount()) {
            throw new ValidationException(TreeRule.LEAF_OUT_OF_RANGE, "sender " + senderLeaf);
        }
        if (!(updatePath.leafNode().source() instanceof LeafNodeSource.Commit commit)) {
            throw new ValidationException(TreeKemRule.LEAF_SOURCE_NOT_COMMIT);
        }
        return commit;
    }

    /** The checks of {@link #verifyPath} that follow the leaf signature, and the merge they prepare. */
    private static PreparedPath verifyPathAfterSignature(RatchetTree tree, int senderLeaf, UpdatePath updatePath,
            LeafNodeSource.Commit commit, Set<Integer> excludedLeaves) {
        LeafNode leaf = updatePath.leafNode();
        OptionalInt holder = tree.leafWithSignatureKey(leaf.signatureKey());
        if (holder.isPresent() && holder.getAsInt() != senderLeaf) {
            throw new ValidationException(TreeKemRule.SIGNATURE_KEY_IN_USE, "leaf " + holder.getAsInt());
        }
        List<PathNode> path = tree.filteredDirectPath(senderLeaf);
        List<UpdatePathNode> nodes = updatePath.nodes();
        if (nodes.size() != path.size()) {
            throw new ValidationException(TreeKemRule.PATH_LENGTH_MISMATCH,
                    nodes.size() + " nodes for a path of " + path.size());
        }
        Set<HpkePublicKey> seen = new HashSet<>();
        requireFresh(tree, seen, leaf.encryptionKey());
        List<HpkePublicKey> keys = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            UpdatePathNode n = nodes.get(i);
            requireFresh(tree, seen, n.encryptionKey());
            keys.add(n.encryptionKey());
            int expected = tree.resolution(path.get(i).copathChild(), excludedLeaves).length;
            if (n.encryptedPathSecret().size() != expected) {
                throw new ValidationException(TreeKemRule.CIPHERTEXT_COUNT_MISMATCH, "path node " + i);
            }
        }
        ParentHashChain chain = tree.parentHashChain(path, keys);
        if (!Arrays.equals(chain.leafParentHash(), commit.parentHash())) {
            throw new ValidationException(TreeKemRule.PARENT_HASH_MISMATCH, "leaf " + senderLeaf);
        }
        List<ParentNode> parents = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            parents.add(new ParentNode(keys.get(i), chain.nodeParentHashes().get(i), List.of()));
        }
        return tree.preparePath(senderLeaf, leaf, path, parents);
    }

    private static void requireFresh(RatchetTree tree, Set<HpkePublicKey> seen, HpkePublicKey key) {
        OptionalInt at = tree.nodeWithEncryptionKey(key);
        if (at.isPresent()) {
            throw new ValidationException(TreeKemRule.PUBLIC_KEY_IN_USE, "node " + at.getAsInt());
        }
        if (!seen.add(key)) {
            throw new ValidationException(TreeKemRule.PUBLIC_KEY_IN_USE, "repeated within the path");
        }
    }

    /**
     * Processes a received UpdatePath as member {@code me} (§7.5, §12.4.2): {@link #verifyPath},
     * then decrypts the path secret of the lowest filtered-path node above this member with a key
     * it holds for a node of the copath child's resolution, derives the rest of the chain, checks
     * every derived public key against the path, derives the commit secret, and finally merges the
     * path into {@code tree}. On any failure the tree and {@code me} are unchanged.
     *
     * @throws ValidationException with a {@link TreeKemRule}, or the crypto layer's rule when a
     *     ciphertext does not decrypt
     */
    public static ProcessedPath processPath(CipherSuite suite, RatchetTree tree, TreeKemPrivate me, int senderLeaf,
            UpdatePath updatePath, byte[] groupId, Set<Integer> excludedLeaves, Function<byte[], byte[]> groupContext) {
        if (me.leafIndex() == senderLeaf) {
            throw new InternalException("a committer keeps the state returned by createPath");
        }
        // The leaf signature verifies on another core while this thread decrypts and derives; its
        // failure is the one reported, as if checked first (verifyPath), and the keys learnt are
        // destroyed.
        LeafNodeSource.Commit commit = checkLeaf(tree, senderLeaf, updatePath);
        ForkJoinTask<Boolean> signature = ForkJoinTask.adapt(
                () -> updatePath.leafNode().verifySignature(suite, groupId, senderLeaf)).fork();
        Decrypted decrypted = null;
        RuntimeException failure = null;
        try {
            decrypted = decryptPath(suite, tree, me, senderLeaf, updatePath, commit, excludedLeaves, groupContext);
        } catch (RuntimeException e) {
            failure = e;
        }
        if (!signature.join()) {
            if (decrypted != null) {
                decrypted.path().commitSecret().destroy();
                decrypted.learnt().values().forEach(k -> k.privateKey().destroy());
            }
            throw new ValidationException(TreeKemRule.LEAF_SIGNATURE_INVALID, "leaf " + senderLeaf);
        }
        if (failure != null) {
            throw failure;
        }
        tree.apply(decrypted.prepared());
        return decrypted.path();
    }

    /** A decrypted path before its merge: the outcome, the merge, and the node keys learnt. */
    private record Decrypted(ProcessedPath path, PreparedPath prepared, Map<Integer, HpkeKeyPair> learnt) {}

    private static Decrypted decryptPath(CipherSuite suite, RatchetTree tree, TreeKemPrivate me, int senderLeaf,
            UpdatePath updatePath, LeafNodeSource.Commit commit, Set<Integer> excludedLeaves,
            Function<byte[], byte[]> groupContext) {
        PreparedPath prepared = verifyPathAfterSignature(tree, senderLeaf, updatePath, commit, excludedLeaves);
        List<PathNode> path = prepared.path();
        int myNode = TreeMath.leafToNode(me.leafIndex());
        int first = -1;
        for (int i = 0; i < path.size() && first < 0; i++) {
            if (TreeMath.inSubtree(myNode, path.get(i).copathChild())) {
                first = i;
            }
        }
        if (first < 0) {
            throw new ValidationException(TreeKemRule.NO_DECRYPTION_KEY, "no path node above this member");
        }
        int[] resolution = tree.resolution(path.get(first).copathChild(), excludedLeaves);
        HpkeKeyPair key = null;
        int slot = -1;
        for (int j = 0; j < resolution.length && key == null; j++) {
            key = me.keyFor(tree, resolution[j]);
            slot = j;
        }
        if (key == null) {
            throw new ValidationException(TreeKemRule.NO_DECRYPTION_KEY, "path node " + first);
        }
        byte[] context = groupContext.apply(prepared.treeHash());
        HpkeCiphertext ct = updatePath.nodes().get(first).encryptedPathSecret().get(slot);
        byte[] secret = suite.decryptWithLabel(key, ENCRYPT_LABEL, context, ct);

        byte[][] chain = new byte[path.size() - first][];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = secret;
            secret = suite.deriveSecret(secret, "path");
        }
        HpkeKeyPair[] derived;
        try {
            derived = nodeKeyPairs(suite, chain);
        } finally {
            for (byte[] c : chain) {
                Arrays.fill(c, (byte) 0);
            }
        }
        Map<Integer, HpkeKeyPair> learnt = new HashMap<>();
        for (int i = 0; i < derived.length; i++) {
            learnt.put(path.get(first + i).node(), derived[i]);
        }
        for (int i = 0; i < derived.length; i++) {
            if (!derived[i].publicKey().equals(updatePath.nodes().get(first + i).encryptionKey())) {
                Arrays.fill(secret, (byte) 0);
                learnt.values().forEach(k -> k.privateKey().destroy());
                throw new ValidationException(TreeKemRule.DERIVED_KEY_MISMATCH, "node " + path.get(first + i).node());
            }
        }
        CommitSecret commitSecret = new CommitSecret(secret);
        TreeKemPrivate next = me.afterPath(tree, senderLeaf, learnt);
        return new Decrypted(new ProcessedPath(commitSecret, next, path.get(first).node()), prepared, learnt);
    }
}
