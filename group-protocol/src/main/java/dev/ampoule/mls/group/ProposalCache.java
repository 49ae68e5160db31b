package dev.ampoule.mls.group;

import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.message.ProposalRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The proposals received (or sent) in the current epoch, by reference, in arrival order
 * (RFC 9420 §12.1: "cached in such a way that it can be retrieved by hash"). An immutable value:
 * {@link #with} gives the cache with one more proposal. Keeps each proposal's AuthenticatedContent
 * so a saved state can rebuild it. A new epoch starts with {@link #EMPTY}.
 */
final class ProposalCache {

    /** A cached proposal with the content that carried it. */
    record Entry(VerifiedProposal proposal, AuthenticatedContent content) {}

    static final ProposalCache EMPTY = new ProposalCache(Map.of());

    /** Insertion-ordered, unmodifiable. */
    private final Map<ProposalRef, Entry> entries;

    private ProposalCache(Map<ProposalRef, Entry> entries) {
        this.entries = entries;
    }

    /** The cache with {@code proposal} added last, or this cache when it holds that proposal already. */
    ProposalCache with(VerifiedProposal proposal, AuthenticatedContent content) {
        if (entries.containsKey(proposal.ref())) {
            return this;
        }
        LinkedHashMap<ProposalRef, Entry> more = new LinkedHashMap<>(entries);
        more.put(proposal.ref(), new Entry(proposal, content));
        return new ProposalCache(Collections.unmodifiableMap(more));
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
}
