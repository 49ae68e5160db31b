package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;

/**
 * RFC 9420 §12.4:
 * <pre>
 * enum { reserved(0), proposal(1), reference(2), (255) } ProposalOrRefType;
 * struct {
 *   ProposalOrRefType type;
 *   select (ProposalOrRef.type) {
 *     case proposal:  Proposal proposal;
 *     case reference: ProposalRef reference;
 *   };
 * } ProposalOrRef;
 * </pre>
 */
public sealed interface ProposalOrRef extends TlsEncodable permits ProposalOrRef.ByValue, ProposalOrRef.ByReference {

    /** The {@code ProposalOrRefType} wire value. */
    int tag();

    static ProposalOrRef decode(TlsReader r) {
        int tag = r.u8();
        return switch (tag) {
            case ByValue.TAG -> new ByValue(Proposal.decode(r));
            case ByReference.TAG -> new ByReference(ProposalRef.decode(r));
            default -> throw new DecodeException("invalid ProposalOrRefType " + tag);
        };
    }

    /** {@code proposal(1)}: a proposal carried inline in the Commit, sent by the committer. */
    record ByValue(Proposal proposal) implements ProposalOrRef {
        public static final int TAG = 1;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TAG).write(proposal);
        }
    }

    /** {@code reference(2)}: a proposal sent earlier in this epoch, named by its ProposalRef. */
    record ByReference(ProposalRef reference) implements ProposalOrRef {
        public static final int TAG = 2;

        @Override
        public int tag() {
            return TAG;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TAG).write(reference);
        }
    }
}
