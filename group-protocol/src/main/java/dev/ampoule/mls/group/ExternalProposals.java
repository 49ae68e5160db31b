package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalType;
import dev.ampoule.mls.message.RemoveProposal;

/**
 * Proposals from outside the group (RFC 9420 §12.1.8), always PublicMessages without a membership
 * tag: those of an external sender listed in the group's external_senders extension — the relay
 * turning roster changes into Add and Remove proposals — and a client's request to be added
 * ({@code new_member_proposal}). Members validate them like any proposal and commit them by
 * reference.
 *
 * <p>The signature of an external sender does not cover the GroupContext (§6.1), so only the group
 * id and epoch are needed.
 */
public final class ExternalProposals {

    private ExternalProposals() {}

    /**
     * An Add proposal for {@code keyPackage} from the external sender at {@code senderIndex} of the
     * group's external_senders.
     */
    public static MlsMessage add(CipherSuite suite, byte[] groupId, long epoch, int senderIndex,
            SignaturePrivateKey signingKey, KeyPackage keyPackage) {
        return fromExternalSender(suite, groupId, epoch, senderIndex, signingKey, new AddProposal(keyPackage));
    }

    /** A Remove proposal for the member at {@code leafIndex} from the external sender at {@code senderIndex}. */
    public static MlsMessage remove(CipherSuite suite, byte[] groupId, long epoch, int senderIndex,
            SignaturePrivateKey signingKey, int leafIndex) {
        return fromExternalSender(suite, groupId, epoch, senderIndex, signingKey,
                new RemoveProposal(Integer.toUnsignedLong(leafIndex)));
    }

    /**
     * Any proposal an external sender may send: add, remove, psk, reinit, group_context_extensions
     * (§12.1.8).
     *
     * @throws ValidationException with {@link FramingRule#EXTERNAL_PROPOSAL_TYPE} for another type
     */
    public static MlsMessage fromExternalSender(CipherSuite suite, byte[] groupId, long epoch, int senderIndex,
            SignaturePrivateKey signingKey, Proposal proposal) {
        if (!ProposalType.allowedFromExternalSender(proposal.type())) {
            throw new ValidationException(FramingRule.EXTERNAL_PROPOSAL_TYPE, "type " + proposal.type());
        }
        return sign(suite, groupId, epoch, new Sender.External(senderIndex), signingKey, proposal);
    }

    /**
     * A client's request to join: an Add of its own KeyPackage sent as {@code new_member_proposal},
     * signed with the KeyPackage's signature key. A member must commit it for the client to be added.
     */
    public static MlsMessage joinRequest(KeyPackageBundle bundle, byte[] groupId, long epoch) {
        return sign(bundle.suite(), groupId, epoch, new Sender.NewMemberProposal(),
                bundle.signatureKeyPair().privateKey(), new AddProposal(bundle.keyPackage()));
    }

    private static MlsMessage sign(CipherSuite suite, byte[] groupId, long epoch, Sender sender,
            SignaturePrivateKey key, Proposal proposal) {
        FramedContent content = new FramedContent(groupId.clone(), epoch, sender, new byte[0],
                new Content.ProposalContent(proposal));
        // External senders do not sign over the GroupContext (RFC 9420 §6.1): none is needed.
        AuthenticatedContent ac = AuthenticatedContent.sign(suite, key, WireFormat.PUBLIC_MESSAGE, content, null);
        return new MlsMessage.OfPublicMessage(PublicMessage.protectAsNonMember(ac));
    }
}
