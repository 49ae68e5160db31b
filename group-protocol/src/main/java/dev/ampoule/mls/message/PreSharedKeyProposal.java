package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.schedule.PreSharedKeyId;

/**
 * RFC 9420 §12.1.4: {@code struct { PreSharedKeyID psk; } PreSharedKey;} — inject this PSK into
 * the key schedule of the next epoch.
 */
public record PreSharedKeyProposal(PreSharedKeyId psk) implements Proposal {

    @Override
    public int type() {
        return ProposalType.PSK;
    }

    @Override
    public void encodeBody(TlsWriter w) {
        w.write(psk);
    }

    public static PreSharedKeyProposal decodeBody(TlsReader r) {
        return new PreSharedKeyProposal(PreSharedKeyId.decode(r));
    }
}
