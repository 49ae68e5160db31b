package dev.ampoule.client;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.Rule;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.GroupRule;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalOrRef;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Tells why a handshake message the group refused was refused, when the reason is a member: the
 * message brings a credential this device's Authentication Service does not accept — an Add's
 * KeyPackage, an Update's leaf, a Commit's new leaf (the committer's, or a joiner's) — or gives an
 * existing member another device's name. Used after {@link dev.ampoule.mls.group.Group#process}
 * failed, on the message as it came: nothing of it was applied.
 */
final class UntrustedMembers {

    private UntrustedMembers() {
    }

    /** A leaf the message introduces, where, and the leaf it replaces (the sender's own, for an Update or a path). */
    private record Introduced(LeafNode leaf, CredentialContext context, Optional<Member> replaces) {
    }

    /** The first member of {@code message} that {@code auth} refuses, as an event; empty if none. */
    static Optional<ClientEvent.UntrustedMember> find(GroupSession s, long seq, Bytes message, MemberAuthentication auth) {
        if (s.group == null) {
            return Optional.empty();
        }
        FramedContent content;
        try {
            if (!(MlsMessage.fromBytes(message.unsafeArray()) instanceof MlsMessage.OfPublicMessage pm)) {
                return Optional.empty();
            }
            content = pm.message().content();
        } catch (MlsException e) {
            return Optional.empty();
        }
        Optional<Member> sender = content.sender() instanceof Sender.Member m
                ? s.group.publicGroup().member(m.leafIndex()) : Optional.empty();
        Optional<DeviceId> by = sender.flatMap(m -> DeviceNames.deviceOf(m.credential()));
        boolean byRelay = content.sender() instanceof Sender.External;
        List<Introduced> introduced = new ArrayList<>();
        switch (content.content()) {
            case Content.ProposalContent p -> introduce(p.proposal(), sender, introduced);
            case Content.CommitContent c -> {
                for (ProposalOrRef ref : c.commit().proposals()) {
                    if (ref instanceof ProposalOrRef.ByValue v) {
                        introduce(v.proposal(), sender, introduced);
                    }
                }
                c.commit().path().ifPresent(path -> introduced.add(
                        new Introduced(path.leafNode(), CredentialContext.COMMIT_PATH, sender)));
            }
            case Content.ApplicationData a -> { }
        }
        CipherSuiteId suite = s.group.suite().id();
        for (Introduced i : introduced) {
            Credential credential = i.leaf().credential();
            Optional<DeviceId> claimed = DeviceNames.deviceOf(credential);
            try {
                auth.validate(credential, i.leaf().signatureKey(), suite, i.context());
            } catch (ValidationException refused) {
                return Optional.of(event(s, seq, by, byRelay, claimed, refused.rule()));
            }
            if (i.replaces().isPresent() && !auth.allowsReplacement(i.replaces().get().credential(), credential)) {
                return Optional.of(event(s, seq, by, byRelay, claimed, GroupRule.CREDENTIAL_NOT_SUCCESSOR));
            }
        }
        return Optional.empty();
    }

    /** Whether a rule is about a member's credential (the Authentication Service's). */
    static boolean credentialRule(Rule rule) {
        return rule instanceof CredentialRule || rule instanceof MemberRule || rule == GroupRule.CREDENTIAL_NOT_SUCCESSOR;
    }

    private static void introduce(Proposal proposal, Optional<Member> sender, List<Introduced> out) {
        switch (proposal) {
            case AddProposal a -> out.add(new Introduced(a.keyPackage().leafNode(), CredentialContext.KEY_PACKAGE,
                    Optional.empty()));
            case UpdateProposal u -> out.add(new Introduced(u.leafNode(), CredentialContext.UPDATE, sender));
            default -> { }
        }
    }

    private static ClientEvent.UntrustedMember event(GroupSession s, long seq, Optional<DeviceId> by, boolean byRelay,
            Optional<DeviceId> claimed, Rule rule) {
        return new ClientEvent.UntrustedMember(s.groupId, seq, by, byRelay, claimed, rule.name(), rule.description());
    }
}
