package dev.ampoule.mls.crypto.bc;

import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Points of edwards25519 (RFC 8032 §5.1) and the one operation {@link Ed25519Batch} needs that
 * Bouncy Castle does not offer: a multi-scalar multiplication {@code Σ aᵢ·Pᵢ} over thousands of
 * points (Pippenger's bucket method with signed digits). Bouncy Castle keeps its Edwards point
 * arithmetic private; its field arithmetic ({@link X25519Field}) is public and is used here, so only
 * the point formulas are written out (extended coordinates, Hisil–Wong–Carter–Dawson 2008, a = −1).
 *
 * <p>Variable time: it only ever handles public values (signatures, public keys and their hashes,
 * and the verifier's own random multipliers).
 */
final class Edwards25519 {

    private Edwards25519() {}

    /** The field's prime, 2²⁵⁵ − 19. */
    static final BigInteger P = BigInteger.ONE.shiftLeft(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger D = BigInteger.valueOf(-121665)
            .multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
    private static final int[] FIELD_D = field(D);
    private static final int[] FIELD_2D = field(D.shiftLeft(1).mod(P));

    /** RFC 8032 §5.1: B's encoding, 0x58 followed by 31 bytes 0x66 (x is even). */
    private static final byte[] BASE_ENCODING = baseBytes();

    /** The base point B (y = 4/5, x even), encoded as RFC 8032 §5.1 gives it. */
    static final Affine BASE = decode(BASE_ENCODING);

    /** A point given by (y + x, y − x, 2d·x·y), z = 1: what a mixed addition adds. */
    record Affine(int[] yPlusX, int[] yMinusX, int[] xy2d) {}

    /** A point in extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, x·y = T/Z. */
    static final class Extended {
        final int[] x = X25519Field.create();
        final int[] y = X25519Field.create();
        final int[] z = X25519Field.create();
        final int[] t = X25519Field.create();

        Extended() {
            setNeutral();
        }

        void setNeutral() {
            X25519Field.zero(x);
            X25519Field.one(y);
            X25519Field.one(z);
            X25519Field.zero(t);
        }

        /** Whether this is the neutral element (0 : 1): X = 0 and Y = Z. */
        boolean isNeutral() {
            int[] nx = x.clone();
            int[] ny = y.clone();
            int[] nz = z.clone();
            X25519Field.normalize(nx);
            X25519Field.normalize(ny);
            X25519Field.normalize(nz);
            return X25519Field.isZeroVar(nx) && X25519Field.areEqualVar(ny, nz);
        }
    }

    /**
     * The point an encoding gives (RFC 8032 §5.1.3), or null when none: y is read without its top
     * bit, which is the sign of x; the caller checks that y is canonical.
     */
    static Affine decode(byte[] encoding) {
        int[] y = X25519Field.create();
        X25519Field.decode(encoding, 0, y);
        int[] u = X25519Field.create();
        int[] v = X25519Field.create();
        X25519Field.sqr(y, u);
        X25519Field.mul(FIELD_D, u, v);
        X25519Field.subOne(u);
        X25519Field.addOne(v);
        int[] x = X25519Field.create();
        if (!X25519Field.sqrtRatioVar(u, v, x)) {
            return null;
        }
        X25519Field.normalize(x);
        int sign = (encoding[31] & 0x80) >>> 7;
        if (sign == 1 && X25519Field.isZeroVar(x)) {
            return null;
        }
        if (sign != (x[0] & 1)) {
            X25519Field.negate(x, x);
            X25519Field.normalize(x);
        }
        int[] yPlusX = X25519Field.create();
        int[] yMinusX = X25519Field.create();
        X25519Field.apm(y, x, yPlusX, yMinusX);
        X25519Field.carry(yPlusX);
        X25519Field.carry(yMinusX);
        int[] xy2d = X25519Field.create();
        X25519Field.mul(x, y, xy2d);
        X25519Field.mul(xy2d, FIELD_2D, xy2d);
        return new Affine(yPlusX, yMinusX, xy2d);
    }

    /** {@code r ← r + q}, or {@code r − q} when {@code negate} (mixed addition, 7 multiplications). */
    static void add(Extended r, Affine q, boolean negate, int[][] tmp) {
        int[] a = tmp[0], b = tmp[1], c = tmp[2], d = tmp[3];
        int[] e = tmp[4], f = tmp[5], g = tmp[6], h = tmp[7];
        X25519Field.apm(r.y, r.x, b, a);                           // b = Y + X, a = Y − X
        X25519Field.mul(a, negate ? q.yPlusX : q.yMinusX, a);
        X25519Field.mul(b, negate ? q.yMinusX : q.yPlusX, b);
        X25519Field.mul(r.t, q.xy2d, c);
        X25519Field.add(r.z, r.z, d);
        X25519Field.carry(d);
        X25519Field.apm(b, a, h, e);                               // h = B + A, e = B − A
        if (negate) {
            X25519Field.apm(d, c, f, g);                           // f = D + C, g = D − C
        } else {
            X25519Field.apm(d, c, g, f);                           // g = D + C, f = D − C
        }
        X25519Field.mul(e, f, r.x);
        X25519Field.mul(g, h, r.y);
        X25519Field.mul(e, h, r.t);
        X25519Field.mul(f, g, r.z);
    }

    /** {@code r ← r + q} (unified addition in extended coordinates, 9 multiplications). */
    static void add(Extended r, Extended q, int[][] tmp) {
        int[] a = tmp[0], b = tmp[1], c = tmp[2], d = tmp[3];
        int[] e = tmp[4], f = tmp[5], g = tmp[6], h = tmp[7];
        int[] qa = tmp[8], qb = tmp[9];
        X25519Field.apm(r.y, r.x, b, a);
        X25519Field.apm(q.y, q.x, qb, qa);
        X25519Field.mul(a, qa, a);
        X25519Field.mul(b, qb, b);
        X25519Field.mul(r.t, q.t, c);
        X25519Field.mul(c, FIELD_2D, c);
        X25519Field.mul(r.z, q.z, d);
        X25519Field.add(d, d, d);
        X25519Field.carry(d);
        X25519Field.apm(b, a, h, e);
        X25519Field.apm(d, c, g, f);
        X25519Field.mul(e, f, r.x);
        X25519Field.mul(g, h, r.y);
        X25519Field.mul(e, h, r.t);
        X25519Field.mul(f, g, r.z);
    }

    /** {@code r ← 2r} (4 multiplications and 4 squarings; with a = −1 the signs fold into the products). */
    static void dbl(Extended r, int[][] tmp) {
        int[] a = tmp[0], b = tmp[1], c = tmp[2], e = tmp[4], f = tmp[5], g = tmp[6], h = tmp[7];
        X25519Field.add(r.x, r.y, e);
        X25519Field.sqr(r.x, a);
        X25519Field.sqr(r.y, b);
        X25519Field.sqr(r.z, c);
        X25519Field.add(c, c, c);
        X25519Field.apm(a, b, h, g);                               // h = A + B, g = A − B
        X25519Field.sqr(e, e);
        X25519Field.sub(h, e, e);                                  // e = A + B − (X + Y)²
        X25519Field.carry(e);
        X25519Field.add(c, g, f);                                  // f = 2Z² + A − B
        X25519Field.carry(f);
        X25519Field.mul(e, f, r.x);
        X25519Field.mul(g, h, r.y);
        X25519Field.mul(e, h, r.t);
        X25519Field.mul(f, g, r.z);
    }

    static int[][] temporaries() {
        int[][] tmp = new int[10][];
        for (int i = 0; i < tmp.length; i++) {
            tmp[i] = X25519Field.create();
        }
        return tmp;
    }

    /**
     * {@code Σ scalars[i]·points[i]} for scalars below 2²⁵³ given as four little-endian 64-bit
     * limbs: Pippenger's bucket method, each scalar written in signed base-2ᶜ digits so that a
     * window needs 2ᶜ⁻¹ buckets, the window width chosen for the number of points.
     */
    static Extended multiScalarMultiply(Affine[] points, long[][] scalars) {
        int n = points.length;
        int width = windowWidth(n);
        int windows = (253 + width) / width;                       // room for the last carry
        short[][] digits = new short[windows][];
        for (int w = 0; w < windows; w++) {
            digits[w] = new short[n];
        }
        for (int i = 0; i < n; i++) {
            recode(scalars[i], width, windows, digits, i);
        }

        int half = 1 << (width - 1);
        Extended[] buckets = new Extended[half + 1];
        for (int b = 1; b <= half; b++) {
            buckets[b] = new Extended();
        }
        boolean[] used = new boolean[half + 1];
        Extended result = new Extended();
        Extended running = new Extended();
        Extended window = new Extended();
        int[][] tmp = temporaries();
        boolean started = false;
        for (int w = windows - 1; w >= 0; w--) {
            if (started) {
                for (int k = 0; k < width; k++) {
                    dbl(result, tmp);
                }
            }
            short[] ds = digits[w];
            boolean any = false;
            for (int i = 0; i < n; i++) {
                int digit = ds[i];
                if (digit > 0) {
                    add(buckets[digit], points[i], false, tmp);
                    used[digit] = true;
                    any = true;
                } else if (digit < 0) {
                    add(buckets[-digit], points[i], true, tmp);
                    used[-digit] = true;
                    any = true;
                }
            }
            if (!any) {
                continue;
            }
            // window = Σ b·bucket[b], as the sum of the running sums from the top bucket down
            running.setNeutral();
            window.setNeutral();
            boolean runningStarted = false;
            for (int b = half; b >= 1; b--) {
                if (used[b]) {
                    add(running, buckets[b], tmp);
                    buckets[b].setNeutral();
                    used[b] = false;
                    runningStarted = true;
                }
                if (runningStarted) {
                    add(window, running, tmp);
                }
            }
            add(result, window, tmp);
            started = true;
        }
        return result;
    }

    /** The width that minimises the additions: windows × (points + 2 × buckets). */
    static int windowWidth(int n) {
        int best = 4;
        long bestCost = Long.MAX_VALUE;
        for (int c = 4; c <= 15; c++) {
            long windows = (253 + c) / c;
            long cost = windows * (7L * n + 18L * (1 << (c - 1))) + 8L * 253;
            if (cost < bestCost) {
                bestCost = cost;
                best = c;
            }
        }
        return best;
    }

    /** Signed digits in [−2ᶜ⁻¹, 2ᶜ⁻¹] of a scalar below 2²⁵³, least significant window first. */
    private static void recode(long[] scalar, int width, int windows, short[][] digits, int index) {
        int carry = 0;
        int radix = 1 << width;
        int half = radix >>> 1;
        for (int w = 0; w < windows; w++) {
            int digit = bits(scalar, w * width, width) + carry;
            if (digit > half) {
                digit -= radix;
                carry = 1;
            } else {
                carry = 0;
            }
            digits[w][index] = (short) digit;
        }
        if (carry != 0) {
            throw new IllegalArgumentException("scalar out of range");
        }
    }

    private static int bits(long[] limbs, int from, int count) {
        int limb = from >>> 6;
        int shift = from & 63;
        if (limb >= limbs.length) {
            return 0;
        }
        long v = limbs[limb] >>> shift;
        if (shift + count > 64 && limb + 1 < limbs.length) {
            v |= limbs[limb + 1] << (64 - shift);
        }
        return (int) (v & ((1L << count) - 1));
    }

    /** Four little-endian 64-bit limbs of a non-negative value below 2²⁵⁶. */
    static long[] limbs(BigInteger value) {
        long[] out = new long[4];
        for (int i = 0; i < 4; i++) {
            out[i] = value.shiftRight(64 * i).longValue();
        }
        return out;
    }

    private static int[] field(BigInteger value) {
        int[] out = X25519Field.create();
        X25519Field.decode(littleEndian(value), 0, out);
        return out;
    }

    /** The non-negative value of {@code length} little-endian bytes from {@code offset}. */
    static BigInteger fromLittleEndian(byte[] bytes, int offset, int length) {
        byte[] big = new byte[length];
        for (int i = 0; i < length; i++) {
            big[i] = bytes[offset + length - 1 - i];
        }
        return new BigInteger(1, big);
    }

    /** The 32 little-endian bytes of a non-negative value below 2²⁵⁶. */
    static byte[] littleEndian(BigInteger value) {
        byte[] big = value.toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < Math.min(32, big.length); i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }

    private static byte[] baseBytes() {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) 0x66);
        b[0] = 0x58;
        return b;
    }
}
