package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.error.ValidationException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.math.ec.rfc7748.X448;
import org.bouncycastle.util.BigIntegers;

/**
 * The Diffie-Hellman groups of the DHKEMs of RFC 9180 §7.1 on Bouncy Castle's curve arithmetic:
 * X25519 and X448 (RFC 7748) and the NIST curves P-256, P-384 and P-521. Keys travel in their
 * serialized forms (§7.1.1, §7.1.2). Thread-safe and stateless.
 */
sealed interface DhGroup permits DhGroup.Montgomery, DhGroup.Nist {

    /** {@code Npk}, also {@code Nenc}. */
    int publicKeyLength();

    /** {@code Nsk}. */
    int privateKeyLength();

    /** A fresh private key, serialized. */
    byte[] generatePrivate(SecureRandom random);

    /**
     * {@code DeriveKeyPair}'s private key from {@code dkp_prk} (§7.1.3), serialized; {@code kdf} is
     * the KEM's.
     */
    byte[] derivePrivate(HpkeKdf kdf, byte[] dkpPrk);

    /**
     * The serialized public key of {@code sk}.
     *
     * @throws ValidationException with {@link CryptoRule#INVALID_HPKE_PRIVATE_KEY}
     */
    byte[] publicKey(byte[] sk);

    /**
     * {@code DH(sk, pk)}, the {@code Ndh}-byte shared secret (§4.1), after validating {@code pk}
     * (§7.1.4).
     *
     * @throws ValidationException with {@link CryptoRule#INVALID_HPKE_PUBLIC_KEY} for a key that does
     *     not decode, a NIST point off the curve, or an X25519/X448 key whose shared secret is zero;
     *     with {@link CryptoRule#INVALID_HPKE_PRIVATE_KEY} for a private key out of range
     */
    byte[] dh(byte[] sk, byte[] pk);

    /**
     * Checks that {@code pk} is a public key every encapsulation can use (§7.1.4): a NIST point that
     * decodes and lies on the curve; for X25519/X448, a point not of small order, the only points
     * giving an all-zero shared secret (see {@link Montgomery#validatePublicKey}).
     *
     * @throws ValidationException with {@link CryptoRule#INVALID_HPKE_PUBLIC_KEY}
     */
    void validatePublicKey(byte[] pk);

    /** X25519 or X448 (RFC 7748). */
    final class Montgomery implements DhGroup {

        static final Montgomery X25519_GROUP = new Montgomery(true);
        static final Montgomery X448_GROUP = new Montgomery(false);

        private final boolean x25519;
        private final int length;
        /** A fixed valid private key, for {@link #validatePublicKey}. */
        private final byte[] probe;

        private Montgomery(boolean x25519) {
            this.x25519 = x25519;
            this.length = x25519 ? X25519.SCALAR_SIZE : X448.SCALAR_SIZE;
            this.probe = new byte[length];
            Arrays.fill(probe, (byte) 0x5a);
            clamp(probe);
        }

        @Override
        public int publicKeyLength() {
            return length;
        }

        @Override
        public int privateKeyLength() {
            return length;
        }

        /** RFC 9180 §7.1.2: serialized private keys are clamped (RFC 7748 §5). */
        private void clamp(byte[] sk) {
            if (x25519) {
                X25519.clampPrivateKey(sk);
            } else {
                X448.clampPrivateKey(sk);
            }
        }

        @Override
        public byte[] generatePrivate(SecureRandom random) {
            byte[] sk = new byte[length];
            random.nextBytes(sk);
            clamp(sk);
            return sk;
        }

        @Override
        public byte[] derivePrivate(HpkeKdf kdf, byte[] dkpPrk) {
            byte[] sk = kdf.labeledExpand(dkpPrk, "sk", new byte[0], length);
            clamp(sk);
            return sk;
        }

        @Override
        public byte[] publicKey(byte[] sk) {
            requireLength(sk, CryptoRule.INVALID_HPKE_PRIVATE_KEY);
            byte[] pk = new byte[length];
            if (x25519) {
                X25519.generatePublicKey(sk, 0, pk, 0);
            } else {
                X448.generatePublicKey(sk, 0, pk, 0);
            }
            return pk;
        }

        @Override
        public byte[] dh(byte[] sk, byte[] pk) {
            requireLength(sk, CryptoRule.INVALID_HPKE_PRIVATE_KEY);
            requireLength(pk, CryptoRule.INVALID_HPKE_PUBLIC_KEY);
            byte[] z = new byte[length];
            boolean nonZero = x25519 ? X25519.calculateAgreement(sk, 0, pk, 0, z, 0)
                    : X448.calculateAgreement(sk, 0, pk, 0, z, 0);
            if (!nonZero) {
                throw new ValidationException(CryptoRule.INVALID_HPKE_PUBLIC_KEY, "all-zero shared secret");
            }
            return z;
        }

