package dev.ampoule.mls.framing;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.schedule.ConfirmationKey;

/**
 * An {@link AuthenticatedContent} that came out of {@link PublicMessage#unprotect} or
 * {@link PrivateMessage#unprotect}: its group and epoch matched, its membership tag or AEAD
 * protection held, its sender type may send its content, and its signature verified. Only this
 * package creates one, so holding a VerifiedContent is the proof that these checks ran.
 *
 * <p>Not yet checked: the confirmation tag of a commit, which needs the key schedule of the epoch
 * the commit creates ({@link #checkConfirmationTag}), and the rules that need the group's state
 * (proposal list validation, RFC 9420 §12.2).
 */
public final class VerifiedContent {

    private final AuthenticatedContent content;

    VerifiedContent(AuthenticatedContent content) {
        this.content = content;
    }

    public AuthenticatedContent authenticatedContent() {
        return content;
    }

    public FramedContent framedContent() {
        return content.content();
    }

    public Sender sender() {
        return content.sender();
    }

    public ContentType contentType() {
        return content.contentType();
    }

    public WireFormat wireFormat() {
        return content.wireFormat();
    }

    /** See {@link AuthenticatedContent#checkConfirmationTag}. */
    public void checkConfirmationTag(CipherSuite suite, ConfirmationKey confirmationKey,
            byte[] confirmedTranscriptHash) {
        content.checkConfirmationTag(suite, confirmationKey, confirmedTranscriptHash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifiedContent v && content.equals(v.content);
    }

    @Override
    public int hashCode() {
        return content.hashCode();
    }

    @Override
    public String toString() {
        return "Verified" + content;
    }
}
