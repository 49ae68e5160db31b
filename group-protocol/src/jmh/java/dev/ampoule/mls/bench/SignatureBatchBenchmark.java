package dev.ampoule.mls.bench;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 * Verifying the leaf signatures of a tree, as a joiner does (RFC 9420 §7.9.2): {@code count}
 * LeafNodeTBS-sized signatures by distinct keys, checked with {@link CipherSuite#firstInvalidSignature}
 * (for Ed25519, together: {@code crypto/bc/Ed25519Batch}) against one by one with
 * {@link CipherSuite#verify} on all cores, as the library did before. Both use every core.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SignatureBatchBenchmark {

    /** 1: Ed25519 (checked together); 2: ECDSA P-256 (one by one either way). */
    @Param({"1"})
    public int suite;

    @Param({"100", "1000", "10000"})
    public int count;

    private CipherSuite cs;
    private List<SignatureCheck> checks;

    @Setup
    public void setUp() {
        cs = Inputs.suite(suite);
        checks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SignatureKeyPair pair = cs.generateSignatureKeyPair();
            byte[] content = Inputs.bytes(128, i);
            byte[] signature = cs.signWithLabel(pair.privateKey(), "LeafNodeTBS", content);
            checks.add(cs.checkWithLabel(pair.publicKey(), "LeafNodeTBS", content, signature));
        }
        if (cs.firstInvalidSignature(checks) != -1 || oneByOne() != -1) {
            throw new IllegalStateException("a signature of the fixture does not verify");
        }
    }

    @Benchmark
    public int together() {
        return cs.firstInvalidSignature(checks);
    }

    @Benchmark
    public int oneByOne() {
        return IntStream.range(0, checks.size()).parallel()
                .filter(i -> !cs.verify(checks.get(i).key(), checks.get(i).message(), checks.get(i).signature()))
                .min().orElse(-1);
    }
}
