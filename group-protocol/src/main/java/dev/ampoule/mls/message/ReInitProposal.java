package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.extension.Extension;
import java.util.Arrays;
import java.util.List;

/**
 * RFC 9420 §12.1.5:
 * <pre>
 * struct {
 *     opaque group_id&lt;V&gt;;
 *     ProtocolVersion version;
 *     CipherSuite cipher_suite;
 *     Extension extensions&lt;V&gt;;
 * } ReInit;
 * </pre>
 * Version and suite are kept as wire values.
 */
public record ReInitProposal(byte[] groupId, int version, int cipherSuite, List<Extension> extensions)
        implements Proposal {

    public ReInitProposal {
        extensions = List.copyOf(extensions);
    }

    @Override
    public int type() {
        return ProposalType.REINIT;
    }

    @Override
    public void encodeBody(TlsWriter w) {
        w.opaque(groupId).u16(version).u16(cipherSuite).vector(extensions);
    }

    public static ReInitProposal decodeBody(TlsReader r) {
        return new ReInitProposal(r.opaque(), r.u16(), r.u16(), r.vector(Extension::decode));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReInitProposal p && Arrays.equals(groupId, p.groupId) && version == p.version
                && cipherSuite == p.cipherSuite && extensions.equals(p.extensions);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(groupId) * 31 + cipherSuite;
    }

    @Override
    public String toString() {
        return "ReInitProposal[version=" + version + ", suite=" + cipherSuite + ", " + extensions.size()
                + " extensions]";
    }
}
