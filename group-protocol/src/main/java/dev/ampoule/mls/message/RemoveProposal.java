package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.InternalException;
import java.util.OptionalInt;

/**
 * RFC 9420 §12.1.3: {@code struct { uint32 removed; } Remove;} — the leaf index of the member to
 * remove.
 *
 * <p>{@code removed} is the full unsigned 32-bit value, held in a long: any value is well-formed,
 * and one beyond the tree makes the proposal invalid, not malformed. Callers compare it with the
 * tree's leaf count before narrowing it to an index ({@link #leafIndexIn(int)}).
 */
public record RemoveProposal(long removed) implements Proposal {

    public RemoveProposal {
        if (removed < 0 || removed > 0xFFFF_FFFFL) {
            throw new InternalException("leaf index out of the uint32 range");
        }
    }

    @Override
    public int type() {
        return ProposalType.REMOVE;
    }

    @Override
    public void encodeBody(TlsWriter w) {
        w.u32(removed);
    }

    public static RemoveProposal decodeBody(TlsReader r) {
        return new RemoveProposal(r.u32());
    }

    /** The removed leaf as an index into a tree of {@code leafCount} leaves; empty when outside it. */
    public OptionalInt leafIndexIn(int leafCount) {
        return removed < leafCount ? OptionalInt.of((int) removed) : OptionalInt.empty();
    }
}
