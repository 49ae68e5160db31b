package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsWriter;

/**
 * RFC 9420 §6.3.1, the associated data of the content AEAD:
 * <pre>
 * struct {
 *     opaque group_id&lt;V&gt;;
 *     uint64 epoch;
 *     ContentType content_type;
 *     opaque authenticated_data&lt;V&gt;;
 * } PrivateContentAAD;
 * </pre>
 */
public record PrivateContentAad(byte[] groupId, long epoch, ContentType contentType, byte[] authenticatedData)
        implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.opaque(groupId).u64(epoch).u8(contentType.wire()).opaque(authenticatedData);
    }
}
