package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;

/**
 * RFC 9420 §12.1:
 * <pre>
 * struct {
 *     ProposalType proposal_type;
 *     select (Proposal.proposal_type) {
 *         case add:                      Add;
 *         case update:                   Update;
 *         case remove:                   Remove;
 *         case psk:                      PreSharedKey;
 *         case reinit:                   ReInit;
 *         case external_init:            ExternalInit;
 *         case group_context_extensions: GroupContextExtensions;
 *     };
 * } Proposal;
 * </pre>
 * One record per proposal type, each carrying its {@link ProposalType} tag.
 *
 * <p><b>Unknown proposal types.</b> The body of a Proposal has no length prefix, so a proposal of
 * a type this implementation does not know cannot be skipped over: its end, and with it the rest
 * of the enclosing message, is unknowable. {@link #decode} therefore refuses any type other than
 * the seven of RFC 9420 with a {@link dev.ampoule.mls.error.DecodeException}, and the message that
 * carried it is refused as malformed. (A client never advertises support for a type it cannot
 * parse, so a conforming peer does not send one.)
 */
public sealed interface Proposal extends TlsEncodable permits AddProposal, UpdateProposal, RemoveProposal,
        PreSharedKeyProposal, ReInitProposal, ExternalInitProposal, GroupContextExtensionsProposal {

    /** The {@code ProposalType} wire value. */
    int type();

    /** Writes the body that follows the {@code proposal_type} tag. */
    void encodeBody(TlsWriter w);

    /** Writes the tagged Proposal. */
    @Override
    default void encode(TlsWriter w) {
        w.u16(type());
        encodeBody(w);
    }

    static Proposal decode(TlsReader r) {
        int type = r.u16();
        return switch (type) {
            case ProposalType.ADD -> AddProposal.decodeBody(r);
            case ProposalType.UPDATE -> UpdateProposal.decodeBody(r);
            case ProposalType.REMOVE -> RemoveProposal.decodeBody(r);
            case ProposalType.PSK -> PreSharedKeyProposal.decodeBody(r);
            case ProposalType.REINIT -> ReInitProposal.decodeBody(r);
            case ProposalType.EXTERNAL_INIT -> ExternalInitProposal.decodeBody(r);
            case ProposalType.GROUP_CONTEXT_EXTENSIONS -> GroupContextExtensionsProposal.decodeBody(r);
            default -> throw new DecodeException("unsupported proposal type " + type);
        };
    }
}
