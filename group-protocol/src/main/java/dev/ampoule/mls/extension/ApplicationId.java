package dev.ampoule.mls.extension;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;

/** RFC 9420 §5.3.3: {@code opaque application_id<V>;} in a LeafNode's extensions. */
public record ApplicationId(byte[] id) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.opaque(id);
    }

    public static ApplicationId decode(TlsReader r) {
        return new ApplicationId(r.opaque());
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.APPLICATION_ID, toBytes());
    }
}
