package dev.ampoule.relay.ds;

import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.mls.extension.ExternalSenders;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Delivery Service's public view of one group: what it needs to validate handshake messages
 * and to know the group's devices. Implemented over group-protocol's {@code PublicGroup}
 * ({@link PublicGroupView}). Not thread-safe: the Delivery Service calls it for one group at a
 * time (its per-group sequencer), possibly from a worker thread.
 */
public interface GroupView {

    long epoch();

    /** The devices of the current members (members whose credential names no device are left out). */
    Set<DeviceId> devices();

    int memberCount();

    /** The group's cipher suite (wire value). */
    int cipherSuite();

    /** The group's external senders (RFC 9420 §12.1.8.1), empty without the extension. */
    List<ExternalSenders.ExternalSender> externalSenders();

    /** The leaves of the given users' devices, leaf index → device (O(N)). */
    Map<Integer, DeviceId> leavesOf(Set<String> userIds);

    /** The sender of a member handshake message, as a device (empty for non-members / unknown identities). */
    Optional<DeviceId> senderDevice(PublicMessage message);

    /** The ratchet tree of the current epoch ({@code ratchet_tree} extension encoding). */
    Bytes ratchetTree();

    /**
     * Verifies and validates a proposal (RFC 9420 §12.1) and remembers it for the epoch's commit.
     *
     * @throws dev.ampoule.mls.error.ValidationException naming the rule broken
     */
    void processProposal(PublicMessage proposal);

    /**
     * Verifies and stages a commit (RFC 9420 §12.4.2 without secrets) and checks that
     * {@code groupInfo} describes the epoch it creates. Changes nothing until {@link #merge}.
     *
     * @throws dev.ampoule.mls.error.ValidationException naming the rule broken
     */
    Staged stageCommit(PublicMessage commit, GroupInfo groupInfo);

    /** Makes a staged commit current. */
    void merge(Staged staged);

    /** Every leaf of the current tree, as a new group's (for {@link CareTeamPolicy#checkCreate}). */
    List<CareTeamPolicy.LeafKey> leaves();

    /**
     * What a proposal (of the current epoch, sender not yet verified) is for the care-team policy:
     * its sender, its subject, and the leaf it brings (Add) or changes (Update). Changes nothing.
     */
    ProposalFacts proposalFacts(PublicMessage proposal);

    /** A proposal as {@link CareTeamPolicy#checkProposal} takes it. */
    record ProposalFacts(CareTeamPolicy.Proposed proposed, List<CareTeamPolicy.LeafKey> leaves) {
        public ProposalFacts {
            leaves = List.copyOf(leaves);
        }
    }

    /** What a staged commit changes. */
    interface Staged {
        long newEpoch();

        /** The committer's device (for an external commit, the joiner). */
        Optional<DeviceId> committer();

        boolean external();

        /** Devices of the members the commit adds. */
        Set<DeviceId> added();

        /** Devices of the members the commit removes (a resync's old leaf of the joiner included). */
        Set<DeviceId> removed();

        /** Devices after the commit. */
        Set<DeviceId> devicesAfter();

        int memberCountAfter();

        Bytes ratchetTreeAfter();

        /** The external senders of the new epoch's GroupContext. */
        List<ExternalSenders.ExternalSender> externalSendersAfter();

        /** The Commit as {@link CareTeamPolicy#checkCommit} takes it. */
        CareTeamPolicy.Commit policyFacts();
    }
}
