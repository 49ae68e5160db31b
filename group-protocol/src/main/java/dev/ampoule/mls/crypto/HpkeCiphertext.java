package dev.ampoule.mls.crypto;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;

/**
 * RFC 9420 §7.6:
 * <pre>
 * struct {
 *     opaque kem_output&lt;V&gt;;
 *     opaque ciphertext&lt;V&gt;;
 * } HPKECiphertext;
 * </pre>
 */
public record HpkeCiphertext(byte[] kemOutput, byte[] ciphertext) implements TlsEncodable {

    @Override
    public void encode(TlsWriter w) {
        w.opaque(kemOutput).opaque(ciphertext);
    }

    public static HpkeCiphertext decode(TlsReader r) {
        return new HpkeCiphertext(r.opaque(), r.opaque());
    }

    @Override
    public String toString() {
        return "HpkeCiphertext[" + kemOutput.length + "+" + ciphertext.length + " bytes]";
    }
}
