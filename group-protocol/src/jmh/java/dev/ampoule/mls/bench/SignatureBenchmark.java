package dev.ampoule.mls.bench;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
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
 * SignWithLabel and VerifyWithLabel (RFC 9420 §5.1.2) of a LeafNodeTBS-sized content, as a commit
 * signs its FramedContent and the LeafNode of its UpdatePath, and a receiver verifies both. The
 * private key is a {@link SignaturePrivateKey} built from the key bytes, as after loading it from
 * storage, not the object {@link CipherSuite#generateSignatureKeyPair()} returned.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SignatureBenchmark {

    private static final String LABEL = "LeafNodeTBS";

    /** 1 (and 3): Ed25519; 2: ECDSA P-256 with SHA-256. */
    @Param({"1", "2"})
    public int suite;

    private CipherSuite cs;
    private byte[] privateKeyBytes;
    private SignaturePrivateKey privateKey;
    private SignaturePublicKey publicKey;
    private byte[] content;
    private byte[] signature;

    @Setup
    public void setUp() {
        cs = Inputs.suite(suite);
        SignatureKeyPair generated = cs.generateSignatureKeyPair();
        privateKeyBytes = generated.privateKey().copy();
        privateKey = new SignaturePrivateKey(privateKeyBytes.clone());
        publicKey = generated.publicKey();
        content = Inputs.bytes(128, 5);
        signature = cs.signWithLabel(privateKey, LABEL, content);
    }

    /** Signing with the same key object again and again, as a member does. */
    @Benchmark
    public byte[] sign() {
        return cs.signWithLabel(privateKey, LABEL, content);
    }

    /** Signing with a key object made from the key bytes just before, for every signature. */
    @Benchmark
    public byte[] signWithNewKeyObject() {
        return cs.signWithLabel(new SignaturePrivateKey(privateKeyBytes.clone()), LABEL, content);
    }

    @Benchmark
    public boolean verify() {
        return cs.verifyWithLabel(publicKey, LABEL, content, signature);
    }
}
