package dev.ampoule.mls.bench;

import dev.ampoule.mls.crypto.CipherSuite;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
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
 * AEAD seal followed by open of a 1 KiB application message (RFC 9420 §6.3.1): the JDK's AES-128-GCM
 * and ChaCha20-Poly1305 through {@link CipherSuite#aeadSeal}/{@link CipherSuite#aeadOpen} (what the
 * library uses), against Bouncy Castle's {@link GCMBlockCipher} over {@link AESEngine} on the same
 * key, nonce, additional data and plaintext; and encryption alone for both. Every encryption uses a
 * fresh nonce.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AeadBenchmark {

    private CipherSuite aesGcm;
    private CipherSuite chaCha;
    private GCMModeCipher bcGcm;
    private byte[] key16;
    private byte[] key32;
    private byte[] nonce;
    private byte[] aad;
    private byte[] plaintext;
    private long counter;

    @Setup
    public void setUp() {
        aesGcm = Inputs.suite(1);
        chaCha = Inputs.suite(3);
        bcGcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        key16 = Inputs.bytes(16, 6);
        key32 = Inputs.bytes(32, 7);
        nonce = Inputs.bytes(12, 8);
        aad = Inputs.bytes(40, 9);
        plaintext = Inputs.bytes(Inputs.KIB, 10);
    }

    /** Suite 1's AEAD: the JDK's AES-128-GCM (uses the CPU's AES-NI and carry-less multiply). */
    @Benchmark
    public byte[] jdkAes128Gcm() {
        Inputs.setCounter(nonce, ++counter);
        byte[] ct = aesGcm.aeadSeal(key16, nonce, aad, plaintext);
        return aesGcm.aeadOpen(key16, nonce, aad, ct);
    }

    /** The same with Bouncy Castle's pure-Java GCMBlockCipher(AESEngine). */
    @Benchmark
    public byte[] bcAes128Gcm() throws InvalidCipherTextException {
        Inputs.setCounter(nonce, ++counter);
        byte[] ct = bcCrypt(true, plaintext);
        return bcCrypt(false, ct);
    }

    /** Encryption alone (a sender's cost), JDK. */
    @Benchmark
    public byte[] jdkAes128GcmSealOnly() {
        Inputs.setCounter(nonce, ++counter);
        return aesGcm.aeadSeal(key16, nonce, aad, plaintext);
    }

    /** Encryption alone (a sender's cost), Bouncy Castle. */
    @Benchmark
    public byte[] bcAes128GcmSealOnly() throws InvalidCipherTextException {
        Inputs.setCounter(nonce, ++counter);
        return bcCrypt(true, plaintext);
    }

    /** Suite 3's AEAD: the JDK's ChaCha20-Poly1305. */
    @Benchmark
    public byte[] jdkChaCha20Poly1305() {
        Inputs.setCounter(nonce, ++counter);
        byte[] ct = chaCha.aeadSeal(key32, nonce, aad, plaintext);
        return chaCha.aeadOpen(key32, nonce, aad, ct);
    }

    private byte[] bcCrypt(boolean encrypt, byte[] input) throws InvalidCipherTextException {
        bcGcm.init(encrypt, new AEADParameters(new KeyParameter(key16), 128, nonce, aad));
        byte[] out = new byte[bcGcm.getOutputSize(input.length)];
        int n = bcGcm.processBytes(input, 0, input.length, out, 0);
        bcGcm.doFinal(out, n);
        return out;
    }
}
