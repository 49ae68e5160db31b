package dev.ampoule.mls.bench;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.GroupFixture;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.ParentHashChain;
import dev.ampoule.mls.tree.ParentNode;
import dev.ampoule.mls.tree.PathNode;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tree hash (RFC 9420 §7.8) of a full 1,000-member tree (1,024 leaf slots, 2,047 nodes, every
 * parent node above a member non-blank; see {@link GroupFixture}) in suite 1 (SHA-256): recomputed
 * from scratch on a freshly decoded tree, and recomputed incrementally after a path update from
 * leaf 0 with every other node's hash cached — what both the committer and every receiver of a
 * Commit do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
public class TreeHashBenchmark {

    @Param({"1000"})
    public int members;

    private CipherSuite suite;
    private byte[] encoded;
    private RatchetTree cached;
    private List<PathNode> path;
    private List<ParentNode> parents;
    private LeafNode leaf;

    @Setup(Level.Trial)
    public void setUp() {
        suite = Inputs.suite(1);
        GroupConfig config = GroupConfig.builder()
                .authenticationService(BasicCredentialValidator.acceptingAnyIdentity()).build();
        GroupFixture fixture = GroupFixture.full(config, suite, members);
        cached = fixture.tree();
        cached.treeHash();
        encoded = cached.toBytes();
        path = cached.filteredDirectPath(0);
        List<HpkePublicKey> keys = new ArrayList<>(path.size());
        for (int i = 0; i < path.size(); i++) {
            keys.add(suite.generateHpkeKeyPair().publicKey());
        }
        ParentHashChain chain = cached.parentHashChain(path, keys);
        parents = new ArrayList<>(path.size());
        for (int i = 0; i < path.size(); i++) {
            parents.add(new ParentNode(keys.get(i), chain.nodeParentHashes().get(i), List.of()));
        }
        LeafNode current = cached.leaf(0).orElseThrow();
        leaf = LeafNode.create(suite, fixture.signatureKeys(0).privateKey(), suite.generateHpkeKeyPair().publicKey(),
                current.signatureKey(), current.credential(), current.capabilities(),
                new LeafNodeSource.Commit(chain.leafParentHash()), current.extensions(), new byte[16], 0);
    }

    /**
     * A tree decoded from its ratchet_tree encoding, no hash computed yet. Decoded before every
     * invocation because {@link #fullTreeHash} fills the tree's hash cache; the invocation takes
     * milliseconds, far above the cost of an invocation-level fixture.
     */
    @State(Scope.Thread)
    public static class Decoded {
        RatchetTree tree;

        @Setup(Level.Invocation)
        public void decode(TreeHashBenchmark b) {
            tree = RatchetTree.decode(b.suite, b.encoded);
        }
    }

    /** Decoding alone, for reference. */
    @Benchmark
    public RatchetTree decode() {
        return RatchetTree.decode(suite, encoded);
    }

    /** Every node's tree hash, from the leaves up: 2,047 hashes of encoded nodes. */
    @Benchmark
    public byte[] fullTreeHash(Decoded d) {
        return d.tree.treeHash();
    }

    /**
     * The new root hash after a path update from leaf 0: the leaf and the ⌈log₂ N⌉ = 10 parent
     * nodes of its direct path re-hashed, the copath hashes taken from the cache.
     */
    @Benchmark
    public byte[] incrementalTreeHash() {
        return cached.preparePath(0, leaf, path, parents).treeHash();
    }
}
