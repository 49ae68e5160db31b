package dev.ampoule.relay.protocol;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Field codecs shared by the frames: {@code opaque<V>} as {@link Bytes} and as UTF-8 text. */
final class Wire {

    private Wire() {
    }

    static void bytes(TlsWriter w, Bytes b) {
        w.opaque(b.unsafeArray());
    }

    static Bytes bytes(TlsReader r) {
        return Bytes.wrap(r.opaque());
    }

    static void string(TlsWriter w, String s) {
        w.opaque(s.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code opaque<V>} holding well-formed UTF-8. */
    static String string(TlsReader r) {
        byte[] raw = r.opaque();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new DecodeException("text field is not UTF-8");
        }
    }
}
