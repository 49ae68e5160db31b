package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import java.util.Arrays;

/**
 * RFC 9420 §12.1.6: {@code struct { opaque kem_output<V>; } ExternalInit;} — the KEM output from
 * which the members derive the init_secret of an external commit (§8.3).
 */
public record ExternalInitProposal(byte[] kemOutput) implements Proposal {

    @Override
    public int type() {
        return ProposalType.EXTERNAL_INIT;
    }

    @Override
    public void encodeBody(TlsWriter w) {
        w.opaque(kemOutput);
    }

    public static ExternalInitProposal decodeBody(TlsReader r) {
        return new ExternalInitProposal(r.opaque());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExternalInitProposal p && Arrays.equals(kemOutput, p.kemOutput);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kemOutput);
    }

    @Override
    public String toString() {
        return "ExternalInitProposal[" + kemOutput.length + " bytes]";
    }
}
