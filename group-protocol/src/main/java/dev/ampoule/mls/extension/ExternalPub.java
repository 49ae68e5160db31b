package dev.ampoule.mls.extension;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.crypto.HpkePublicKey;

/**
 * RFC 9420 §12.4.3.2: {@code struct { HPKEPublicKey external_pub; } ExternalPub;}, carried in a
 * GroupInfo so that a non-member can join by external commit.
 */
public record ExternalPub(HpkePublicKey externalPub) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.write(externalPub);
    }

    public static ExternalPub decode(TlsReader r) {
        return new ExternalPub(HpkePublicKey.decode(r));
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.EXTERNAL_PUB, toBytes());
    }
}
