package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.SignatureCheck;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.params.Ed448PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed448PublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.signers.Ed448Signer;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The signature schemes of the MLS suites (RFC 9420 §5.1.2), on Bouncy Castle's lightweight API:
 * Ed25519 and Ed448 (RFC 8032, pure, empty context) and ECDSA over P-256, P-384, P-521 with
 * deterministic nonces (RFC 6979) and DER-encoded signatures.
 */
sealed interface SignatureScheme {

    byte[] generatePrivate(SecureRandom random);

    SignaturePublicKey publicKey(SignaturePrivateKey privateKey);

    byte[] sign(SignaturePrivateKey privateKey, byte[] message);

    boolean verify(SignaturePublicKey publicKey, byte[] message, byte[] signature);

    /**
     * The lowest index of {@code checks} that does not verify (−1 when all do), where the scheme
     * checks many signatures faster than one by one; empty where it does not.
     */
    default Optional<Integer> firstInvalid(List<SignatureCheck> checks) {
        return Optional.empty();
    }

    /**
     * EdDSA, pure, with an empty context (RFC 8032): Ed25519 (§5.1) or Ed448 (§5.2), one
     * implementation over the {@link EdCurve}. Private keys are the seed; signing needs the public
     * key as well as the seed, so it is derived once per private key object (see
     * {@link DerivedPublicKeys}).
     */
    record EdDsa(EdCurve curve) implements SignatureScheme {

        @Override
        public byte[] generatePrivate(SecureRandom random) {
            byte[] seed = new byte[curve.seedSize];
            random.nextBytes(seed);
            return seed;
        }

        private byte[] seed(SignaturePrivateKey key) {
            byte[] seed = key.reveal();
            if (seed.length != curve.seedSize) {
                throw new ValidationException(CryptoRule.INVALID_SIGNATURE_KEY, curve.label + " private key length");
            }
            return seed;
        }

        @Override
        public SignaturePublicKey publicKey(SignaturePrivateKey key) {
            return new SignaturePublicKey(curve.publicKeys.of(key, seed(key)).clone());
        }

        @Override
        public byte[] sign(SignaturePrivateKey key, byte[] message) {
            byte[] seed = seed(key);
            byte[] signature = new byte[curve.signatureSize];
            curve.sign(seed, curve.publicKeys.of(key, seed), message, signature);
            return signature;
        }

        @Override
        public Optional<Integer> firstInvalid(List<SignatureCheck> checks) {
            if (curve != EdCurve.ED25519) {
                return Optional.empty();
            }
            return Optional.of(Ed25519Batch.firstInvalid(checks, c -> verify(c.key(), c.message(), c.signature())));
        }

        @Override
        public boolean verify(SignaturePublicKey key, byte[] message, byte[] signature) {
            byte[] pk = key.bytes();
            if (pk.length != curve.publicKeySize || signature.length != curve.signatureSize) {
                return false;
            }
            try {
                Signer verifier = curve.verifier(pk);
                verifier.update(message, 0, message.length);
                return verifier.verifySignature(signature);
            } catch (RuntimeException invalidPoint) {
                return false;
            }
        }
    }

    /** The two Edwards curves of the MLS suites, with what differs between them. */
    enum EdCurve {
        ED25519("Ed25519", Ed25519PrivateKeyParameters.KEY_SIZE, Ed25519PublicKeyParameters.KEY_SIZE,
                Ed25519PrivateKeyParameters.SIGNATURE_SIZE) {
            @Override
            void derivePublic(byte[] seed, byte[] publicKey) {
                org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, publicKey, 0);
            }

            @Override
            void sign(byte[] seed, byte[] publicKey, byte[] message, byte[] signature) {
                org.bouncycastle.math.ec.rfc8032.Ed25519.sign(
                        seed, 0, publicKey, 0, message, 0, message.length, signature, 0);
            }

            @Override
            Signer verifier(byte[] publicKey) {
                Ed25519Signer signer = new Ed25519Signer();
                signer.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
                return signer;
            }
        },
        ED448("Ed448", Ed448PrivateKeyParameters.KEY_SIZE, Ed448PublicKeyParameters.KEY_SIZE,
                Ed448PrivateKeyParameters.SIGNATURE_SIZE) {
            @Override
            void derivePublic(byte[] seed, byte[] publicKey) {
                org.bouncycastle.math.ec.rfc8032.Ed448.generatePublicKey(seed, 0, publicKey, 0);
            }

            @Override
            void sign(byte[] seed, byte[] publicKey, byte[] message, byte[] signature) {
                org.bouncycastle.math.ec.rfc8032.Ed448.sign(
                        seed, 0, publicKey, 0, NO_CONTEXT, message, 0, message.length, signature, 0);
            }

            @Override
            Signer verifier(byte[] publicKey) {
                Ed448Signer signer = new Ed448Signer(NO_CONTEXT);
                signer.init(false, new Ed448PublicKeyParameters(publicKey, 0));
                return signer;
            }
        };

