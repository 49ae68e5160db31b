package dev.ampoule.mls.extension;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.List;

/**
 * RFC 9420 §11.1:
 * <pre>
 * struct {
 *     ExtensionType extension_types&lt;V&gt;;
 *     ProposalType proposal_types&lt;V&gt;;
 *     CredentialType credential_types&lt;V&gt;;
 * } RequiredCapabilities;
 * </pre>
 */
public record RequiredCapabilities(List<Integer> extensionTypes, List<Integer> proposalTypes,
        List<Integer> credentialTypes) implements TlsEncodable {

    public RequiredCapabilities {
        extensionTypes = List.copyOf(extensionTypes);
        proposalTypes = List.copyOf(proposalTypes);
        credentialTypes = List.copyOf(credentialTypes);
    }

    @Override
    public void encode(TlsWriter w) {
        w.vector(extensionTypes, TlsWriter::u16)
                .vector(proposalTypes, TlsWriter::u16)
                .vector(credentialTypes, TlsWriter::u16);
    }

    public static RequiredCapabilities decode(TlsReader r) {
        return new RequiredCapabilities(r.vector(TlsReader::u16), r.vector(TlsReader::u16), r.vector(TlsReader::u16));
    }

    public Extension toExtension() {
        return new Extension(ExtensionType.REQUIRED_CAPABILITIES, toBytes());
    }
}
