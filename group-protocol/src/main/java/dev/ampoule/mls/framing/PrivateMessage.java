package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.schedule.AeadKey;
import dev.ampoule.mls.schedule.AeadNonce;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.KeyAndNonce;
import dev.ampoule.mls.schedule.KeySchedule;
import dev.ampoule.mls.schedule.RatchetKey;
import dev.ampoule.mls.schedule.RatchetType;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import java.util.Arrays;
import java.util.function.Function;

/**
 * RFC 9420 §6.3:
 * <pre>
 * struct {
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     ContentType content_type;
 *     opaque authenticated_data&lt;V&gt;;
 *     opaque encrypted_sender_data&lt;V&gt;;
 *     opaque ciphertext&lt;V&gt;;
 * } PrivateMessage;
 * </pre>
 * {@code ciphertext} is the PrivateMessageContent sealed with the sender's ratchet key and nonce
 * (the nonce XORed with the reuse guard), associated data PrivateContentAAD (§6.3.1).
 * {@code encrypted_sender_data} is the SenderData sealed with a key and nonce derived from the
 * sender_data_secret and the first {@code KDF.Nh} bytes of {@code ciphertext}, associated data
 * SenderDataAAD (§6.3.2).
 *
 * <p>{@link #protect} and {@link #unprotect} do the whole job with the epoch's {@link SecretTree}.
 * The steps are also available one by one, for a caller that keeps its ratchet keys elsewhere:
 * {@link #encrypt} takes the key and nonce of the generation it consumes; on receipt,
 * {@link #decryptSenderData} names the leaf and generation whose key the caller looks up, and
 * {@link #decryptContent} opens the content with it.
 */
