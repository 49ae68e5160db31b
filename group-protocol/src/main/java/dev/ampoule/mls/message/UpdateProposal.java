package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.tree.LeafNode;

/**
 * RFC 9420 §12.1.2: {@code struct { LeafNode leaf_node; } Update;} — replace the sender's leaf and
 * blank its direct path.
 */
public record UpdateProposal(LeafNode leafNode) implements Proposal {

    @Override
    public int type() {
        return ProposalType.UPDATE;
    }

    @Override
    public void encodeBody(TlsWriter w) {
        w.write(leafNode);
    }

    public static UpdateProposal decodeBody(TlsReader r) {
        return new UpdateProposal(LeafNode.decode(r));
    }
}
