package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.group.GroupRule;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.TeamMember;
import java.util.List;
import java.util.Optional;

/**
 * Who may change a care team's group, and with which keys: the table of PROTOCOL.md "Care-team
 * groups", in one place. The Delivery Service gets it at construction and asks it about every
 * group creation, proposal and Commit of a care team's group (RFC 9420 §12.2 lets an application
 * add such rules to proposal list validation; mls-rs injects its {@code MlsRules} the same way).
 *
 * <ul>
 *   <li>Only a coordinator on the roster creates the team's group; every leaf of its tree is a
 *       device of a rostered user.</li>
 *   <li>Keys are bound to devices: a leaf enters or changes its signature key only with a key its
 *       device registered over its own connection (a KeyPackage it published).</li>
 *   <li>Add: a device of a rostered user (the relay's own Adds always pass: it made them from the
 *       roster). Update, and Commits with a path only: every member.</li>
 *   <li>Remove: by the relay's proposals; a member removes only devices of its own user; a
 *       joiner only its own old leaf (resync).</li>
 *   <li>ReInit, GroupContextExtensions, PreSharedKey: only the relay (which makes none).</li>
 *   <li>External commit (ExternalInit): a device of a rostered user, with a registered key (the
 *       Delivery Service also requires its user to have a device in the group already).</li>
 * </ul>
 * A refusal is a {@link ValidationException} with a {@link RosterRule} ({@code INVALID_MESSAGE}),
 * or a {@link RelayException} with {@code FORBIDDEN}. Stateless; the facts come from the group's
 * view ({@link GroupView}) and the team ({@link Team}).
 */
public final class CareTeamPolicy {

    /** What the policy reads of a team: its roster's roles and the signature keys devices registered. */
    public interface Team {
        /** The user's role on the team's roster; empty when not on it. */
        Optional<String> role(String userId);

        /** Whether the device registered the key over its own connection. */
        boolean registered(DeviceId device, SignaturePublicKey key);
    }

    /** Who sent a proposal, or a Commit's proposals by value. */
    public sealed interface Origin {
        /** The relay, as the group's external sender (a care team's group lists no other). */
        record Relay() implements Origin {
        }

        /** A member, by its device (empty when its credential names none). */
        record Member(Optional<DeviceId> device) implements Origin {
        }

        /** The device joining by external commit (empty when its credential names none). */
        record Joiner(Optional<DeviceId> device) implements Origin {
        }
    }

    /**
     * A proposal as the policy sees it: its sender and its subject — the device an Add adds, the
     * device at the leaf a Remove removes, the sender of an Update; empty when there is none or it
     * names no device.
     */
    public record Proposed(Proposal proposal, Origin origin, Optional<DeviceId> subject) {
    }

    /**
     * A leaf that enters the tree ({@code before} empty) or is replaced (an Update, a Commit's path):
     * its device and its signature key.
     */
    public record LeafKey(int leaf, Optional<DeviceId> device, SignaturePublicKey key,
            Optional<SignaturePublicKey> before) {
    }

    /** A staged Commit: who commits, the proposals it covers in order, the leaves it brings or changes. */
    public record Commit(Origin committer, List<Proposed> proposals, List<LeafKey> leaves) {
        public Commit {
            proposals = List.copyOf(proposals);
            leaves = List.copyOf(leaves);
        }
    }

    private static final CareTeamPolicy STANDARD = new CareTeamPolicy();

    private CareTeamPolicy() {
    }

    /** The policy of PROTOCOL.md. */
    public static CareTeamPolicy standard() {
        return STANDARD;
    }

    /**
     * A group being created for the team: the creator must be a coordinator on the roster
     * ({@code FORBIDDEN}), and each leaf of its tree a device of a rostered user
     * ({@link RosterRule#MEMBER_NOT_ROSTERED}). The keys are checked by {@link #checkCreateKeys},
     * after the external senders.
     */
    public void checkCreate(Team team, DeviceId creator, List<LeafKey> leaves) {
        if (!team.role(creator.userId()).map(TeamMember.COORDINATOR::equals).orElse(false)) {
            throw new RelayException(ErrorCode.FORBIDDEN, "only a coordinator on the team's roster creates its group");
        }
        for (LeafKey l : leaves) {
            if (l.device().isEmpty() || team.role(l.device().get().userId()).isEmpty()) {
                throw new ValidationException(RosterRule.MEMBER_NOT_ROSTERED);
            }
        }
    }

    /** Every leaf of a new group's tree has a key its device registered ({@link RosterRule#KEY_NOT_REGISTERED}). */
    public void checkCreateKeys(Team team, List<LeafKey> leaves) {
        leaves.forEach(l -> checkKey(team, l));
    }

    /** A proposal sent on its own (SendProposal), with the leaf it brings or changes (an Add's, an Update's). */
    public void checkProposal(Team team, Proposed proposal, List<LeafKey> leaves) {
        check(team, proposal);
        leaves.forEach(l -> checkKey(team, l));
    }

    /** A Commit staged by the group's view: each proposal it covers, a joiner's roster, each leaf it brings or changes. */
    public void checkCommit(Team team, Commit commit) {
        if (commit.committer() instanceof Origin.Joiner j
                && j.device().flatMap(d -> team.role(d.userId())).isEmpty()) {
            throw new ValidationException(RosterRule.ADD_NOT_ROSTERED);
        }
        commit.proposals().forEach(p -> check(team, p));
        commit.leaves().forEach(l -> checkKey(team, l));
    }

    /** One row of the table: the proposal's kind, who sent it, and whom it concerns. */
    private static void check(Team team, Proposed p) {
        if (p.origin() instanceof Origin.Relay) {
            return; // the relay's own proposals: Adds and Removes from the roster (and nothing else today)
        }
        switch (p.proposal()) {
            case AddProposal a -> {
                if (p.subject().flatMap(d -> team.role(d.userId())).isEmpty()) {
                    throw new ValidationException(RosterRule.ADD_NOT_ROSTERED);
                }
            }
            case UpdateProposal u -> {
                // every member may refresh its own leaf (post-compromise security); a new key must be registered
            }
            case RemoveProposal r -> {
                boolean allowed = switch (p.origin()) {
                    case Origin.Member m -> m.device().isPresent() && p.subject().isPresent()
                            && m.device().get().userId().equals(p.subject().get().userId());
                    case Origin.Joiner j -> j.device().isPresent() && j.device().equals(p.subject());
                    case Origin.Relay x -> true;
                };
                if (!allowed) {
                    throw new ValidationException(RosterRule.REMOVE_NOT_ALLOWED);
                }
            }
            case PreSharedKeyProposal k -> throw new ValidationException(RosterRule.PSK_NOT_ALLOWED);
            case ReInitProposal r -> throw new ValidationException(RosterRule.REINIT_NOT_ALLOWED);
            case GroupContextExtensionsProposal g ->
                    throw new ValidationException(RosterRule.GROUP_CONTEXT_EXTENSIONS_NOT_ALLOWED);
            case ExternalInitProposal e -> {
                if (!(p.origin() instanceof Origin.Joiner)) {
                    throw new ValidationException(GroupRule.EXTERNAL_INIT_OUTSIDE_EXTERNAL_COMMIT);
                }
            }
        }
    }

    /** A leaf keeps its key, or brings one its device registered. */
    private static void checkKey(Team team, LeafKey l) {
        if (l.before().isPresent() && l.before().get().equals(l.key())) {
            return;
        }
        if (l.device().isEmpty() || !team.registered(l.device().get(), l.key())) {
            throw new ValidationException(RosterRule.KEY_NOT_REGISTERED);
        }
    }
}
