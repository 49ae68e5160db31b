package dev.ampoule.mls.group;

import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.tree.LeafNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The outcome of applying a Commit's proposal list to a copy of the ratchet tree and GroupContext
 * (RFC 9420 §12.3): the new extensions, who was added (leaf and KeyPackage, in Commit order),
 * removed and updated, the PSKs in Commit order, and the ExternalInit and ReInit if any.
 */
record AppliedProposals(List<CommittedProposal> proposals, List<Extension> extensions, boolean extensionsChanged,
        List<Integer> addedLeaves, List<KeyPackage> addedKeyPackages, List<Member> removed, List<Integer> updatedLeaves,
        List<PreSharedKeyId> psks, Optional<ExternalInitProposal> externalInit, Optional<ReInitProposal> reInit,
        boolean pathRequired) {

    AppliedProposals {
        proposals = List.copyOf(proposals);
        extensions = List.copyOf(extensions);
        addedLeaves = List.copyOf(addedLeaves);
        addedKeyPackages = List.copyOf(addedKeyPackages);
        removed = List.copyOf(removed);
        updatedLeaves = List.copyOf(updatedLeaves);
        psks = List.copyOf(psks);
    }

    /** Leaves added by this Commit: excluded from the path's encryption (§7.5, §7.6). */
    Set<Integer> addedLeafSet() {
        return Set.copyOf(addedLeaves);
    }

    boolean removes(int leaf) {
        return removed.stream().anyMatch(m -> m.leafIndex() == leaf);
    }

    /** The leaf an external commit removes to resync, if any. */
    Optional<LeafNode> resyncedLeaf() {
        return removed.isEmpty() ? Optional.empty() : Optional.of(removed.get(0).leafNode());
    }
}
