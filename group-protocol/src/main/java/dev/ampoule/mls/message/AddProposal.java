package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;

/**
 * RFC 9420 §12.1.1: {@code struct { KeyPackage key_package; } Add;} — add the client of this
 * KeyPackage at the leftmost blank leaf.
 */
public record AddProposal(KeyPackage keyPackage) implements Proposal {

    @Override
    public int type() {
        return ProposalType.ADD;
    }

    @Override
    public void encodeBody(TlsWriter w) {
        w.write(keyPackage);
    }

    public static AddProposal decodeBody(TlsReader r) {
        return new AddProposal(KeyPackage.decode(r));
    }
}