        /**
         * A clamped scalar k is a multiple of the cofactor and smaller than the prime subgroup's
         * order (and the twist's), so k·P is zero exactly when P has small order, whatever k is: one
         * multiplication by a fixed scalar answers for every ephemeral key an encapsulation may draw.
         */
        @Override
        public void validatePublicKey(byte[] pk) {
            Arrays.fill(dh(probe, pk), (byte) 0);
        }

        private void requireLength(byte[] key, CryptoRule rule) {
            if (key.length != length) {
                throw new ValidationException(rule, key.length + " bytes");
            }
        }
    }

    /** P-256, P-384 or P-521 with uncompressed points (SEC1) and big-endian scalars. */
    final class Nist implements DhGroup {

        static final Nist P256 = new Nist("P-256", 32, 0xff);
        static final Nist P384 = new Nist("P-384", 48, 0xff);
        static final Nist P521 = new Nist("P-521", 66, 0x01);

        private final ECDomainParameters domain;
        private final int scalarLength;
        private final int bitmask;

        private Nist(String curve, int scalarLength, int bitmask) {
            X9ECParameters x9 = CustomNamedCurves.getByName(curve);
            this.domain = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH(), x9.getSeed());
            this.scalarLength = scalarLength;
            this.bitmask = bitmask;
        }

        @Override
        public int publicKeyLength() {
            return 1 + 2 * scalarLength;
        }

        @Override
        public int privateKeyLength() {
            return scalarLength;
        }

        @Override
        public byte[] generatePrivate(SecureRandom random) {
            BigInteger d = BigIntegers.createRandomInRange(BigInteger.ONE, domain.getN().subtract(BigInteger.ONE),
                    random);
            return BigIntegers.asUnsignedByteArray(scalarLength, d);
        }

        /** Rejection sampling over {@code candidate} expansions (§7.1.3). */
        @Override
        public byte[] derivePrivate(HpkeKdf kdf, byte[] dkpPrk) {
            for (int counter = 0; counter <= 255; counter++) {
                byte[] bytes = kdf.labeledExpand(dkpPrk, "candidate", new byte[] {(byte) counter}, scalarLength);
                bytes[0] &= (byte) bitmask;
                BigInteger sk = new BigInteger(1, bytes);
                if (sk.signum() != 0 && sk.compareTo(domain.getN()) < 0) {
                    return bytes;
                }
                Arrays.fill(bytes, (byte) 0);
            }
            throw new ValidationException(CryptoRule.INVALID_HPKE_PRIVATE_KEY, "DeriveKeyPairError");
        }

        /**
         * The scalar of a serialized private key. Some encoders drop leading zero bytes (the RFC 9420
         * test vectors hold 65-byte P-521 keys), so shorter keys are accepted.
         */
        private BigInteger scalar(byte[] sk) {
            BigInteger d = new BigInteger(1, sk);
            if (sk.length > scalarLength || d.signum() == 0 || d.compareTo(domain.getN()) >= 0) {
                throw new ValidationException(CryptoRule.INVALID_HPKE_PRIVATE_KEY);
            }
            return d;
        }

        private ECPublicKeyParameters point(byte[] pk) {
            // Only the uncompressed form is a serialized public key (§7.1.1); decodePoint checks the
            // point is on the curve, the parameters object that it is not the point at infinity.
            if (pk.length != publicKeyLength() || pk[0] != 0x04) {
                throw new ValidationException(CryptoRule.INVALID_HPKE_PUBLIC_KEY, pk.length + " bytes");
            }
            try {
                return new ECPublicKeyParameters(domain.getCurve().decodePoint(pk), domain);
            } catch (RuntimeException e) {
                throw new ValidationException(CryptoRule.INVALID_HPKE_PUBLIC_KEY, "not a point of the curve");
            }
        }

        @Override
        public byte[] publicKey(byte[] sk) {
            ECPoint q = new FixedPointCombMultiplier().multiply(domain.getG(), scalar(sk));
            return q.getEncoded(false);
        }

        @Override
        public byte[] dh(byte[] sk, byte[] pk) {
            ECPublicKeyParameters peer = point(pk);
            ECDHBasicAgreement agreement = new ECDHBasicAgreement();
            agreement.init(new ECPrivateKeyParameters(scalar(sk), domain));
            try {
                return BigIntegers.asUnsignedByteArray(scalarLength, agreement.calculateAgreement(peer));
            } catch (RuntimeException e) {
                throw new ValidationException(CryptoRule.INVALID_HPKE_PUBLIC_KEY, "shared secret at infinity");
            }
        }

        /** The curves have prime order: a point on the curve other than infinity is valid. */
        @Override
        public void validatePublicKey(byte[] pk) {
            point(pk);
        }
    }
}
