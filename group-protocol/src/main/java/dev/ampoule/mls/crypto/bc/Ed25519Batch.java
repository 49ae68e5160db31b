package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.error.InternalException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.bouncycastle.crypto.engines.ChaCha7539Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * Many Ed25519 signatures verified at once, with the verdicts of verifying them one by one.
 *
 * <p>A joiner checks every leaf signature of the tree it is given (RFC 9420 §7.9.2, §12.4.3.1):
 * 10,000 Ed25519 verifications for a 10,000-member group, where each costs two point
 * decompressions and a double-scalar multiplication. Checked together, with a random 128-bit
 * multiplier zᵢ per signature, the equations {@code [8](sᵢ·B − Rᵢ − kᵢ·Aᵢ) = 0} become one
 * {@code [8](Σzᵢsᵢ·B − Σzᵢ·Rᵢ − Σzᵢkᵢ·Aᵢ) = 0}: one multi-scalar multiplication over all the
 * points, 2–3× cheaper than the separate ones from 1,000 signatures on (BENCHMARKS.md, "Group
 * operations on realistic trees"). Neither Bouncy Castle nor the JDK offers this; the point
 * arithmetic is in {@link Edwards25519}.
 *
 * <p>The verdicts are Bouncy Castle's ({@code Ed25519.verify}): the same checks of the encodings
 * (R's and A's y below p, S below L, A not of small order, both decode; a signature failing them is
 * handed to Bouncy Castle's verification, whose verdict stands) and the same cofactored equation,
 * whose factor 8 also makes the mod-L reduction of the combined scalars harmless. A batch of valid
 * signatures always holds; a batch holding an invalid one holds with probability at
 * most 2⁻¹²⁷ (one of 2¹²⁷ values of its zᵢ would have to cancel it). A batch that does not hold has
 * its signatures verified one by one, so a member who plants a bad signature costs the verifier one
 * extra pass over its share, never a wrong verdict. The multipliers come from a ChaCha20 key stream
 * keyed from {@link SecureRandom} on every call, unknown to the signers.
 */
final class Ed25519Batch {

    private Ed25519Batch() {}

    /** Below this many signatures a batch does not pay for itself. */
    static final int MIN_BATCH = 16;

    /** The batch of one core holds at least this many signatures. */
    private static final int MIN_CHUNK = 64;

    static final BigInteger L = BigInteger.ONE.shiftLeft(252)
            .add(new BigInteger("27742317777372353535851937790883648493"));
    /** The y of two of edwards25519's four points of order 8; the other two have p − y. */
    static final BigInteger ORDER8_Y =
            new BigInteger("7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7", 16);
    private static final SecureRandom SEEDS = new SecureRandom();
    private static final ThreadLocal<MessageDigest> SHA512 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new InternalException("JDK lacks SHA-512", e);
        }
    });

    /** A signature whose encodings passed the checks, with its decoded points and scalars. */
    private record Parsed(Edwards25519.Affine r, Edwards25519.Affine a, BigInteger s, BigInteger k) {}

    /**
     * The lowest index of {@code checks} whose signature does not verify, or −1 when every one does.
     *
     * @param single the verification of one signature, whose verdicts the batch reproduces
     */
    static int firstInvalid(List<SignatureCheck> checks, Predicate<SignatureCheck> single) {
        int n = checks.size();
        if (n < MIN_BATCH) {
            for (int i = 0; i < n; i++) {
                if (!single.test(checks.get(i))) {
                    return i;
                }
            }
            return -1;
        }
        Parsed[] parsed = new Parsed[n];
        AtomicIntegerArray invalid = new AtomicIntegerArray(n);
        // A signature whose encodings fail the checks is refused by Bouncy Castle's verification
        // itself, so that the verdict is its verdict whatever the checks here miss.
        Parallel.forEach(n, MIN_CHUNK, i -> {
            parsed[i] = parse(checks.get(i));
            if (parsed[i] == null && !single.test(checks.get(i))) {
                invalid.set(i, 1);
            }
        });
        int[] valid = IntStream.range(0, n).filter(i -> parsed[i] != null).toArray();
        int chunks = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), valid.length / MIN_CHUNK));
        Parallel.forEach(chunks, 2, c -> {
            int from = (int) ((long) valid.length * c / chunks);
            int to = (int) ((long) valid.length * (c + 1) / chunks);
            int[] indices = Arrays.copyOfRange(valid, from, to);
            if (indices.length > 0 && !holds(parsed, indices)) {
                Parallel.forEach(indices.length, MIN_CHUNK, j -> {
                    if (!single.test(checks.get(indices[j]))) {
                        invalid.set(indices[j], 1);
                    }
                });
            }
        });
        for (int i = 0; i < n; i++) {
            if (invalid.get(i) == 1) {
                return i;
            }
        }
        return -1;
    }

    /** Whether every check passes its encoding checks and the combined equation holds (no fallback). */
    static boolean holdTogether(List<SignatureCheck> checks) {
        Parsed[] parsed = checks.stream().map(Ed25519Batch::parse).toArray(Parsed[]::new);
        return Arrays.stream(parsed).allMatch(p -> p != null)
                && holds(parsed, IntStream.range(0, parsed.length).toArray());
    }

    /** The checks of {@code Ed25519.verify} before its equation; null where one fails. */
    private static Parsed parse(SignatureCheck check) {
        byte[] pk = check.key().bytes();
        byte[] sig = check.signature();
        if (pk.length != 32 || sig.length != 64) {
            return null;
        }
        byte[] rBytes = Arrays.copyOfRange(sig, 0, 32);
        if (y(rBytes).compareTo(Edwards25519.P) >= 0) {
            return null;
        }
        BigInteger s = Edwards25519.fromLittleEndian(sig, 32, 32);
        if (s.compareTo(L) >= 0) {
            return null;
        }
        BigInteger ay = y(pk);
        if (ay.compareTo(BigInteger.ONE) <= 0 || ay.compareTo(Edwards25519.P.subtract(BigInteger.ONE)) >= 0
                || ay.equals(ORDER8_Y) || ay.equals(Edwards25519.P.subtract(ORDER8_Y))) {
            return null;                       // non-canonical, or a point of small order
        }
        Edwards25519.Affine r = Edwards25519.decode(rBytes);
        Edwards25519.Affine a = Edwards25519.decode(pk);
        if (r == null || a == null) {
            return null;
        }
        MessageDigest sha = SHA512.get();
        sha.reset();
        sha.update(rBytes);
        sha.update(pk);
        sha.update(check.message());
        BigInteger k = Edwards25519.fromLittleEndian(sha.digest(), 0, 64).mod(L);
        return new Parsed(r, a, s, k);
    }

    /** Whether the combined, cofactored equation holds for the signatures at {@code indices}. */
    private static boolean holds(Parsed[] parsed, int[] indices) {
        int m = indices.length;
        byte[] multipliers = keyStream(16 * m);
        Edwards25519.Affine[] points = new Edwards25519.Affine[2 * m + 1];
        long[][] scalars = new long[2 * m + 1][];
        BigInteger zs = BigInteger.ZERO;
        for (int j = 0; j < m; j++) {
            Parsed p = parsed[indices[j]];
            byte[] zBytes = Arrays.copyOfRange(multipliers, 16 * j, 16 * j + 16);
            zBytes[15] |= (byte) 0x80;                    // zᵢ in [2¹²⁷, 2¹²⁸): never zero
            BigInteger z = Edwards25519.fromLittleEndian(zBytes, 0, 16);
            points[1 + j] = p.r();
            scalars[1 + j] = Edwards25519.limbs(z);
            points[1 + m + j] = p.a();
            scalars[1 + m + j] = Edwards25519.limbs(z.multiply(p.k()).mod(L));
            zs = zs.add(z.multiply(p.s()));
        }
        points[0] = Edwards25519.BASE;
        scalars[0] = Edwards25519.limbs(L.subtract(zs.mod(L)).mod(L));
        Edwards25519.Extended sum = Edwards25519.multiScalarMultiply(points, scalars);
        int[][] tmp = Edwards25519.temporaries();
        for (int i = 0; i < 3; i++) {
            Edwards25519.dbl(sum, tmp);
        }
        return sum.isNeutral();
    }

    private static byte[] keyStream(int length) {
        byte[] key = new byte[32];
        byte[] nonce = new byte[12];
        SEEDS.nextBytes(key);
        SEEDS.nextBytes(nonce);
        ChaCha7539Engine chacha = new ChaCha7539Engine();
        chacha.init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        Arrays.fill(key, (byte) 0);
        byte[] out = new byte[length];
        chacha.processBytes(new byte[length], 0, length, out, 0);
        return out;
    }

    /** The y coordinate of an encoded point: its little-endian value without the top bit. */
    private static BigInteger y(byte[] encoding) {
        return Edwards25519.fromLittleEndian(encoding, 0, 32).clearBit(255);
    }
}
