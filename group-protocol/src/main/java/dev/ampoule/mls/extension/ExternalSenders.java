package dev.ampoule.mls.extension;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import java.util.List;

/**
 * RFC 9420 §12.1.8.1: {@code ExternalSender external_senders<V>;}, the non-members allowed to send
 * proposals to the group (the relay is one), indexed by their position in this list.
 */
public record ExternalSenders(List<ExternalSender> senders) implements TlsEncodable {

    public ExternalSenders {
        senders = List.copyOf(senders);
    }

    /**
     * <pre>
     * struct {
     *   SignaturePublicKey signature_key;
     *   Credential credential;
     * } ExternalSender;
     * </pre>
     */
    public record ExternalSender(SignaturePublicKey signatureKey, Credential credential) implements TlsEncodable {
        @Override
        public void encode(TlsWriter w) {
            w.write(signatureKey).write(credential);
        }

        public static ExternalSender decode(TlsReader r) {
            return new ExternalSender(SignaturePublicKey.decode(r), Credential.decode(r));
        }
    }

    @Override
    public void encode(TlsWriter w) {
        w.vector(senders);
    }

    public static ExternalSenders decode(TlsReader r) {
        return new ExternalSenders(r.vector(ExternalSender::decode));
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.EXTERNAL_SENDERS, toBytes());
    }
}
