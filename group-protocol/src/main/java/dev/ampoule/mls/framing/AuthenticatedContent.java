package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.message.ProposalType;
import dev.ampoule.mls.schedule.ConfirmationKey;
import dev.ampoule.mls.schedule.GroupContext;
import java.security.MessageDigest;

/**
 * RFC 9420 §6:
 * <pre>
 * struct {
 *     WireFormat wire_format;
 *     FramedContent content;
 *     FramedContentAuthData auth;
 * } AuthenticatedContent;
 * </pre>
 * What a PublicMessage or PrivateMessage protects. The wire format is
 * {@link WireFormat#PUBLIC_MESSAGE} or {@link WireFormat#PRIVATE_MESSAGE}, and the confirmation
 * tag is present exactly for a commit.
 */
public record AuthenticatedContent(WireFormat wireFormat, FramedContent content, FramedContentAuthData auth)
        implements TlsEncodable {

    public AuthenticatedContent {
        if (wireFormat != WireFormat.PUBLIC_MESSAGE && wireFormat != WireFormat.PRIVATE_MESSAGE) {
            throw new InternalException("AuthenticatedContent wire format must be a public or private message");
        }
        if (!auth.fits(content.contentType())) {
            throw new InternalException("confirmation tag must be present exactly for a commit");
        }
    }

    @Override
    public void encode(TlsWriter w) {
        w.u16(wireFormat.wire()).write(content);
        auth.encode(w);
    }

    public static AuthenticatedContent decode(TlsReader r) {
        WireFormat wf = WireFormat.decode(r);
        if (wf != WireFormat.PUBLIC_MESSAGE && wf != WireFormat.PRIVATE_MESSAGE) {
            throw new DecodeException("AuthenticatedContent with wire format " + wf.wire());
        }
        FramedContent content = FramedContent.decode(r);
        return new AuthenticatedContent(wf, content, FramedContentAuthData.decode(r, content.contentType()));
    }

    /**
     * Signs an application message or a proposal for sending with {@code wireFormat};
     * {@code context} is the current GroupContext (covered for member senders).
     */
    public static AuthenticatedContent sign(CipherSuite suite, SignaturePrivateKey key, WireFormat wireFormat,
            FramedContent content, GroupContext context) {
        if (content.contentType() == ContentType.COMMIT) {
            throw new InternalException("a commit is signed with signCommit");
        }
        byte[] sig = new FramedContentTbs(wireFormat, content, context).sign(suite, key);
        return new AuthenticatedContent(wireFormat, content, FramedContentAuthData.of(sig));
    }

    /**
     * The signature of a commit. The confirmation tag depends on the confirmed transcript hash,
     * which covers this signature (RFC 9420 §8.2), so a commit is assembled in three steps:
     * this signature, then {@link #confirmedTranscriptHashInput(WireFormat, FramedContent, byte[])}
     * into the key schedule, then {@link #ofCommit} with the resulting confirmation tag.
     */
    public static byte[] signCommit(CipherSuite suite, SignaturePrivateKey key, WireFormat wireFormat,
            FramedContent content, GroupContext context) {
        if (content.contentType() != ContentType.COMMIT) {
            throw new InternalException("signCommit needs commit content");
        }
        return new FramedContentTbs(wireFormat, content, context).sign(suite, key);
    }

    /** A signed commit with its confirmation tag. */
    public static AuthenticatedContent ofCommit(WireFormat wireFormat, FramedContent content, byte[] signature,
            byte[] confirmationTag) {
        return new AuthenticatedContent(wireFormat, content, FramedContentAuthData.ofCommit(signature, confirmationTag));
    }

    public ContentType contentType() {
        return content.contentType();
    }

    public Sender sender() {
        return content.sender();
    }

    /** The FramedContentTBS of this content under {@code context}. */
    public FramedContentTbs toBeSigned(GroupContext context) {
        return new FramedContentTbs(wireFormat, content, context);
    }

    /** Whether the signature verifies under {@code key} with {@code context} (RFC 9420 §6.1). */
    public boolean verifySignature(CipherSuite suite, SignaturePublicKey key, GroupContext context) {
        return toBeSigned(context).verify(suite, key, auth.signature());
    }

    /**
     * Checks that the sender type may send this content (RFC 9420 §6.1, §12.1.8): an external
     * sender only proposals of the types allowed for external senders, a new_member_proposal only
     * an Add, a new_member_commit only a commit.
     *
     * @throws ValidationException with {@link FramingRule#SENDER_CONTENT_MISMATCH} or
     *     {@link FramingRule#EXTERNAL_PROPOSAL_TYPE}
     */
    public void checkSenderMayAuthor() {
        checkSenderMayAuthor(content);
    }

    static void checkSenderMayAuthor(FramedContent content) {
        switch (content.sender()) {
            case Sender.Member m -> { }
            case Sender.External e -> {
                if (!(content.content() instanceof Content.ProposalContent p)) {
                    throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "external sender");
                }
                if (!ProposalType.allowedFromExternalSender(p.proposal().type())) {
                    throw new ValidationException(FramingRule.EXTERNAL_PROPOSAL_TYPE,
                            "proposal type " + p.proposal().type());
                }
            }
            case Sender.NewMemberProposal n -> {
                if (!(content.content() instanceof Content.ProposalContent p)
                        || p.proposal().type() != ProposalType.ADD) {
                    throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "new_member_proposal");
                }
            }
            case Sender.NewMemberCommit n -> {
                if (content.contentType() != ContentType.COMMIT) {
                    throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "new_member_commit");
                }
            }
        }
    }

    /**
     * Checks the signature with the key {@code signers} gives for the sender.
     *
     * @throws ValidationException with {@link FramingRule#SIGNATURE}
     */
    public void checkSignature(CipherSuite suite, SignerKeys signers, GroupContext context) {
        if (!verifySignature(suite, signers.keyFor(content), context)) {
            throw new ValidationException(FramingRule.SIGNATURE);
        }
    }

    /** {@code RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent)} (RFC 9420 §5.2). */
    public ProposalRef proposalRef(CipherSuite suite) {
        if (contentType() != ContentType.PROPOSAL) {
            throw new InternalException("only a proposal has a ProposalRef");
        }
        return ProposalRef.of(suite, toBytes());
    }

    /**
     * The ConfirmedTranscriptHashInput of this commit (RFC 9420 §8.2):
     * <pre>
     * struct {
     *     WireFormat wire_format;
     *     FramedContent content; // with content_type = commit
     *     opaque signature&lt;V&gt;;
     * } ConfirmedTranscriptHashInput;
     * </pre>
     */
    public byte[] confirmedTranscriptHashInput() {
        return confirmedTranscriptHashInput(wireFormat, content, auth.signature());
    }

    /** ConfirmedTranscriptHashInput from its parts, before the confirmation tag exists. */
    public static byte[] confirmedTranscriptHashInput(WireFormat wireFormat, FramedContent content, byte[] signature) {
        if (content.contentType() != ContentType.COMMIT) {
            throw new InternalException("only a commit enters the transcript");
        }
        TlsWriter w = new TlsWriter(256);
        w.u16(wireFormat.wire()).write(content).opaque(signature);
        return w.toByteArray();
    }

    /** The commit's confirmation tag. */
    public byte[] confirmationTag() {
        return auth.confirmationTag().orElseThrow(() -> new InternalException("not a commit"));
    }

    /**
     * Checks {@code confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)} in
     * constant time (RFC 9420 §6.1), with the confirmation key and confirmed transcript hash of the
     * epoch this commit creates.
     *
     * @throws ValidationException with {@link FramingRule#CONFIRMATION_TAG}
     */
    public void checkConfirmationTag(CipherSuite suite, ConfirmationKey confirmationKey,
            byte[] confirmedTranscriptHash) {
        byte[] expected = suite.mac(confirmationKey.reveal(), confirmedTranscriptHash);
        if (!MessageDigest.isEqual(expected, confirmationTag())) {
            throw new ValidationException(FramingRule.CONFIRMATION_TAG);
        }
    }

    @Override
    public String toString() {
        return "AuthenticatedContent[" + wireFormat + ", " + content + "]";
    }
}
