package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.extension.Extension;
import java.util.List;

/**
 * RFC 9420 §12.1.7: {@code struct { Extension extensions<V>; } GroupContextExtensions;} — the
 * complete new list of GroupContext extensions (a replacement, not a merge).
 */
public record GroupContextExtensionsProposal(List<Extension> extensions) implements Proposal {

    public GroupContextExtensionsProposal {
        extensions = List.copyOf(extensions);
    }

    @Override
    public int type() {
        return ProposalType.GROUP_CONTEXT_EXTENSIONS;
    }

    @Override
    public void encodeBody(TlsWriter w) {
        w.vector(extensions);
    }

    public static GroupContextExtensionsProposal decodeBody(TlsReader r) {
        return new GroupContextExtensionsProposal(r.vector(Extension::decode));
    }
}