        private static final byte[] NO_CONTEXT = new byte[0];

        final String label;
        final int seedSize;
        final int publicKeySize;
        final int signatureSize;
        /** The public keys derived from this curve's private key objects. */
        final DerivedPublicKeys publicKeys;

        EdCurve(String label, int seedSize, int publicKeySize, int signatureSize) {
            this.label = label;
            this.seedSize = seedSize;
            this.publicKeySize = publicKeySize;
            this.signatureSize = signatureSize;
            this.publicKeys = new DerivedPublicKeys(seed -> {
                byte[] pk = new byte[this.publicKeySize];
                derivePublic(seed, pk);
                return pk;
            });
        }

        /** Writes the encoded public key of {@code seed} into {@code publicKey}. */
        abstract void derivePublic(byte[] seed, byte[] publicKey);

        /** Writes the signature of {@code message} into {@code signature}. */
        abstract void sign(byte[] seed, byte[] publicKey, byte[] message, byte[] signature);

        /**
         * A verifier initialised with {@code publicKey}.
         *
         * @throws RuntimeException when the key is not a valid point
         */
        abstract Signer verifier(byte[] publicKey);
    }

    /** ECDSA with the curve's matching SHA-2 hash; public keys are uncompressed SEC1 points. */
    record Ecdsa(ECDomainParameters domain, int hashBits) implements SignatureScheme {

        private static final Map<Integer, ThreadLocal<MessageDigest>> JDK_DIGESTS = Map.of(
                256, ThreadLocal.withInitial(() -> jdkDigest("SHA-256")),
                384, ThreadLocal.withInitial(() -> jdkDigest("SHA-384")),
                512, ThreadLocal.withInitial(() -> jdkDigest("SHA-512")));

        private static MessageDigest jdkDigest(String name) {
            try {
                return MessageDigest.getInstance(name);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new dev.ampoule.mls.error.InternalException("JDK lacks " + name, e);
            }
        }

        static Ecdsa of(String curveName, int hashBits) {
            X9ECParameters p = CustomNamedCurves.getByName(curveName);
            return new Ecdsa(new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH(), p.getSeed()), hashBits);
        }

        private Digest digest() {
            return switch (hashBits) {
                case 256 -> new SHA256Digest();
                case 384 -> new SHA384Digest();
                default -> new SHA512Digest();
            };
        }

        /**
         * The message hash, with the JDK's SHA-2 (faster than Bouncy Castle's at every size,
         * {@code HashImplBenchmark}). The RFC 6979 nonce derivation keeps Bouncy Castle's HMAC, which
         * its {@link HMacDSAKCalculator} requires; it hashes a few dozen bytes.
         */
        private byte[] digestOf(byte[] message) {
            MessageDigest md = JDK_DIGESTS.get(hashBits).get();
            md.reset();
            return md.digest(message);
        }

        private ECPrivateKeyParameters priv(ECDomainParameters domain, SignaturePrivateKey key) {
            BigInteger d = new BigInteger(1, key.reveal());
            if (d.signum() == 0 || d.compareTo(domain.getN()) >= 0) {
                throw new ValidationException(CryptoRule.INVALID_SIGNATURE_KEY, "ECDSA scalar out of range");
            }
            return new ECPrivateKeyParameters(d, domain);
        }

        @Override
        public byte[] generatePrivate(SecureRandom random) {
            int size = (domain.getN().bitLength() + 7) / 8;
            BigInteger d;
            do {
                d = new BigInteger(domain.getN().bitLength(), random);
            } while (d.signum() == 0 || d.compareTo(domain.getN()) >= 0);
            return org.bouncycastle.util.BigIntegers.asUnsignedByteArray(size, d);
        }

        @Override
        public SignaturePublicKey publicKey(SignaturePrivateKey key) {
            ECPoint q = domain.getG().multiply(priv(domain, key).getD()).normalize();
            return new SignaturePublicKey(q.getEncoded(false));
        }

        @Override
        public byte[] sign(SignaturePrivateKey key, byte[] message) {
            ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(digest()));
            signer.init(true, priv(domain, key));
            BigInteger[] rs = signer.generateSignature(digestOf(message));
            try {
                return StandardDSAEncoding.INSTANCE.encode(domain.getN(), rs[0], rs[1]);
            } catch (java.io.IOException e) {
                throw new dev.ampoule.mls.error.InternalException("DER encoding of a signature failed", e);
            }
        }

        @Override
        public boolean verify(SignaturePublicKey key, byte[] message, byte[] signature) {
            try {
                byte[] pk = key.bytes();
                if (pk.length == 0 || pk[0] != 0x04) {
                    return false;
                }
                ECPoint q = domain.getCurve().decodePoint(pk);
                BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(domain.getN(), signature);
                ECDSASigner signer = new ECDSASigner();
                signer.init(false, new ECPublicKeyParameters(q, domain));
                return signer.verifySignature(digestOf(message), rs[0], rs[1]);
            } catch (RuntimeException | java.io.IOException malformed) {
                return false;
            }
        }
    }
}
