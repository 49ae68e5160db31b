package dev.ampoule.mls.bench;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
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
 * The JDK's SHA-2 and HMAC against Bouncy Castle's, for the hash of each cipher suite: SHA-256
 * (suites 1–3, {@code suite=1}), SHA-384 (suite 7) and SHA-512 (suites 4–6, {@code suite=5}). Every
 * hash of the library — Hash, RefHash, tree and transcript hashes, HKDF and the labelled KDF
 * (RFC 9420 §5.2, §7.8, §8), HPKE's LabeledExtract/Expand (RFC 9180 §4) — goes through the JDK's
 * ({@code crypto/bc/JdkHashes}); this is the measurement behind that choice. Sizes: 64 bytes (a
 * label or a parent node's hash input), 1 KiB (a leaf node's), 1 MiB (the encrypted GroupInfo that
 * a Welcome's HPKE key schedule hashes: 2.7 MB at 10,000 members).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HashImplBenchmark {

    @Param({"1", "7", "5"})
    public int suite;

    @Param({"64", "1024", "1048576"})
    public int size;

    private MessageDigest jdkDigest;
    private Mac jdkMac;
    private Digest bcDigest;
    private HMac bcMac;
    private byte[] input;

    @Setup
    public void setUp() throws GeneralSecurityException {
        String name = switch (suite) {
            case 1, 2, 3 -> "SHA-256";
            case 7 -> "SHA-384";
            default -> "SHA-512";
        };
        jdkDigest = MessageDigest.getInstance(name);
        String macName = "Hmac" + name.replace("-", "");
        jdkMac = Mac.getInstance(macName);
        byte[] key = Inputs.bytes(jdkDigest.getDigestLength(), 21);
        jdkMac.init(new SecretKeySpec(key, macName));
        bcDigest = bcDigest(name);
        bcMac = new HMac(bcDigest(name));
        bcMac.init(new KeyParameter(key));
        input = Inputs.bytes(size, 22);
    }

    private static Digest bcDigest(String name) {
        return switch (name) {
            case "SHA-256" -> new SHA256Digest();
            case "SHA-384" -> new SHA384Digest();
            default -> new SHA512Digest();
        };
    }

    /** {@code MessageDigest.digest} of the input, what the library uses. */
    @Benchmark
    public byte[] jdkHash() {
        return jdkDigest.digest(input);
    }

    /** Bouncy Castle's digest of the same input. */
    @Benchmark
    public byte[] bcHash() {
        bcDigest.update(input, 0, input.length);
        byte[] out = new byte[bcDigest.getDigestSize()];
        bcDigest.doFinal(out, 0);
        return out;
    }

    /** HMAC with a Nh-byte key already set, as HKDF-Extract and each HKDF-Expand block. */
    @Benchmark
    public byte[] jdkHmac() {
        return jdkMac.doFinal(input);
    }

    /** Bouncy Castle's HMAC of the same input and key. */
    @Benchmark
    public byte[] bcHmac() {
        bcMac.update(input, 0, input.length);
        byte[] out = new byte[bcMac.getMacSize()];
        bcMac.doFinal(out, 0);
        return out;
    }
}
