package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.schedule.EpochSecret;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.TranscriptHashes;
import dev.ampoule.mls.tree.Capabilities;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.ParentHashChain;
import dev.ampoule.mls.tree.ParentNode;
import dev.ampoule.mls.tree.PathNode;
import dev.ampoule.mls.tree.PreparedPath;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeMath;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A group of N members whose ratchet tree is <em>full</em> — every leaf up to N occupied and every
 * parent node that can be non-blank holding a key — built directly instead of through N joins and
 * N/2 Commits, so that a benchmark trial at N = 10,000 starts within seconds.
 *
 * <p>The tree is the one a real group reaches when, after all members joined, the members at even
 * leaves (those with an occupied sibling: all even leaves when N is even) committed a path update
 * each, from the highest leaf down to leaf 0: every parent node then holds the key set by the
 * leftmost leaf of its subtree, whose leaf node (source {@code commit}) and parent nodes form a
 * valid parent-hash chain (RFC 9420 §7.9), computed by the library's own
 * {@link RatchetTree#parentHashChain} and {@link RatchetTree#preparePath}. The other leaves keep
 * their KeyPackage leaf node. Every leaf carries a valid signature. Nodes that a later path update
 * overwrites only ever held a placeholder public key: nothing reads them once overwritten.
 *
 * <p>The fixture keeps every private key (leaf and parent nodes, signature keys), so that any
 * member can be instantiated as a {@link Group} with exactly the private state the tree invariant
 * gives a member: its leaf key and the keys of the non-blank nodes on its direct path (§7.4). All
 * members share one random epoch secret, a random confirmed transcript hash and the tree's hash
 * in their GroupContext; they talk to each other as members of one group.
 */
public final class GroupFixture {

    private final GroupConfig config;
    private final CipherSuite suite;
    private final int members;
    private final byte[] groupId;
    private final RatchetTree tree;
    private final SignatureKeyPair[] signatureKeys;
    private final HpkeKeyPair[] leafKeys;
    private final HpkeKeyPair[] nodeKeys;
    private final GroupContext context;
    private final byte[] epochSecret;
    private final byte[] confirmationTag;
    private final byte[] interimTranscriptHash;

    private GroupFixture(GroupConfig config, CipherSuite suite, int members) {
        this.config = config;
        this.suite = suite;
        this.members = members;
        this.groupId = suite.randomBytes(16);
        Capabilities caps = Group.ownCapabilities(config, credential(0), List.of(), List.of());
        LeafNodeSource keyPackageSource = new LeafNodeSource.KeyPackage(Group.lifetime(config));

        // Every key pair the tree needs, on all cores.
        signatureKeys = new SignatureKeyPair[members];
        leafKeys = new HpkeKeyPair[members];
        IntStream.range(0, members).parallel().forEach(i -> {
            signatureKeys[i] = suite.generateSignatureKeyPair();
            leafKeys[i] = suite.generateHpkeKeyPair();
        });
        LeafNode[] initial = new LeafNode[members];
        IntStream.range(0, members).parallel().forEach(i -> initial[i] = LeafNode.create(suite,
                signatureKeys[i].privateKey(), leafKeys[i].publicKey(), signatureKeys[i].publicKey(), credential(i),
                caps, keyPackageSource, List.of(), null, 0));
        RatchetTree t = RatchetTree.create(suite, initial[0]);
        for (int i = 1; i < members; i++) {
            t.add(initial[i]);
        }

        // Which leaf commits and which nodes keep its keys (a prefix of its filtered direct path).
        List<Integer> committers = new ArrayList<>();
        Map<Integer, List<PathNode>> paths = new HashMap<>();
        Map<Integer, Integer> owned = new HashMap<>();
        for (int leaf = 0; leaf < members; leaf++) {
            List<PathNode> path = t.filteredDirectPath(leaf);
            int n = 0;
            while (n < path.size() && leftmostLeaf(path.get(n).node()) == leaf) {
                n++;
            }
            if (n > 0) {
                committers.add(leaf);
                paths.put(leaf, path);
                owned.put(leaf, n);
            }
        }
        nodeKeys = new HpkeKeyPair[t.nodeWidth()];
        committers.parallelStream().forEach(leaf -> {
            List<PathNode> path = paths.get(leaf);
            for (int i = 0; i < owned.get(leaf); i++) {
                nodeKeys[path.get(i).node()] = suite.generateHpkeKeyPair();
            }
        });

        // The path updates, highest leaf first.
        for (int c = committers.size() - 1; c >= 0; c--) {
            int leaf = committers.get(c);
            List<PathNode> path = paths.get(leaf);
            List<HpkePublicKey> keys = new ArrayList<>(path.size());
            for (int i = 0; i < path.size(); i++) {
                keys.add(i < owned.get(leaf) ? nodeKeys[path.get(i).node()].publicKey()
                        : new HpkePublicKey(suite.randomBytes(32)));
            }
            ParentHashChain chain = t.parentHashChain(path, keys);
            List<ParentNode> parents = new ArrayList<>(path.size());
            for (int i = 0; i < path.size(); i++) {
                parents.add(new ParentNode(keys.get(i), chain.nodeParentHashes().get(i), List.of()));
            }
            LeafNode committed = LeafNode.create(suite, signatureKeys[leaf].privateKey(), leafKeys[leaf].publicKey(),
                    signatureKeys[leaf].publicKey(), credential(leaf), caps,
                    new LeafNodeSource.Commit(chain.leafParentHash()), List.of(), groupId, leaf);
            PreparedPath prepared = t.preparePath(leaf, committed, path, parents);
            t.apply(prepared);
        }
        this.tree = t;

        byte[] confirmed = suite.randomBytes(suite.hashLength());
        this.context = new GroupContext(suite.id().wire(), groupId, 1000, t.treeHash(), confirmed, List.of());
        this.epochSecret = suite.randomBytes(suite.hashLength());
        EpochSecrets secrets = epochSecrets();
        this.confirmationTag = secrets.confirmationTag(confirmed);
        secrets.destroy();
        this.interimTranscriptHash = TranscriptHashes.interimFromTag(suite, confirmed, confirmationTag);
    }

    /**
     * Builds a full tree of {@code members} members and checks it as a joiner would (unmerged
     * leaves, unique keys, parent hashes, every leaf signature, RFC 9420 §12.4.3.1).
     */
    public static GroupFixture full(GroupConfig config, CipherSuite suite, int members) {
        GroupFixture f = new GroupFixture(config, suite, members);
        PublicState.verifyTree(config, suite, f.context, f.tree);
        return f;
    }

    /** The basic credential of the member at {@code leaf}. */
    public static Credential credential(int leaf) {
        return new Credential.Basic(("member-" + leaf).getBytes(StandardCharsets.UTF_8));
    }

    private static int leftmostLeaf(int node) {
        return TreeMath.nodeToLeaf(TreeMath.subtreeStart(node));
    }

    public int members() {
        return members;
    }

    /** A copy of the public ratchet tree, every hash cached (copy-on-write, O(1)). */
    public RatchetTree tree() {
        return tree.copy();
    }

    /** The signature key pair of the member at {@code leaf}. */
    public SignatureKeyPair signatureKeys(int leaf) {
        return signatureKeys[leaf];
    }

    /** Each Group owns (and may destroy) its own copy of a private key. */
    private static HpkeKeyPair copy(HpkeKeyPair kp) {
        return new HpkeKeyPair(new HpkePrivateKey(kp.privateKey().copy()), kp.publicKey());
    }

    private EpochSecrets epochSecrets() {
        return EpochSecrets.fromEpochSecret(suite, new EpochSecret(epochSecret.clone()));
    }

    /**
     * A new, independent {@link Group} for the member at {@code leaf}: the public state (sharing
     * the fixture's tree copy-on-write), its leaf key and the keys of its direct path, the epoch's
     * secrets, an empty proposal cache, no past epochs.
     */
    public Group member(int leaf) {
        Map<Integer, HpkeKeyPair> path = new HashMap<>();
        for (int node : TreeMath.directPath(TreeMath.leafToNode(leaf), tree.leafCount())) {
            if (!tree.isBlank(node)) {
                path.put(node, copy(nodeKeys[node]));
            }
        }
        TreeKemPrivate privateTree = TreeKemPrivate.of(leaf, copy(leafKeys[leaf]), path);
        privateTree.verifyAgainst(suite, tree);
        PublicState pub = PublicState.of(config, suite, context, tree.copy(), interimTranscriptHash,
                confirmationTag, LeafValidation.CredentialSummary.of(tree));
        return new Group(config, signatureKeys[leaf], EpochState.started(config, pub, leaf, privateTree,
                epochSecrets()));
    }
}
