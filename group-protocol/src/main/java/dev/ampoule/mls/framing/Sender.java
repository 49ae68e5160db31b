package dev.ampoule.mls.framing;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.error.DecodeException;

/**
 * RFC 9420 §6:
 * <pre>
 * enum {
 *     reserved(0), member(1), external(2), new_member_proposal(3), new_member_commit(4), (255)
 * } SenderType;
 *
 * struct {
 *     SenderType sender_type;
 *     select (Sender.sender_type) {
 *         case member:              uint32 leaf_index;
 *         case external:            uint32 sender_index;
 *         case new_member_commit:
 *         case new_member_proposal: struct{};
 *     };
 * } Sender;
 * </pre>
 * Indices above {@code Integer.MAX_VALUE} fail to decode.
 */
public sealed interface Sender extends TlsEncodable
        permits Sender.Member, Sender.External, Sender.NewMemberProposal, Sender.NewMemberCommit {

    /** The {@code SenderType} wire value. */
    int senderType();

    /**
     * Whether FramedContentTBS covers the GroupContext for this sender: {@code member} and
     * {@code new_member_commit} (RFC 9420 §6.1).
     */
    default boolean signsGroupContext() {
        return this instanceof Member || this instanceof NewMemberCommit;
    }

    static Sender decode(TlsReader r) {
        int type = r.u8();
        return switch (type) {
            case Member.TYPE -> new Member(r.u32AsInt());
            case External.TYPE -> new External(r.u32AsInt());
            case NewMemberProposal.TYPE -> new NewMemberProposal();
            case NewMemberCommit.TYPE -> new NewMemberCommit();
            default -> throw new DecodeException("invalid sender type " + type);
        };
    }

    /** {@code member(1)}: the member at {@code leafIndex} of the ratchet tree. */
    record Member(int leafIndex) implements Sender {
        public static final int TYPE = 1;

        @Override
        public int senderType() {
            return TYPE;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TYPE).u32(Integer.toUnsignedLong(leafIndex));
        }
    }

    /** {@code external(2)}: the external sender at {@code senderIndex} of external_senders. */
    record External(int senderIndex) implements Sender {
        public static final int TYPE = 2;

        @Override
        public int senderType() {
            return TYPE;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TYPE).u32(Integer.toUnsignedLong(senderIndex));
        }
    }

    /** {@code new_member_proposal(3)}: a client asking to be added by an external Add proposal. */
    record NewMemberProposal() implements Sender {
        public static final int TYPE = 3;

        @Override
        public int senderType() {
            return TYPE;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TYPE);
        }
    }

    /** {@code new_member_commit(4)}: a client joining by external commit. */
    record NewMemberCommit() implements Sender {
        public static final int TYPE = 4;

        @Override
        public int senderType() {
            return TYPE;
        }

        @Override
        public void encode(TlsWriter w) {
            w.u8(TYPE);
        }
    }
}
