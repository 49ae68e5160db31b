package dev.ampoule.client;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.CommittedProposal;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The members a Commit adds and the devices it removes, split by who proposed each change: a member
 * (its own proposal, or the committer's by value) or the relay (an external sender's proposal, made
 * when a coordinator changed the care team's roster).
 */
record MembershipChange(List<MemberIdentity> added, List<MemberIdentity> addedByRelay, List<DeviceId> removed,
        List<DeviceId> removedByRelay, boolean selfRemovedByRelay) {

    /**
     * The change {@code c} makes, seen by the member at {@code ownLeaf} before merging it; added
     * members are identified by {@code identify} (from their leaf's credential and signature key).
     */
    static MembershipChange of(StagedCommit c, int ownLeaf,
            BiFunction<Credential, SignaturePublicKey, Optional<MemberIdentity>> identify) {
        Map<Integer, Member> removedMembers = new HashMap<>();
        for (Member m : c.removedMembers()) {
            removedMembers.put(m.leafIndex(), m);
        }
        List<MemberIdentity> added = new ArrayList<>();
        List<MemberIdentity> addedByRelay = new ArrayList<>();
        List<DeviceId> removed = new ArrayList<>();
        List<DeviceId> removedByRelay = new ArrayList<>();
        boolean selfByRelay = false;
        for (CommittedProposal p : c.proposals()) {
            boolean relay = p.sender() instanceof Sender.External;
            switch (p.proposal()) {
                case AddProposal a -> identify.apply(a.keyPackage().leafNode().credential(),
                        a.keyPackage().leafNode().signatureKey()).ifPresent((relay ? addedByRelay : added)::add);
                case RemoveProposal r -> {
                    Member m = r.removed() <= Integer.MAX_VALUE ? removedMembers.get((int) r.removed()) : null;
                    if (m != null) {
                        selfByRelay |= relay && m.leafIndex() == ownLeaf;
                        GroupSession.deviceOf(m.credential()).ifPresent((relay ? removedByRelay : removed)::add);
                    }
                }
                default -> {
                    // updates, PSKs, extensions: no change of membership
                }
            }
        }
        return new MembershipChange(List.copyOf(added), List.copyOf(addedByRelay), List.copyOf(removed),
                List.copyOf(removedByRelay), selfByRelay);
    }
}
