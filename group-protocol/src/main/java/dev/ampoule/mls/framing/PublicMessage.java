package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.MembershipKey;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ForkJoinTask;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * RFC 9420 §6.2:
 * <pre>
 * struct {
 *     FramedContent content;
 *     FramedContentAuthData auth;
 *     select (PublicMessage.content.sender.sender_type) {
 *         case member:
 *             MAC membership_tag;
 *         case external:
 *         case new_member_commit:
 *         case new_member_proposal:
 *             struct{};
 *     };
 * } PublicMessage;
 *
 * struct {
 *   FramedContentTBS content_tbs;
 *   FramedContentAuthData auth;
 * } AuthenticatedContentTBM;
 *
 * membership_tag = MAC(membership_key, AuthenticatedContentTBM)
 * </pre>
 * A PublicMessage with application content decodes (it is well-formed) but is refused by
 * {@link #protect} and {@link #unprotect}: application data travels only as PrivateMessage.
 */
public record PublicMessage(FramedContent content, FramedContentAuthData auth, Optional<byte[]> membershipTag)
        implements TlsEncodable {

    public PublicMessage {
        if (membershipTag.isPresent() != content.sender() instanceof Sender.Member) {
            throw new InternalException("membership tag must be present exactly for a member sender");
        }
        if (!auth.fits(content.contentType())) {
            throw new InternalException("confirmation tag must be present exactly for a commit");
        }
    }

    @Override
    public void encode(TlsWriter w) {
        w.write(content);
        auth.encode(w);
        membershipTag.ifPresent(w::opaque);
    }

    public static PublicMessage decode(TlsReader r) {
        FramedContent content = FramedContent.decode(r);
        FramedContentAuthData auth = FramedContentAuthData.decode(r, content.contentType());
        Optional<byte[]> tag = content.sender() instanceof Sender.Member ? Optional.of(r.opaque()) : Optional.empty();
        return new PublicMessage(content, auth, tag);
    }

    /** The AuthenticatedContent this message carries (wire format public_message). */
    public AuthenticatedContent authenticatedContent() {
        return new AuthenticatedContent(WireFormat.PUBLIC_MESSAGE, content, auth);
    }

    /**
     * Encodes a signed proposal or commit as a PublicMessage, adding the membership tag for a
     * member sender.
     *
     * @param context the GroupContext the content was signed under
     * @param membershipKey this epoch's membership key; used only for a member sender
     * @throws ValidationException with {@link FramingRule#APPLICATION_NOT_PRIVATE} for application
     *     content
     */
    public static PublicMessage protect(CipherSuite suite, AuthenticatedContent content, GroupContext context,
            MembershipKey membershipKey) {
        checkProtectable(content);
        if (!(content.sender() instanceof Sender.Member)) {
            return new PublicMessage(content.content(), content.auth(), Optional.empty());
        }
        byte[] tbs = content.toBeSigned(context).toBytes();
        byte[] tag = suite.mac(membershipKey.reveal(), tbm(tbs, content.auth()));
        return new PublicMessage(content.content(), content.auth(), Optional.of(tag));
    }

    /**
     * Encodes a proposal or commit from a non-member sender (external, new_member_proposal,
     * new_member_commit), which has no membership tag.
     */
    public static PublicMessage protectAsNonMember(AuthenticatedContent content) {
        checkProtectable(content);
        if (content.sender() instanceof Sender.Member) {
            throw new InternalException("a member sender needs the membership key");
        }
        return new PublicMessage(content.content(), content.auth(), Optional.empty());
    }

    private static void checkProtectable(AuthenticatedContent content) {
        if (content.wireFormat() != WireFormat.PUBLIC_MESSAGE) {
            throw new InternalException("content was signed for another wire format");
        }
        if (content.contentType() == ContentType.APPLICATION) {
            throw new ValidationException(FramingRule.APPLICATION_NOT_PRIVATE);
        }
    }

    /**
     * Turns this message into its verified AuthenticatedContent after every check of RFC 9420 §6.2 that
     * needs no group state beyond the epoch's: not application content, the group id and epoch of
     * {@code context}, the sender type allowed for the content, the membership tag (member senders)
     * and the signature. The confirmation tag of a commit is checked later, with the key schedule
     * of the new epoch ({@link AuthenticatedContent#checkConfirmationTag}).
     *
     * @param membershipKey this epoch's membership key; used only for a member sender
     * @throws ValidationException with a {@link FramingRule}
     */
    public VerifiedContent unprotect(CipherSuite suite, GroupContext context, MembershipKey membershipKey,
            SignerKeys signers) {
        byte[] tbs = checkedTbs(suite, context, membershipKey);
        if (!suite.verifyWithLabel(signers.keyFor(content), FramedContentTbs.SIGN_LABEL, tbs, auth.signature())) {
            throw new ValidationException(FramingRule.SIGNATURE);
        }
        return new VerifiedContent(authenticatedContent());
    }

    /**
     * {@link #unprotect} for a member's message, with the signature verified on another core while
     * {@code work} runs on this thread: every other check of §6.2 first — the membership tag among
     * them, so {@code work} only ever sees content a member of the epoch sent — then {@code work}
     * on the content, whose result is returned only once the signature verified. When it does not,
     * the result goes to {@code discard} (to destroy the secrets it holds) and the signature's
     * failure is thrown, whatever {@code work} did: the outcome is that of {@code unprotect}
     * followed by {@code work}. A receiver of a Commit overlaps the signature with its HPKE
     * decryption and key derivations this way.
     *
     * @throws ValidationException with a {@link FramingRule}, or {@code work}'s failure
     * @throws InternalException when the message has no membership tag (not a member's)
     */
    public <T> T unprotectWhileVerifying(CipherSuite suite, GroupContext context, MembershipKey membershipKey,
            SignerKeys signers, Function<AuthenticatedContent, T> work, Consumer<T> discard) {
        if (membershipTag.isEmpty()) {
            throw new InternalException("only a member's message is processed before its signature verified");
        }
        byte[] tbs = checkedTbs(suite, context, membershipKey);
        SignaturePublicKey key = signers.keyFor(content);
        ForkJoinTask<Boolean> signature = ForkJoinTask.adapt(
                () -> suite.verifyWithLabel(key, FramedContentTbs.SIGN_LABEL, tbs, auth.signature())).fork();
        T result = null;
        RuntimeException failure = null;
        try {
            result = work.apply(authenticatedContent());
        } catch (RuntimeException e) {
            failure = e;
        }
        if (!signature.join()) {
            if (result != null) {
                discard.accept(result);
            }
            throw new ValidationException(FramingRule.SIGNATURE);
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    /** The checks of {@link #unprotect} before the signature; the FramedContentTBS they covered. */
    private byte[] checkedTbs(CipherSuite suite, GroupContext context, MembershipKey membershipKey) {
        if (content.contentType() == ContentType.APPLICATION) {
            throw new ValidationException(FramingRule.APPLICATION_NOT_PRIVATE);
        }
        if (!context.hasGroupId(content.groupId())) {
            throw new ValidationException(FramingRule.WRONG_GROUP);
        }
        if (content.epoch() != context.epoch()) {
            throw new ValidationException(FramingRule.WRONG_EPOCH);
        }
        AuthenticatedContent.checkSenderMayAuthor(content);
        // FramedContentTBS is encoded once: the membership tag and the signature both cover it.
        byte[] tbs = new FramedContentTbs(WireFormat.PUBLIC_MESSAGE, content, context).toBytes();
        if (membershipTag.isPresent()) {
            byte[] expected = suite.mac(membershipKey.reveal(), tbm(tbs, auth));
            if (!MessageDigest.isEqual(expected, membershipTag.get())) {
                throw new ValidationException(FramingRule.MEMBERSHIP_TAG);
            }
        }
        return tbs;
    }

    /** AuthenticatedContentTBM: FramedContentTBS (public_message) followed by the auth data. */
    private static byte[] tbm(byte[] framedContentTbs, FramedContentAuthData auth) {
        TlsWriter w = new TlsWriter(framedContentTbs.length + auth.signature().length + 80);
        w.raw(framedContentTbs);
        auth.encode(w);
        return w.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicMessage p && content.equals(p.content) && auth.equals(p.auth)
                && membershipTag.isPresent() == p.membershipTag.isPresent()
                && (membershipTag.isEmpty() || Arrays.equals(membershipTag.get(), p.membershipTag.get()));
    }

    @Override
    public int hashCode() {
        return content.hashCode() * 31 + auth.hashCode();
    }

    @Override
    public String toString() {
        return "PublicMessage[" + content + "]";
    }
}
