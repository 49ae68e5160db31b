package dev.ampoule.mls.crypto.bc;

import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkeExport;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.HpkeSealer;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.error.ValidationException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * HPKE in base mode (RFC 9180 §5.1.1, §6): a {@link Dhkem}, the key schedule over the suite's
 * HKDF, and the suite's AEAD, with single-shot seal, open and export.
 *
 * <p><b>Why not Bouncy Castle's {@code HPKE}.</b> Its key schedule takes {@code info} whole and hashes
 * it into {@code info_hash} at every setup, with Bouncy Castle's pure-Java SHA-2. A Welcome seals
 * to every joiner with the same {@code info} — the encrypted GroupInfo, 3 MB with the ratchet tree
 * of a 10,000-member group (RFC 9420 §12.4.3.1) — so adding N members hashed N × 3 MB, quadratic in
 * the group size. Here {@code info_hash} is computed once per {@link HpkeSealer} (the key schedule
 * only ever uses that hash, §5.1), with the JDK's SHA-2 (CPU instructions, see {@link JdkHashes}).
 * The curve arithmetic stays Bouncy Castle's ({@link DhGroup}); the AEAD is the JDK's
 * ({@link JdkAead}). The implementation is checked against RFC 9180's test vectors and against
 * Bouncy Castle's HPKE, in both directions, for every suite ({@code HpkeTest}).
 *
 * <p>Thread-safe. Intermediate secrets are zeroed after use.
 */
final class Hpke {

    private static final byte MODE_BASE = 0x00;
    private static final byte[] EMPTY = new byte[0];

    private final Dhkem kem;
    private final HpkeKdf kdf;
    private final JdkAead aead;
    /** {@code mode_base || psk_id_hash}: the fixed prefix of every key_schedule_context. */
    private final byte[] contextPrefix;

    Hpke(Dhkem kem, JdkHashes kdfHash, int kdfId, JdkAead aead, int aeadId) {
        this.kem = kem;
        this.aead = aead;
        byte[] hpke = "HPKE".getBytes(StandardCharsets.US_ASCII);
        byte[] suiteId = Arrays.copyOf(hpke, hpke.length + 6);
        System.arraycopy(HpkeKdf.u16(kem.id()), 0, suiteId, 4, 2);
        System.arraycopy(HpkeKdf.u16(kdfId), 0, suiteId, 6, 2);
        System.arraycopy(HpkeKdf.u16(aeadId), 0, suiteId, 8, 2);
        this.kdf = new HpkeKdf(kdfHash, suiteId);
        byte[] pskIdHash = kdf.labeledExtract(EMPTY, "psk_id_hash", EMPTY);
        this.contextPrefix = new byte[1 + pskIdHash.length];
        contextPrefix[0] = MODE_BASE;
        System.arraycopy(pskIdHash, 0, contextPrefix, 1, pskIdHash.length);
    }

    /**
     * {@code key_schedule_context = mode || psk_id_hash || info_hash} (§5.1) of base mode: the only
     * use the key schedule makes of {@code info}.
     */
    byte[] keyScheduleContext(byte[] info) {
        byte[] infoHash = kdf.labeledExtract(EMPTY, "info_hash", info);
        byte[] out = Arrays.copyOf(contextPrefix, contextPrefix.length + infoHash.length);
        System.arraycopy(infoHash, 0, out, contextPrefix.length, infoHash.length);
        return out;
    }

    /** The outputs of {@code KeySchedule} (§5.1); the caller zeroes them. */
    record Schedule(byte[] key, byte[] baseNonce, byte[] exporterSecret) {
        void wipe() {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(baseNonce, (byte) 0);
            Arrays.fill(exporterSecret, (byte) 0);
        }
    }

    /**
     * {@code KeySchedule(mode_base, shared_secret, info, "", "")} from its key_schedule_context;
     * zeroes {@code sharedSecret}. With {@code export} false only the AEAD key and nonce are derived
     * (the exporter secret is empty), with {@code seal} false only the exporter secret.
     */
    Schedule keySchedule(byte[] sharedSecret, byte[] context, boolean seal, boolean export) {
        byte[] secret = kdf.labeledExtract(sharedSecret, "secret", EMPTY);
        try {
            return new Schedule(
                    seal ? kdf.labeledExpand(secret, "key", context, aead.keyLength()) : EMPTY,
                    seal ? kdf.labeledExpand(secret, "base_nonce", context, aead.nonceLength()) : EMPTY,
                    export ? kdf.labeledExpand(secret, "exp", context, kdf.hashLength()) : EMPTY);
        } finally {
            Arrays.fill(secret, (byte) 0);
            Arrays.fill(sharedSecret, (byte) 0);
        }
    }

