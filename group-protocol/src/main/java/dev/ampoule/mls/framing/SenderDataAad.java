package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsWriter;

/**
 * RFC 9420 §6.3.2, the associated data of the sender-data AEAD (the first three fields of the
 * PrivateMessage):
 * <pre>
 * struct {
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     ContentType content_type;
 * } SenderDataAAD;
 * </pre>
 */
public record SenderDataAad(byte[] groupId, long epoch, ContentType contentType) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.opaque(groupId).u64(epoch).u8(contentType.wire());
    }
}
