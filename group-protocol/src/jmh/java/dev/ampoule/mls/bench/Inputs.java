package dev.ampoule.mls.bench;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import java.util.SplittableRandom;

/** Cipher suites and deterministic inputs for the benchmarks. */
final class Inputs {

    /** A GroupContext-sized context for EncryptWithLabel (RFC 9420 §7.6): about 120 bytes. */
    static final int GROUP_CONTEXT_LENGTH = 120;

    /** The size of application messages in the DESIGN.md targets. */
    static final int KIB = 1024;

    private Inputs() {}

    /** The suite with this wire value (1 = X25519/AES-128-GCM/SHA-256/Ed25519). */
    static CipherSuite suite(int wire) {
        return BcCipherSuites.require(wire);
    }

    /** {@code n} pseudo-random bytes, the same for the same {@code seed} in every run. */
    static byte[] bytes(int n, long seed) {
        byte[] out = new byte[n];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            out[i] = (byte) random.nextInt(256);
        }
        return out;
    }

    /**
     * Writes {@code counter} into the last eight bytes of {@code nonce}, so that every AEAD encryption
     * in a benchmark uses a fresh nonce (both the JDK and Bouncy Castle refuse key and nonce reuse).
     */
    static void setCounter(byte[] nonce, long counter) {
        for (int i = 0; i < 8; i++) {
            nonce[nonce.length - 1 - i] = (byte) (counter >>> (8 * i));
        }
    }
}
