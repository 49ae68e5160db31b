package dev.ampoule.mls.group;

import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.message.ProposalRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * The proposals received (or sent) in the current epoch, by reference, in arrival order
 * (RFC 9420 §12.1: "cached in such a way that it can be retrieved by hash"). Emptied when the epoch
 * ends. Keeps each proposal's AuthenticatedContent so a saved state can rebuild it.
 */
final class ProposalCache {

    /** A cached proposal with the content that carried it. */
    record Entry(VerifiedProposal proposal, AuthenticatedContent content) {}

    private final LinkedHashMap<ProposalRef, Entry> entries;

    ProposalCache() {
        this.entries = new LinkedHashMap<>();
    }

    private ProposalCache(LinkedHashMap<ProposalRef, Entry> entries) {
        this.entries = entries;
    }

    ProposalCache copy() {
        return new ProposalCache(new LinkedHashMap<>(entries));
    }

    void put(VerifiedProposal proposal, AuthenticatedContent content) {
        entries.putIfAbsent(proposal.ref(), new Entry(proposal, content));
    }

    Optional<VerifiedProposal> get(ProposalRef ref) {
        Entry e = entries.get(ref);
        return e == null ? Optional.empty() : Optional.of(e.proposal());
    }

    List<VerifiedProposal> proposals() {
        List<VerifiedProposal> out = new ArrayList<>(entries.size());
        entries.values().forEach(e -> out.add(e.proposal()));
        return out;
    }

    List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    int size() {
        return entries.size();
    }

    void clear() {
        entries.clear();
    }
}