public record PrivateMessage(byte[] groupId, long epoch, ContentType contentType, byte[] authenticatedData,
        byte[] encryptedSenderData, byte[] ciphertext) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.opaque(groupId).u64(epoch).u8(contentType.wire()).opaque(authenticatedData).opaque(encryptedSenderData)
                .opaque(ciphertext);
    }

    public static PrivateMessage decode(TlsReader r) {
        return new PrivateMessage(r.opaque(), r.u64(), ContentType.decode(r), r.opaque(), r.opaque(), r.opaque());
    }

    /**
     * Encrypts signed content from a member with the next key of the sender's handshake ratchet
     * (proposal, commit) or application ratchet (application data) in {@code secretTree}.
     *
     * @param paddingLength the number of zero bytes appended to the content before encryption
     * @throws ValidationException with {@link FramingRule#PRIVATE_SENDER_NOT_MEMBER} when the sender
     *     is not a member, or a {@link dev.ampoule.mls.schedule.ScheduleRule} from the secret tree
     */
    public static PrivateMessage protect(CipherSuite suite, AuthenticatedContent content, int paddingLength,
            SenderDataSecret senderDataSecret, SecretTree secretTree) {
        if (!(content.sender() instanceof Sender.Member member)) {
            throw new ValidationException(FramingRule.PRIVATE_SENDER_NOT_MEMBER);
        }
        try (RatchetKey key = secretTree.next(member.leafIndex(), ratchetType(content.contentType()))) {
            return encrypt(suite, content, paddingLength, senderDataSecret, key.generation(), key.key(), key.nonce());
        }
    }

    /**
     * Decrypts this message into its verified AuthenticatedContent after every check of RFC 9420 §6.3 that
     * needs no group state beyond the epoch's: the group id and epoch of {@code context}, the sender
     * data, the content under the ratchet key of the sender's leaf and generation (consumed only
     * when the content opens and its signature verifies), the zero padding, and the signature with
     * the key that {@code signers} gives for the sender. {@code signers} must refuse a leaf index
     * that is blank or outside the tree (§6.3.2). The confirmation tag of a commit is checked later,
     * with the key schedule of the new epoch.
     *
     * @throws ValidationException with a {@link FramingRule}, a
     *     {@link dev.ampoule.mls.schedule.ScheduleRule} from the secret tree, or
     *     {@link dev.ampoule.mls.crypto.CryptoRule#AEAD_OPEN_FAILED}
     * @throws dev.ampoule.mls.error.DecodeException when a decrypted plaintext is malformed
     */
    public VerifiedContent unprotect(CipherSuite suite, GroupContext context, SenderDataSecret senderDataSecret,
            SecretTree secretTree, SignerKeys signers) {
        return unprotect(suite, context, senderDataSecret, secretTree, signers, verified -> verified);
    }

    /**
     * {@link #unprotect(CipherSuite, GroupContext, SenderDataSecret, SecretTree, SignerKeys)}, then
     * {@code then} on the verified content, while the ratchet key is lent: the key is consumed only
     * when {@code then} returns normally too, so a message the caller refuses (its rules, its
     * state) leaves the secret tree as it was. {@code then} must not use {@code secretTree}.
     *
     * @throws ValidationException as the other {@code unprotect}, or whatever {@code then} throws
     */
    public <T> T unprotect(CipherSuite suite, GroupContext context, SenderDataSecret senderDataSecret,
            SecretTree secretTree, SignerKeys signers, Function<VerifiedContent, T> then) {
        checkGroupAndEpoch(context);
        SenderData senderData = decryptSenderData(suite, senderDataSecret);
        return secretTree.open(senderData.leafIndex(), ratchetType(contentType), senderData.generation(), key -> {
            AuthenticatedContent content = decryptContent(suite, senderData, key.key(), key.nonce());
            content.checkSignature(suite, signers, context);
            return then.apply(new VerifiedContent(content));
        });
    }

    /** The ratchet a content type uses (RFC 9420 §6.3.1). */
    public static RatchetType ratchetType(ContentType type) {
        return type.isHandshake() ? RatchetType.HANDSHAKE : RatchetType.APPLICATION;
    }

    /**
     * Encrypts signed content from a member (RFC 9420 §6.3.1, §6.3.2).
     *
     * @param paddingLength the number of zero bytes appended to the content before encryption
     * @param generation the ratchet generation {@code key} and {@code nonce} belong to; the caller
     *     must never use it again for encryption
     * @throws ValidationException with {@link FramingRule#PRIVATE_SENDER_NOT_MEMBER} when the sender
     *     is not a member
     */
    public static PrivateMessage encrypt(CipherSuite suite, AuthenticatedContent content, int paddingLength,
            SenderDataSecret senderDataSecret, long generation, AeadKey key, AeadNonce nonce) {
        if (content.wireFormat() != WireFormat.PRIVATE_MESSAGE) {
            throw new InternalException("content was signed for another wire format");
        }
        if (!(content.sender() instanceof Sender.Member member)) {
            throw new ValidationException(FramingRule.PRIVATE_SENDER_NOT_MEMBER);
        }
        FramedContent fc = content.content();
        SenderData senderData = new SenderData(member.leafIndex(), generation,
                suite.randomBytes(SenderData.REUSE_GUARD_LENGTH));

        TlsWriter plain = new TlsWriter(256 + paddingLength);
        new PrivateMessageContent(fc.content(), content.auth(), paddingLength).encode(plain);
        byte[] pt = plain.toByteArray();
        byte[] contentNonce = senderData.guardNonce(nonce.reveal());
        byte[] ciphertext;
        try {
            byte[] aad = new PrivateContentAad(fc.groupId(), fc.epoch(), fc.contentType(), fc.authenticatedData())
                    .toBytes();
            ciphertext = suite.aeadSeal(key.reveal(), contentNonce, aad, pt);
        } finally {
            Arrays.fill(pt, (byte) 0);
            Arrays.fill(contentNonce, (byte) 0);
            plain.wipe();
        }

        byte[] senderAad = new SenderDataAad(fc.groupId(), fc.epoch(), fc.contentType()).toBytes();
        try (KeyAndNonce sd = KeySchedule.senderDataKeyAndNonce(suite, senderDataSecret, ciphertext)) {
            byte[] encryptedSenderData = suite.aeadSeal(sd.key().reveal(), sd.nonce().reveal(), senderAad,
                    senderData.toBytes());
            return new PrivateMessage(fc.groupId(), fc.epoch(), fc.contentType(), fc.authenticatedData(),
                    encryptedSenderData, ciphertext);
        }
    }

    /**
     * Opens {@code encrypted_sender_data} (RFC 9420 §6.3.2). The leaf index is not yet known to be
     * a member: the caller checks it against the tree.
     *
     * @throws ValidationException when the sender data does not open
     * @throws dev.ampoule.mls.error.DecodeException when it is not a SenderData
     */
    public SenderData decryptSenderData(CipherSuite suite, SenderDataSecret senderDataSecret) {
        byte[] aad = new SenderDataAad(groupId, epoch, contentType).toBytes();
        try (KeyAndNonce sd = KeySchedule.senderDataKeyAndNonce(suite, senderDataSecret, ciphertext)) {
            byte[] plain = suite.aeadOpen(sd.key().reveal(), sd.nonce().reveal(), aad, encryptedSenderData);
            return TlsReader.decodeExactly(plain, SenderData::decode);
        }
    }

    /**
     * Opens {@code ciphertext} with the ratchet key and nonce of {@code senderData}'s leaf and
     * generation (RFC 9420 §6.3.1) and rebuilds the AuthenticatedContent, sender
     * {@code member(senderData.leaf_index)}. The signature is not checked here.
     *
     * @throws ValidationException when the content does not open
     * @throws dev.ampoule.mls.error.DecodeException when the plaintext is malformed, including
     *     non-zero padding
     */
    public AuthenticatedContent decryptContent(CipherSuite suite, SenderData senderData, AeadKey key, AeadNonce nonce) {
        byte[] contentNonce = senderData.guardNonce(nonce.reveal());
        byte[] pt;
        try {
            byte[] aad = new PrivateContentAad(groupId, epoch, contentType, authenticatedData).toBytes();
            pt = suite.aeadOpen(key.reveal(), contentNonce, aad, ciphertext);
        } finally {
            Arrays.fill(contentNonce, (byte) 0);
        }
        try {
            PrivateMessageContent pmc = PrivateMessageContent.decode(pt, contentType);
            FramedContent fc = new FramedContent(groupId, epoch, new Sender.Member(senderData.leafIndex()),
                    authenticatedData, pmc.content());
            return new AuthenticatedContent(WireFormat.PRIVATE_MESSAGE, fc, pmc.auth());
        } finally {
            Arrays.fill(pt, (byte) 0);
        }
    }

    /**
     * Checks that this message is for the group and epoch of {@code context}.
     *
     * @throws ValidationException with {@link FramingRule#WRONG_GROUP} or {@link FramingRule#WRONG_EPOCH}
     */
    public void checkGroupAndEpoch(GroupContext context) {
        if (!context.hasGroupId(groupId)) {
            throw new ValidationException(FramingRule.WRONG_GROUP);
        }
        if (epoch != context.epoch()) {
            throw new ValidationException(FramingRule.WRONG_EPOCH);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrivateMessage p && Arrays.equals(groupId, p.groupId) && epoch == p.epoch
                && contentType == p.contentType && Arrays.equals(authenticatedData, p.authenticatedData)
                && Arrays.equals(encryptedSenderData, p.encryptedSenderData) && Arrays.equals(ciphertext, p.ciphertext);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "PrivateMessage[epoch=" + epoch + ", " + contentType + ", " + ciphertext.length + " bytes]";
    }
}
