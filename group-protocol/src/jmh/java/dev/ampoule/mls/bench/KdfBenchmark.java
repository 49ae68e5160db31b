package dev.ampoule.mls.bench;

import dev.ampoule.mls.crypto.CipherSuite;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hash-based primitives of suite 1 (SHA-256, HMAC-SHA-256), which the key schedule, the secret
 * tree and the tree hashes call many times per commit (RFC 9420 §5.2, §8, §9).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KdfBenchmark {

    private CipherSuite cs;
    private byte[] secret;
    private byte[] context;
    private byte[] message;

    @Setup
    public void setUp() {
        cs = Inputs.suite(1);
        secret = Inputs.bytes(cs.hashLength(), 11);
        context = Inputs.bytes(32, 12);
        message = Inputs.bytes(Inputs.KIB, 13);
    }

    /** ExpandWithLabel to an AEAD key (16 bytes) with a 32-byte context. */
    @Benchmark
    public byte[] expandWithLabel() {
        return cs.expandWithLabel(secret, "key", context, 16);
    }

    /** DeriveSecret, as each step of the key schedule and of a path (§7.4, §8). */
    @Benchmark
    public byte[] deriveSecret() {
        return cs.deriveSecret(secret, "path");
    }

    /** Hash of 1 KiB. */
    @Benchmark
    public byte[] hash1KiB() {
        return cs.hash(message);
    }
}
