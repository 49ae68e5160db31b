package dev.ampoule.mls.bench;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.KeyAgreement;
import org.bouncycastle.math.ec.rfc7748.X25519;
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
 * The X25519 implementations side by side (RFC 7748): the two scalar multiplications of every HPKE
 * seal (the ephemeral public key, from the base point, and the shared secret, from the recipient's
 * key) and of every node key a receiver derives. Bouncy Castle (what the library uses: the base
 * point through its Ed25519 tables, any other point through a Montgomery ladder) against the JDK's
 * SunEC {@code XDH}, whose key agreement with the base point u = 9 is its public-key derivation (it
 * has no separate one), with the JDK key objects built once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DhImplBenchmark {

    private static final BigInteger BASE_POINT_U = BigInteger.valueOf(9);

    private byte[] privateKey;
    private byte[] peerPublicKey;
    private KeyAgreement jdkAgreement;
    private PrivateKey jdkPrivate;
    private PublicKey jdkPeer;
    private PublicKey jdkBasePoint;

    @Setup
    public void setUp() throws GeneralSecurityException {
        privateKey = Inputs.bytes(X25519.SCALAR_SIZE, 21);
        X25519.clampPrivateKey(privateKey);
        byte[] peerPrivate = Inputs.bytes(X25519.SCALAR_SIZE, 22);
        peerPublicKey = new byte[X25519.POINT_SIZE];
        X25519.generatePublicKey(peerPrivate, 0, peerPublicKey, 0);

        KeyFactory keys = KeyFactory.getInstance("XDH");
        jdkAgreement = KeyAgreement.getInstance("XDH");
        jdkPrivate = keys.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey.clone()));
        jdkPeer = keys.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, littleEndian(peerPublicKey)));
        jdkBasePoint = keys.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BASE_POINT_U));
        if (!Arrays.equals(bcAgreement(), jdkAgreement()) || !Arrays.equals(bcPublicKey(), jdkPublicKey())) {
            throw new IllegalStateException("Bouncy Castle and the JDK disagree on X25519");
        }
    }

    private static BigInteger littleEndian(byte[] u) {
        byte[] bigEndian = new byte[u.length];
        for (int i = 0; i < u.length; i++) {
            bigEndian[i] = u[u.length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }

    /** The shared secret with the peer's key: Bouncy Castle's Montgomery ladder. */
    @Benchmark
    public byte[] bcAgreement() {
        byte[] z = new byte[X25519.POINT_SIZE];
        X25519.calculateAgreement(privateKey, 0, peerPublicKey, 0, z, 0);
        return z;
    }

    /** The public key: Bouncy Castle's base-point multiplication (Ed25519's precomputed tables). */
    @Benchmark
    public byte[] bcPublicKey() {
        byte[] pk = new byte[X25519.POINT_SIZE];
        X25519.generatePublicKey(privateKey, 0, pk, 0);
        return pk;
    }

    /** The shared secret with the peer's key: the JDK. */
    @Benchmark
    public byte[] jdkAgreement() throws GeneralSecurityException {
        jdkAgreement.init(jdkPrivate);
        jdkAgreement.doPhase(jdkPeer, true);
        return jdkAgreement.generateSecret();
    }

    /** The public key: the JDK's agreement with the base point. */
    @Benchmark
    public byte[] jdkPublicKey() throws GeneralSecurityException {
        jdkAgreement.init(jdkPrivate);
        jdkAgreement.doPhase(jdkBasePoint, true);
        return jdkAgreement.generateSecret();
    }
}
