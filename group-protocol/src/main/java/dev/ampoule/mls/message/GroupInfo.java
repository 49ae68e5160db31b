package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.KeyAndNonce;
import dev.ampoule.mls.schedule.KeySchedule;
import dev.ampoule.mls.schedule.WelcomeSecret;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * RFC 9420 §12.4.3:
 * <pre>
 * struct {
 *     GroupContext group_context;
 *     Extension extensions&lt;V&gt;;
 *     MAC confirmation_tag;
 *     uint32 signer;
 *     // SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)
 *     opaque signature&lt;V&gt;;
 * } GroupInfo;
 * </pre>
 * GroupInfoTBS is every field above the signature. {@code signer} is a leaf index; values above
 * {@code Integer.MAX_VALUE} fail to decode.
 */
public record GroupInfo(GroupContext groupContext, List<Extension> extensions, byte[] confirmationTag, int signer,
        byte[] signature) implements TlsEncodable {

    public static final String SIGN_LABEL = "GroupInfoTBS";

    private static final byte[] EMPTY = new byte[0];

    public GroupInfo {
        extensions = List.copyOf(extensions);
    }

    @Override
    public void encode(TlsWriter w) {
        encodeTbs(w);
        w.opaque(signature);
    }

    private void encodeTbs(TlsWriter w) {
        w.write(groupContext).vector(extensions).opaque(confirmationTag).u32(Integer.toUnsignedLong(signer));
    }

    public static GroupInfo decode(TlsReader r) {
        return new GroupInfo(GroupContext.decode(r), r.vector(Extension::decode), r.opaque(), r.u32AsInt(),
                r.opaque());
    }

    /** The GroupInfoTBS bytes. */
    public byte[] toBeSigned() {
        TlsWriter w = new TlsWriter(groupContext.encodedLength() + 128);
        encodeTbs(w);
        return w.toByteArray();
    }

    /** Builds a GroupInfo signed by the member at leaf {@code signer} with {@code key}. */
    public static GroupInfo create(CipherSuite suite, SignaturePrivateKey key, GroupContext groupContext,
            List<Extension> extensions, byte[] confirmationTag, int signer) {
        GroupInfo unsigned = new GroupInfo(groupContext, extensions, confirmationTag, signer, new byte[0]);
        byte[] sig = suite.signWithLabel(key, SIGN_LABEL, unsigned.toBeSigned());
        return new GroupInfo(groupContext, unsigned.extensions, confirmationTag, signer, sig);
    }

    /** Whether the signature verifies under {@code signerKey}, the signer leaf's signature key. */
    public boolean verifySignature(CipherSuite suite, SignaturePublicKey signerKey) {
        return suite.verifyWithLabel(signerKey, SIGN_LABEL, toBeSigned(), signature);
    }

    /** @throws ValidationException with {@link MessageRule#GROUP_INFO_SIGNATURE} */
    public void checkSignature(CipherSuite suite, SignaturePublicKey signerKey) {
        if (!verifySignature(suite, signerKey)) {
            throw new ValidationException(MessageRule.GROUP_INFO_SIGNATURE);
        }
    }

    /** The extension of {@code type} in {@link #extensions()}, if present. */
    public Optional<Extension> extension(int type) {
        return Extension.find(extensions, type);
    }

    /**
     * {@code encrypted_group_info}: this GroupInfo sealed with the welcome_key and welcome_nonce
     * derived from {@code welcomeSecret} (RFC 9420 §12.4.3.1,
     * {@link KeySchedule#welcomeKeyAndNonce}), with empty associated data.
     */
    public byte[] encrypt(CipherSuite suite, WelcomeSecret welcomeSecret) {
        try (KeyAndNonce k = KeySchedule.welcomeKeyAndNonce(suite, welcomeSecret)) {
            return suite.aeadSeal(k.key().reveal(), k.nonce().reveal(), EMPTY, toBytes());
        }
    }

    /**
     * Opens an {@code encrypted_group_info} with the keys derived from {@code welcomeSecret} and
     * decodes the GroupInfo. The signature is not checked here.
     *
     * @throws ValidationException when the ciphertext does not open
     * @throws dev.ampoule.mls.error.DecodeException when the plaintext is not a GroupInfo
     */
    public static GroupInfo decrypt(CipherSuite suite, WelcomeSecret welcomeSecret, byte[] encryptedGroupInfo) {
        byte[] plain;
        try (KeyAndNonce k = KeySchedule.welcomeKeyAndNonce(suite, welcomeSecret)) {
            plain = suite.aeadOpen(k.key().reveal(), k.nonce().reveal(), EMPTY, encryptedGroupInfo);
        }
        return TlsReader.decodeExactly(plain, GroupInfo::decode);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GroupInfo g && groupContext.equals(g.groupContext) && extensions.equals(g.extensions)
                && Arrays.equals(confirmationTag, g.confirmationTag) && signer == g.signer
                && Arrays.equals(signature, g.signature);
    }

    @Override
    public int hashCode() {
        return groupContext.hashCode() * 31 + signer;
    }

    @Override
    public String toString() {
        return "GroupInfo[" + groupContext + ", signer=" + signer + ", " + extensions.size() + " extensions]";
    }
}
