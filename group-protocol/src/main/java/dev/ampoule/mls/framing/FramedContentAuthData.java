package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.Arrays;
import java.util.Optional;

/**
 * RFC 9420 §6.1:
 * <pre>
 * opaque MAC&lt;V&gt;;
 * struct {
 *     // SignWithLabel(., "FramedContentTBS", FramedContentTBS)
 *     opaque signature&lt;V&gt;;
 *     select (FramedContent.content_type) {
 *         case commit:
 *             // MAC(confirmation_key, GroupContext.confirmed_transcript_hash)
 *             MAC confirmation_tag;
 *         case application:
 *         case proposal:
 *             struct{};
 *     };
 * } FramedContentAuthData;
 * </pre>
 * The confirmation tag is present exactly when the content is a commit; {@link AuthenticatedContent}
 * enforces this.
 */
public record FramedContentAuthData(byte[] signature, Optional<byte[]> confirmationTag) {

    /** Auth data of an application message or proposal: the signature alone. */
    public static FramedContentAuthData of(byte[] signature) {
        return new FramedContentAuthData(signature, Optional.empty());
    }

    /** Auth data of a commit. */
    public static FramedContentAuthData ofCommit(byte[] signature, byte[] confirmationTag) {
        return new FramedContentAuthData(signature, Optional.of(confirmationTag));
    }

    public void encode(TlsWriter w) {
        w.opaque(signature);
        confirmationTag.ifPresent(w::opaque);
    }

    public static FramedContentAuthData decode(TlsReader r, ContentType type) {
        byte[] signature = r.opaque();
        return type == ContentType.COMMIT ? ofCommit(signature, r.opaque()) : of(signature);
    }

    /** Whether the confirmation tag's presence agrees with the content type. */
    boolean fits(ContentType type) {
        return confirmationTag.isPresent() == (type == ContentType.COMMIT);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FramedContentAuthData a && Arrays.equals(signature, a.signature)
                && confirmationTag.isPresent() == a.confirmationTag.isPresent()
                && (confirmationTag.isEmpty() || Arrays.equals(confirmationTag.get(), a.confirmationTag.get()));
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "FramedContentAuthData[signature " + signature.length + " bytes"
                + (confirmationTag.isPresent() ? ", confirmation tag" : "") + "]";
    }
}