    /** A sealer for {@code info} and {@code aad}: {@code info_hash} computed here, once. */
    HpkeSealer sealer(byte[] info, byte[] aad) {
        byte[] context = keyScheduleContext(info);
        byte[] ad = aad.clone();
        return (recipient, plaintext) -> seal(recipient, context, ad, plaintext, null);
    }

    /**
     * {@code SealBase} from a key_schedule_context, with a fresh ephemeral key, or with
     * {@code ephemeral} as the ephemeral private key when not null (the test vectors fix it).
     */
    HpkeCiphertext seal(HpkePublicKey recipient, byte[] context, byte[] aad, byte[] plaintext, byte[] ephemeral) {
        Dhkem.Encapsulation e = ephemeral == null ? kem.encap(recipient.bytes())
                : kem.encap(recipient.bytes(), ephemeral);
        Schedule s = keySchedule(e.sharedSecret(), context, true, false);
        try {
            // Sequence number 0: the nonce is base_nonce itself (§5.2).
            return new HpkeCiphertext(e.enc(), aead.seal(s.key(), s.baseNonce(), aad, plaintext));
        } finally {
            s.wipe();
        }
    }

    /**
     * {@code OpenBase(enc, skR, info, aad, ct)}.
     *
     * @throws ValidationException with {@link CryptoRule#HPKE_OPEN_FAILED} when {@code kemOutput}
     *     is no valid public key or the ciphertext does not decrypt
     */
    byte[] open(HpkeKeyPair recipient, byte[] kemOutput, byte[] info, byte[] aad, byte[] ciphertext) {
        byte[] shared = decap(recipient, kemOutput);
        Schedule s = keySchedule(shared, keyScheduleContext(info), true, false);
        try {
            return aead.open(s.key(), s.baseNonce(), aad, ciphertext);
        } catch (ValidationException e) {
            throw new ValidationException(CryptoRule.HPKE_OPEN_FAILED);
        } finally {
            s.wipe();
        }
    }

    private byte[] decap(HpkeKeyPair recipient, byte[] kemOutput) {
        byte[] sk = recipient.privateKey().reveal();
        try {
            return kem.decap(kemOutput, sk, recipient.publicKey().bytes());
        } catch (ValidationException e) {
            if (e.rule() == CryptoRule.INVALID_HPKE_PRIVATE_KEY) {
                throw e;
            }
            throw new ValidationException(CryptoRule.HPKE_OPEN_FAILED, "invalid kem_output");
        }
    }

    /** {@code SendExport(pkR, info, exporter_context, L)} (§6.2). */
    HpkeExport exportSend(HpkePublicKey recipient, byte[] info, byte[] exporterContext, int length) {
        Dhkem.Encapsulation e = kem.encap(recipient.bytes());
        Schedule s = keySchedule(e.sharedSecret(), keyScheduleContext(info), false, true);
        try {
            return new HpkeExport(e.enc(), new Secret(export(s, exporterContext, length)));
        } finally {
            s.wipe();
        }
    }

    /** {@code ReceiveExport(enc, skR, info, exporter_context, L)} (§6.2). */
    Secret exportReceive(HpkeKeyPair recipient, byte[] kemOutput, byte[] info, byte[] exporterContext, int length) {
        Schedule s = keySchedule(decap(recipient, kemOutput), keyScheduleContext(info), false, true);
        try {
            return new Secret(export(s, exporterContext, length));
        } finally {
            s.wipe();
        }
    }

    /** {@code Context.Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", exporter_context, L)}. */
    byte[] export(Schedule s, byte[] exporterContext, int length) {
        return kdf.labeledExpand(s.exporterSecret(), "sec", exporterContext, length);
    }

    HpkeKeyPair derive(byte[] ikm) {
        return kem.derive(ikm);
    }

    HpkeKeyPair generate() {
        return kem.generate();
    }

    HpkePublicKey publicKeyOf(HpkePrivateKey key) {
        return kem.publicKeyOf(key);
    }

    void validatePublicKey(HpkePublicKey key) {
        kem.validatePublicKey(key);
    }
}
