package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.InternalException;

/**
 * RFC 9420 §6.3.1, the plaintext of a PrivateMessage:
 * <pre>
 * struct {
 *     select (PrivateMessage.content_type) {
 *         case application: opaque application_data&lt;V&gt;;
 *         case proposal:    Proposal proposal;
 *         case commit:      Commit commit;
 *     };
 *     FramedContentAuthData auth;
 *     opaque padding[length_of_padding];
 * } PrivateMessageContent;
 * </pre>
 * The padding is every byte after {@code auth}; it must be all zero, and a plaintext with a
 * non-zero padding byte is malformed ({@link DecodeException}).
 */
public record PrivateMessageContent(Content content, FramedContentAuthData auth, int paddingLength) {

    public PrivateMessageContent {
        if (paddingLength < 0) {
            throw new InternalException("negative padding");
        }
        if (!auth.fits(content.contentType())) {
            throw new InternalException("confirmation tag must be present exactly for a commit");
        }
    }

    public void encode(TlsWriter w) {
        content.encodeBody(w);
        auth.encode(w);
        w.raw(new byte[paddingLength]);
    }

    /** Decodes a whole plaintext: the content of {@code type}, the auth data, then zero padding. */
    public static PrivateMessageContent decode(byte[] plaintext, ContentType type) {
        TlsReader r = new TlsReader(plaintext);
        Content content = Content.decodeBody(type, r);
        FramedContentAuthData auth = FramedContentAuthData.decode(r, type);
        int padding = r.remaining();
        for (int i = plaintext.length - padding; i < plaintext.length; i++) {
            if (plaintext[i] != 0) {
                throw new DecodeException("non-zero padding in PrivateMessageContent");
            }
        }
        return new PrivateMessageContent(content, auth, padding);
    }
}
