package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.Arrays;

/**
 * RFC 9420 §6:
 * <pre>
 * struct {
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     Sender sender;
 *     opaque authenticated_data&lt;V&gt;;
 *
 *     ContentType content_type;
 *     select (FramedContent.content_type) {
 *         case application: opaque application_data&lt;V&gt;;
 *         case proposal:    Proposal proposal;
 *         case commit:      Commit commit;
 *     };
 * } FramedContent;
 * </pre>
 */
public record FramedContent(byte[] groupId, long epoch, Sender sender, byte[] authenticatedData, Content content)
        implements TlsEncodable {

    public ContentType contentType() {
        return content.contentType();
    }

    @Override
    public void encode(TlsWriter w) {
        w.opaque(groupId).u64(epoch).write(sender).opaque(authenticatedData).u8(content.contentType().wire());
        content.encodeBody(w);
    }

    public static FramedContent decode(TlsReader r) {
        byte[] groupId = r.opaque();
        long epoch = r.u64();
        Sender sender = Sender.decode(r);
        byte[] ad = r.opaque();
        ContentType type = ContentType.decode(r);
        return new FramedContent(groupId, epoch, sender, ad, Content.decodeBody(type, r));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FramedContent f && Arrays.equals(groupId, f.groupId) && epoch == f.epoch
                && sender.equals(f.sender) && Arrays.equals(authenticatedData, f.authenticatedData)
                && content.equals(f.content);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(groupId) * 31 + Long.hashCode(epoch)) * 31 + sender.hashCode();
    }

    @Override
    public String toString() {
        return "FramedContent[epoch=" + epoch + ", " + sender + ", " + content.contentType() + "]";
    }
}
