package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.Proposal;
import java.util.Arrays;

/**
 * The content-type–dependent part of FramedContent and PrivateMessageContent (RFC 9420 §6, §6.3.1):
 * <pre>
 * select (content_type) {
 *     case application: opaque application_data&lt;V&gt;;
 *     case proposal:    Proposal proposal;
 *     case commit:      Commit commit;
 * };
 * </pre>
 * The tag lives in the enclosing struct ({@code FramedContent.content_type} or
 * {@code PrivateMessage.content_type}), so only the body is encoded here.
 */
public sealed interface Content permits Content.ApplicationData, Content.ProposalContent, Content.CommitContent {

    ContentType contentType();

    /** Writes the body without the content type. */
    void encodeBody(TlsWriter w);

    static Content decodeBody(ContentType type, TlsReader r) {
        return switch (type) {
            case APPLICATION -> new ApplicationData(r.opaque());
            case PROPOSAL -> new ProposalContent(Proposal.decode(r));
            case COMMIT -> new CommitContent(Commit.decode(r));
        };
    }

    /** Application data; only ever sent in a PrivateMessage. */
    record ApplicationData(byte[] data) implements Content {
        @Override
        public ContentType contentType() {
            return ContentType.APPLICATION;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.opaque(data);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ApplicationData a && Arrays.equals(data, a.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "ApplicationData[" + data.length + " bytes]";
        }
    }

    /** A proposal. */
    record ProposalContent(Proposal proposal) implements Content {
        @Override
        public ContentType contentType() {
            return ContentType.PROPOSAL;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.write(proposal);
        }
    }

    /** A commit. */
    record CommitContent(Commit commit) implements Content {
        @Override
        public ContentType contentType() {
            return ContentType.COMMIT;
        }

        @Override
        public void encodeBody(TlsWriter w) {
            w.write(commit);
        }
    }
}
