package dev.ampoule.mls.tree;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.RequiredCapabilities;
import java.util.List;

/**
 * RFC 9420 §7.2:
 * <pre>
 * struct {
 *     ProtocolVersion versions&lt;V&gt;;
 *     CipherSuite cipher_suites&lt;V&gt;;
 *     ExtensionType extensions&lt;V&gt;;
 *     ProposalType proposals&lt;V&gt;;
 *     CredentialType credentials&lt;V&gt;;
 * } Capabilities;
 * </pre>
 * Values are kept as wire integers: unknown and GREASE values are legal and must survive.
 */
public record Capabilities(List<Integer> versions, List<Integer> cipherSuites, List<Integer> extensions,
        List<Integer> proposals, List<Integer> credentials) implements TlsEncodable {

    /** ProtocolVersion mls10. */
    public static final int MLS10 = 1;

    public Capabilities {
        versions = List.copyOf(versions);
        cipherSuites = List.copyOf(cipherSuites);
        extensions = List.copyOf(extensions);
        proposals = List.copyOf(proposals);
        credentials = List.copyOf(credentials);
    }

    @Override
    public void encode(TlsWriter w) {
        w.vector(versions, TlsWriter::u16)
                .vector(cipherSuites, TlsWriter::u16)
                .vector(extensions, TlsWriter::u16)
                .vector(proposals, TlsWriter::u16)
                .vector(credentials, TlsWriter::u16);
    }

    public static Capabilities decode(TlsReader r) {
        return new Capabilities(r.vector(TlsReader::u16), r.vector(TlsReader::u16), r.vector(TlsReader::u16),
                r.vector(TlsReader::u16), r.vector(TlsReader::u16));
    }

    /**
     * Whether a leaf with these capabilities supports an extension type: the RFC 9420 default
     * extensions are always supported (§7.2), others must be listed.
     */
    public boolean supportsExtension(int type) {
        return ExtensionType.isDefault(type) || extensions.contains(type);
    }

    /**
     * Whether a proposal type is supported: the default proposal types 1–7 of RFC 9420 §17.4 are
     * always supported, others must be listed.
     */
    public boolean supportsProposal(int type) {
        return (type >= 1 && type <= 7) || proposals.contains(type);
    }

    /** Whether these capabilities meet a group's {@code required_capabilities} (RFC 9420 §11.1). */
    public boolean satisfies(RequiredCapabilities required) {
        return required.extensionTypes().stream().allMatch(this::supportsExtension)
                && required.proposalTypes().stream().allMatch(this::supportsProposal)
                && credentials.containsAll(required.credentialTypes());
    }
}
