package dev.ampoule.mls.extension;

import dev.ampoule.mls.codec.Decoder;
import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * RFC 9420 §13.4:
 * <pre>
 * struct {
 *     ExtensionType extension_type;
 *     opaque extension_data&lt;V&gt;;
 * } Extension;
 * </pre>
 * Kept as raw bytes so that extensions this implementation does not know survive re-encoding; the
 * typed payloads ({@link RequiredCapabilities}, {@link ExternalSenders}, ...) parse
 * {@link #data()} on demand.
 */
public record Extension(int type, byte[] data) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.u16(type).opaque(data);
    }

    public static Extension decode(TlsReader r) {
        return new Extension(r.u16(), r.opaque());
    }

    /** The payload parsed with {@code decoder}, which must consume it exactly. */
    public <T> T parse(Decoder<T> decoder) {
        return TlsReader.decodeExactly(data, decoder);
    }

    /** The first extension of {@code type} in {@code extensions}. */
    public static Optional<Extension> find(List<Extension> extensions, int type) {
        for (Extension e : extensions) {
            if (e.type == type) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** True when no extension type appears twice (RFC 9420 §13.4). */
    public static boolean typesAreUnique(List<Extension> extensions) {
        return extensions.stream().mapToInt(Extension::type).distinct().count() == extensions.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Extension e && type == e.type && Arrays.equals(data, e.data);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Extension[type=" + type + ", " + data.length + " bytes]";
    }
}
