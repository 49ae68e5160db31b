package dev.ampoule.mls.bench;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HPKE work of TreeKEM (RFC 9420 §7.4–§7.6): a committer encrypts one 32-byte path secret per
 * copath resolution member with EncryptWithLabel, a receiver decrypts one with DecryptWithLabel, and
 * both derive a node key pair with DeriveKeyPair for each node of the path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HpkeBenchmark {

    private static final String LABEL = "UpdatePathNode";

    /** 1: DHKEM(X25519), AES-128-GCM; 2: DHKEM(P-256), AES-128-GCM; 3: DHKEM(X25519), ChaCha20Poly1305. */
    @Param({"1", "2", "3"})
    public int suite;

    private CipherSuite cs;
    private HpkeKeyPair recipient;
    private byte[] groupContext;
    private byte[] pathSecret;
    private HpkeCiphertext ciphertext;
    private byte[] nodeSecret;

    @Setup
    public void setUp() {
        cs = Inputs.suite(suite);
        recipient = cs.deriveHpkeKeyPair(Inputs.bytes(32, 1));
        groupContext = Inputs.bytes(Inputs.GROUP_CONTEXT_LENGTH, 2);
        pathSecret = Inputs.bytes(cs.hashLength(), 3);
        ciphertext = cs.encryptWithLabel(recipient.publicKey(), LABEL, groupContext, pathSecret);
        nodeSecret = Inputs.bytes(cs.hashLength(), 4);
    }

    /** EncryptWithLabel of a path secret to one resolution member. */
    @Benchmark
    public HpkeCiphertext seal() {
        return cs.encryptWithLabel(recipient.publicKey(), LABEL, groupContext, pathSecret);
    }

    /** DecryptWithLabel of the path secret sent to us. */
    @Benchmark
    public byte[] open() {
        return cs.decryptWithLabel(recipient, LABEL, groupContext, ciphertext);
    }

    /** DeriveKeyPair(node_secret) for one node of the direct path. */
    @Benchmark
    public HpkeKeyPair deriveKeyPair() {
        return cs.deriveHpkeKeyPair(nodeSecret);
    }
}
