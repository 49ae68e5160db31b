package dev.ampoule.mls.bench;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
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
 * The signature implementations side by side, on the bytes SignWithLabel signs (RFC 9420 §5.1.2):
 *
 * <ul>
 *   <li>Ed25519 (Bouncy Castle): a signature needs the public key A, and {@link
 *       Ed25519PrivateKeyParameters} derives it (a base-point multiplication) the first time it is
 *       asked, then keeps it. Building the parameters from the seed for every signature therefore
 *       pays that multiplication on every signature; reusing them, or passing a public key derived
 *       once to the RFC 8032 functions (what the library does), does not. Verification likewise
 *       decodes (decompresses) the public key each time unless the decoded key is reused.
 *   <li>ECDSA P-256 with SHA-256: Bouncy Castle (deterministic nonces, RFC 6979) against the JDK's
 *       SunEC provider, with the JDK key objects built from the raw key bytes on every call (as a
 *       stateless implementation would) and built once.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SignatureImplBenchmark {

    private byte[] message;

    private byte[] edSeed;
    private Ed25519PrivateKeyParameters edParams;
    private byte[] edPublic;
    private Ed25519PublicKeyParameters edPublicParams;
    private byte[] edSignature;

    private CipherSuite p256;
    private SignaturePrivateKey ecPrivate;
    private SignaturePublicKey ecPublic;
    private byte[] ecSignature;
    private ECParameterSpec jdkCurve;
    private KeyFactory jdkKeys;
    private Signature jdkSigner;
    private Signature jdkVerifier;
    private PrivateKey jdkPrivate;
    private PublicKey jdkPublic;

    @Setup
    public void setUp() throws GeneralSecurityException {
        message = Inputs.bytes(150, 14);

        edSeed = Inputs.bytes(Ed25519PrivateKeyParameters.KEY_SIZE, 15);
        edParams = new Ed25519PrivateKeyParameters(edSeed, 0);
        edPublicParams = edParams.generatePublicKey();
        edPublic = edPublicParams.getEncoded();
        edSignature = edSign(edParams);

        p256 = Inputs.suite(2);
        SignatureKeyPair pair = p256.generateSignatureKeyPair();
        ecPrivate = pair.privateKey();
        ecPublic = pair.publicKey();
        ecSignature = p256.sign(ecPrivate, message);
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        jdkCurve = params.getParameterSpec(ECParameterSpec.class);
        jdkKeys = KeyFactory.getInstance("EC");
        jdkSigner = Signature.getInstance("SHA256withECDSA");
        jdkVerifier = Signature.getInstance("SHA256withECDSA");
        jdkPrivate = jdkPrivateKey(ecPrivate.reveal());
        jdkPublic = jdkPublicKey(ecPublic.bytes());
        jdkVerifier.initVerify(jdkPublic);
        jdkVerifier.update(message);
        if (!jdkVerifier.verify(ecSignature)) {
            throw new IllegalStateException("the JDK does not accept Bouncy Castle's ECDSA signature");
        }
    }

    private PrivateKey jdkPrivateKey(byte[] scalar) throws GeneralSecurityException {
        return jdkKeys.generatePrivate(new ECPrivateKeySpec(new BigInteger(1, scalar), jdkCurve));
    }

    private PublicKey jdkPublicKey(byte[] uncompressed) throws GeneralSecurityException {
        int n = (uncompressed.length - 1) / 2;
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(uncompressed, 1, 1 + n));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(uncompressed, 1 + n, 1 + 2 * n));
        return jdkKeys.generatePublic(new ECPublicKeySpec(new ECPoint(x, y), jdkCurve));
    }

    // ---- Ed25519 --------------------------------------------------------------------------------

    /** Parameters built from the seed for each signature: derives the public key every time. */
    @Benchmark
    public byte[] ed25519SignFreshParams() {
        return edSign(new Ed25519PrivateKeyParameters(edSeed, 0));
    }

    /** Parameters (and so the public key) built once and reused. */
    @Benchmark
    public byte[] ed25519SignCachedParams() {
        return edSign(edParams);
    }

    /** The RFC 8032 function given the seed and a public key derived once (the library's way). */
    @Benchmark
    public byte[] ed25519SignKnownPublicKey() {
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(edSeed, 0, edPublic, 0, message, 0, message.length, signature, 0);
        return signature;
    }

    /** The derivation alone: seed to public key. */
    @Benchmark
    public byte[] ed25519DerivePublicKey() {
        return new Ed25519PrivateKeyParameters(edSeed, 0).generatePublicKey().getEncoded();
    }

    /** Verification decoding the public key each time (the library's way). */
    @Benchmark
    public boolean ed25519VerifyFreshKey() {
        return edVerify(new Ed25519PublicKeyParameters(edPublic, 0));
    }

    /** Verification with a public key decoded once. */
    @Benchmark
    public boolean ed25519VerifyDecodedKeyReused() {
        return edVerify(edPublicParams);
    }

    private boolean edVerify(Ed25519PublicKeyParameters key) {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, key);
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(edSignature);
    }

    private byte[] edSign(Ed25519PrivateKeyParameters key) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, key);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    // ---- ECDSA P-256 ----------------------------------------------------------------------------

    /** Bouncy Castle, as suite 2 signs. */
    @Benchmark
    public byte[] p256SignBc() {
        return p256.sign(ecPrivate, message);
    }

    /** The JDK (SunEC), key object built from the raw scalar for each signature. */
    @Benchmark
    public byte[] p256SignJdk() throws GeneralSecurityException {
        jdkSigner.initSign(jdkPrivateKey(ecPrivate.reveal()));
        jdkSigner.update(message);
        return jdkSigner.sign();
    }

    /** The JDK (SunEC) with a key object built once. */
    @Benchmark
    public byte[] p256SignJdkKeyReused() throws GeneralSecurityException {
        jdkSigner.initSign(jdkPrivate);
        jdkSigner.update(message);
        return jdkSigner.sign();
    }

    /** Bouncy Castle, as suite 2 verifies. */
    @Benchmark
    public boolean p256VerifyBc() {
        return p256.verify(ecPublic, message, ecSignature);
    }

    /** The JDK (SunEC), key object built from the uncompressed point for each verification. */
    @Benchmark
    public boolean p256VerifyJdk() throws GeneralSecurityException {
        jdkVerifier.initVerify(jdkPublicKey(ecPublic.bytes()));
        jdkVerifier.update(message);
        return jdkVerifier.verify(ecSignature);
    }

    /** The JDK (SunEC) with a key object built once. */
    @Benchmark
    public boolean p256VerifyJdkKeyReused() throws GeneralSecurityException {
        jdkVerifier.initVerify(jdkPublic);
        jdkVerifier.update(message);
        return jdkVerifier.verify(ecSignature);
    }
}
