package dev.ampoule.client;

import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.CommittedProposal;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a member checks itself on each Commit of a care team's group (a group whose GroupContext
 * lists an external sender: the relay), before merging it: the relay refuses such Commits, and a
 * device does not rely on that alone (PROTOCOL.md "Care-team groups").
 * <ul>
 *   <li>A Remove of another user's leaf comes only from the relay's proposals (covered by
 *       reference): a member removes only devices of its own user, a joiner only its own old leaf.</li>
 *   <li>ReInit and GroupContextExtensions come only from the relay (which makes none today).</li>
 * </ul>
 * Stateless; groups without external senders (ad hoc) follow none of this.
 */
final class CareTeamRules {

    private CareTeamRules() {
    }

    /** Whether the group is a care team's: it lists an external sender. */
    static boolean careTeam(Group group) {
        return Extension.find(group.groupContext().extensions(), ExtensionType.EXTERNAL_SENDERS).isPresent();
    }

    /**
     * Why {@code commit}, staged by {@code group} and not merged yet, breaks the care team's rules;
     * empty when it keeps them (or the group is not a care team's).
     */
    static Optional<String> violation(Group group, StagedCommit commit) {
        if (!careTeam(group)) {
            return Optional.empty();
        }
        Map<Integer, Optional<DeviceId>> before = new HashMap<>();
        for (Member m : group.members()) {
            before.put(m.leafIndex(), GroupSession.deviceOf(m.credential()));
        }
        Map<Integer, Member> removed = new HashMap<>();
        commit.removedMembers().forEach(m -> removed.put(m.leafIndex(), m));
        Optional<DeviceId> joiner = commit.isExternal()
                ? commit.addedMembers().stream().findFirst().flatMap(m -> GroupSession.deviceOf(m.credential()))
                : Optional.empty();
        for (CommittedProposal p : commit.proposals()) {
            if (p.sender() instanceof Sender.External) {
                continue; // the relay's proposal, covered by reference
            }
            switch (p.proposal()) {
                case RemoveProposal r -> {
                    Member m = r.removed() <= Integer.MAX_VALUE ? removed.get((int) r.removed()) : null;
                    Optional<DeviceId> target = m == null ? Optional.empty() : GroupSession.deviceOf(m.credential());
                    Optional<DeviceId> proposer = switch (p.sender()) {
                        case Sender.Member s -> before.getOrDefault(s.leafIndex(), Optional.empty());
                        case Sender.NewMemberCommit n -> joiner;
                        default -> Optional.empty();
                    };
                    boolean own = target.isPresent() && proposer.isPresent()
                            && (p.sender() instanceof Sender.NewMemberCommit ? target.equals(proposer)
                                    : target.get().userId().equals(proposer.get().userId()));
                    if (!own) {
                        return Optional.of("it removes " + target.map(DeviceId::toString).orElse("a member")
                                + " without the relay's proposal");
                    }
                }
                case ReInitProposal x -> {
                    return Optional.of("it reinitializes the group without the relay's proposal");
                }
                case GroupContextExtensionsProposal x -> {
                    return Optional.of("it changes the group's extensions without the relay's proposal");
                }
                default -> {
                    // Adds, Updates, PSKs, paths: the relay checks them against the roster and the registered keys
                }
            }
        }
        return Optional.empty();
    }
}
