package dev.ampoule.mls.schedule;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsWriter;

/**
 * RFC 9420 §8.4:
 * <pre>
 * struct {
 *     PreSharedKeyID id;
 *     uint16 index;
 *     uint16 count;
 * } PSKLabel;
 * </pre>
 * The context of the {@code "derived psk"} expansion: which PSK of how many.
 */
public record PskLabel(PreSharedKeyId id, int index, int count) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.write(id).u16(index).u16(count);
    }
}
