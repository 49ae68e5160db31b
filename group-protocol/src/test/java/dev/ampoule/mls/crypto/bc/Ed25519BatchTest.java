package dev.ampoule.mls.crypto.bc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.rfc7748.X25519Field;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/**
 * Ed25519 signatures verified together give Bouncy Castle's verdicts one by one: valid batches of
 * every size pass, an invalid signature is found wherever it sits, and the encodings Bouncy Castle
 * refuses or accepts (non-canonical values, points of small or mixed order) get the same verdict.
 */
class Ed25519BatchTest {

    private static final CipherSuite SUITE = BcCipherSuites.of(CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519);
    private static final BigInteger P = Edwards25519.P;
    private static final BigInteger ORDER8_Y = Ed25519Batch.ORDER8_Y;

    private final Random random = new Random(20261207L);

    /** A signature of {@code message} by a fresh key. */
    private SignatureCheck signed(byte[] message) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        byte[] pk = new byte[32];
        Ed25519.generatePublicKey(seed, 0, pk, 0);
        return signedWith(seed, pk, message);
    }

    /** Signs with {@code seed} while hashing {@code pk} as the public key, as RFC 8032 §5.1.6 does. */
    private static SignatureCheck signedWith(byte[] seed, byte[] pk, byte[] message) {
        byte[] sig = new byte[64];
        Ed25519.sign(seed, 0, pk, 0, message, 0, message.length, sig, 0);
        return new SignatureCheck(new SignaturePublicKey(pk), message, sig);
    }

    private List<SignatureCheck> valid(int n) {
        List<SignatureCheck> checks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] message = new byte[1 + random.nextInt(300)];
            random.nextBytes(message);
            checks.add(signed(message));
        }
        return checks;
    }

    private static boolean alone(SignatureCheck c) {
        return SUITE.verify(c.key(), c.message(), c.signature());
    }

    /** The first index Bouncy Castle refuses, verifying one by one. */
    private static int firstRefusedAlone(List<SignatureCheck> checks) {
        for (int i = 0; i < checks.size(); i++) {
            if (!alone(checks.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] encode(Edwards25519.Extended p) {
        int[] zInv = X25519Field.create();
        X25519Field.inv(p.z, zInv);
        int[] x = X25519Field.create();
        int[] y = X25519Field.create();
        X25519Field.mul(p.x, zInv, x);
        X25519Field.mul(p.y, zInv, y);
        X25519Field.normalize(x);
        X25519Field.normalize(y);
        byte[] out = new byte[32];
        X25519Field.encode(y, out, 0);
        out[31] |= (byte) ((x[0] & 1) << 7);
        return out;
    }

    private static Edwards25519.Extended point(byte[] encoding) {
        Edwards25519.Extended e = new Edwards25519.Extended();
        Edwards25519.add(e, Edwards25519.decode(encoding), false, Edwards25519.temporaries());
        return e;
    }

    private static byte[] le(BigInteger v) {
        return Edwards25519.littleEndian(v);
    }

    @Test
    void multiScalarMultiplicationOfTheBaseGivesTheEd25519PublicKey() throws Exception {
        BigInteger l = Ed25519Batch.L;
        for (int round = 0; round < 5; round++) {
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            byte[] pk = new byte[32];
            Ed25519.generatePublicKey(seed, 0, pk, 0);
            byte[] h = MessageDigest.getInstance("SHA-512").digest(seed);
            h[0] &= (byte) 0xF8;
            h[31] &= 0x7F;
            h[31] |= 0x40;
            BigInteger s = Edwards25519.fromLittleEndian(h, 0, 32).mod(l);
            assertArrayEquals(pk, encode(Edwards25519.multiScalarMultiply(
                    new Edwards25519.Affine[] {Edwards25519.BASE}, new long[][] {Edwards25519.limbs(s)})));
            // the same split over 300 copies of B, with scalars summing to s: buckets, signed digits, windows
            int n = 300;
            Edwards25519.Affine[] points = new Edwards25519.Affine[n];
            long[][] scalars = new long[n][];
            BigInteger rest = s;
            for (int i = 0; i < n - 1; i++) {
                BigInteger part = new BigInteger(253, random).mod(l);
                points[i] = Edwards25519.BASE;
                scalars[i] = Edwards25519.limbs(part);
                rest = rest.subtract(part).mod(l);
            }
            points[n - 1] = Edwards25519.BASE;
            scalars[n - 1] = Edwards25519.limbs(rest);
            assertArrayEquals(pk, encode(Edwards25519.multiScalarMultiply(points, scalars)), "round " + round);
        }
    }

    @Test
    void theBasePointsEncodingIsYEqualToFourFifths() {
        BigInteger y = BigInteger.valueOf(4).multiply(BigInteger.valueOf(5).modInverse(P)).mod(P);
        assertArrayEquals(le(y), encode(point(le(y))), "x of B is even: no sign bit");
        assertArrayEquals(le(y), encode(Edwards25519.multiScalarMultiply(new Edwards25519.Affine[] {Edwards25519.BASE},
                new long[][] {Edwards25519.limbs(BigInteger.ONE)})));
    }

    @Test
    void theSmallOrderPointRefusedAsAKeyHasOrderEight() {
        Edwards25519.Extended t = point(le(ORDER8_Y));
        int[][] tmp = Edwards25519.temporaries();
        Edwards25519.dbl(t, tmp);
        Edwards25519.dbl(t, tmp);
        assertFalse(t.isNeutral(), "[4]T");
        Edwards25519.dbl(t, tmp);
        assertTrue(t.isNeutral(), "[8]T");
    }

    @Test
    void validSignaturesPassTogetherAtEverySize() {
        for (int n : new int[] {1, 15, 16, 17, 64, 129, 700}) {
            assertEquals(-1, SUITE.firstInvalidSignature(valid(n)), n + " signatures");
        }
    }

    @Test
    void anInvalidSignatureIsFoundWhereverItSits() {
        List<SignatureCheck> base = valid(200);
        for (int at : new int[] {0, 57, 199}) {
            for (int kind = 0; kind < 4; kind++) {
                List<SignatureCheck> checks = new ArrayList<>(base);
                SignatureCheck c = checks.get(at);
                byte[] message = c.message().clone();
                byte[] sig = c.signature().clone();
                SignaturePublicKey key = c.key();
                switch (kind) {
                    case 0 -> message[0] ^= 0x01;
                    case 1 -> sig[3] ^= 0x10;                          // R
                    case 2 -> sig[40] ^= 0x01;                         // S
                    default -> key = checks.get((at + 1) % checks.size()).key();
                }
                checks.set(at, new SignatureCheck(key, message, sig));
                assertEquals(firstRefusedAlone(checks), SUITE.firstInvalidSignature(checks),
                        "kind " + kind + " at " + at);
                assertEquals(at, SUITE.firstInvalidSignature(checks), "kind " + kind + " at " + at);
            }
        }
        List<SignatureCheck> two = new ArrayList<>(base);
        two.set(150, base.get(151));
        two.set(90, new SignatureCheck(base.get(90).key(), new byte[] {1}, base.get(90).signature()));
        assertEquals(90, SUITE.firstInvalidSignature(two));
    }

    @Test
    void encodingsGetBouncyCastlesVerdicts() {
        List<SignatureCheck> cases = new ArrayList<>();
        byte[] message = "leaf".getBytes();
        SignatureCheck good = signed(message);
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        byte[] pk = new byte[32];
        Ed25519.generatePublicKey(seed, 0, pk, 0);

        // S + L: the same value, not canonical
        byte[] sig = good.signature().clone();
        BigInteger s = Edwards25519.fromLittleEndian(sig, 32, 32).add(Ed25519Batch.L);
        System.arraycopy(le(s), 0, sig, 32, 32);
        cases.add(new SignatureCheck(good.key(), message, sig));
        // R's y = p, not canonical
        sig = good.signature().clone();
        System.arraycopy(le(P), 0, sig, 0, 32);
        cases.add(new SignatureCheck(good.key(), message, sig));
        // keys of small order: y = 1 (the neutral element), 0, p − 1, and the points of order 8
        for (BigInteger y : new BigInteger[] {BigInteger.ONE, BigInteger.ZERO, P.subtract(BigInteger.ONE),
                ORDER8_Y, P.subtract(ORDER8_Y)}) {
            cases.add(signedWith(seed, le(y), message));
        }
        // a key whose y is not canonical (p + 1 encodes the neutral element again), and one off the curve
        cases.add(signedWith(seed, le(P.add(BigInteger.ONE)), message));
        cases.add(signedWith(seed, le(BigInteger.TWO), message));
        // a key of mixed order (A + T, T of order 8) signing honestly: the cofactored equation holds
        Edwards25519.Extended mixed = point(pk);
        Edwards25519.add(mixed, Edwards25519.decode(le(ORDER8_Y)), false, Edwards25519.temporaries());
        byte[] mixedKey = encode(mixed);
        SignatureCheck mixedHonest = signedWith(seed, mixedKey, message);
        assertTrue(alone(mixedHonest), "Bouncy Castle's equation is cofactored");
        cases.add(mixedHonest);
        cases.add(signedWith(seed, mixedKey, "other".getBytes()));
        // keys of small order or not canonical with (R = [r]B, S = r): the equation holds, the checks refuse
        BigInteger r = new BigInteger(250, random);
        byte[] trivial = new byte[64];
        System.arraycopy(encode(Edwards25519.multiScalarMultiply(new Edwards25519.Affine[] {Edwards25519.BASE},
                new long[][] {Edwards25519.limbs(r)})), 0, trivial, 0, 32);
        System.arraycopy(le(r), 0, trivial, 32, 32);
        for (BigInteger y : new BigInteger[] {BigInteger.ONE, ORDER8_Y, P.add(BigInteger.ONE)}) {
            SignatureCheck forged = new SignatureCheck(new SignaturePublicKey(le(y)), message, trivial);
            assertFalse(alone(forged));
            cases.add(forged);
        }
        // R the neutral element, S zero
        byte[] neutralR = new byte[64];
        System.arraycopy(le(BigInteger.ONE), 0, neutralR, 0, 32);
        cases.add(new SignatureCheck(new SignaturePublicKey(pk), message, neutralR));

        for (int i = 0; i < cases.size(); i++) {
            SignatureCheck edge = cases.get(i);
            boolean accepted = alone(edge);
            List<SignatureCheck> checks = valid(40);
            checks.set(23, edge);
            assertEquals(accepted ? -1 : 23, SUITE.firstInvalidSignature(checks), "case " + i);
        }
    }

    @Test
    void theCombinedEquationIsCofactoredAndRefusesABadSignature() {
        List<SignatureCheck> checks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            byte[] pk = new byte[32];
            Ed25519.generatePublicKey(seed, 0, pk, 0);
            Edwards25519.Extended mixed = point(pk);
            Edwards25519.add(mixed, Edwards25519.decode(le(ORDER8_Y)), i % 2 == 0, Edwards25519.temporaries());
            checks.add(signedWith(seed, encode(mixed), ("message " + i).getBytes()));
        }
        assertTrue(Ed25519Batch.holdTogether(checks), "keys with a component of order 8, honest signatures");
        assertTrue(Ed25519Batch.holdTogether(valid(20)));
        List<SignatureCheck> bad = valid(20);
        bad.set(7, new SignatureCheck(bad.get(7).key(), new byte[] {7}, bad.get(7).signature()));
        assertFalse(Ed25519Batch.holdTogether(bad));
    }

    @Test
    void randomlyDamagedBatchesGetTheVerdictsOfOneByOne() {
        for (int round = 0; round < 25; round++) {
            List<SignatureCheck> checks = valid(48 + random.nextInt(40));
            int damaged = random.nextInt(4);
            for (int d = 0; d < damaged; d++) {
                int at = random.nextInt(checks.size());
                SignatureCheck c = checks.get(at);
                byte[] sig = c.signature().clone();
                byte[] key = c.key().bytes().clone();
                if (random.nextBoolean()) {
                    sig[random.nextInt(64)] ^= (byte) (1 << random.nextInt(8));
                } else {
                    key[random.nextInt(32)] ^= (byte) (1 << random.nextInt(8));
                }
                checks.set(at, new SignatureCheck(new SignaturePublicKey(key), c.message(), sig));
            }
            assertEquals(firstRefusedAlone(checks), SUITE.firstInvalidSignature(checks), "round " + round);
        }
    }
}
