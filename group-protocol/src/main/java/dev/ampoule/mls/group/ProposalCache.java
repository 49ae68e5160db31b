package dev.ampoule.mls.group;

import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.message.ProposalRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The proposals received (or sent) in the current epoch, by reference, in arrival order
 * (RFC 9420 §12.1: "cached in such a way that it can be retrieved by hash"). An immutable value:
 * {@link #with} gives the cache with one more proposal, and no value ever sees a proposal added to
 * another. Keeps each proposal's AuthenticatedContent so a saved state can rebuild it. A new epoch
 * starts with {@link #empty()}.
 *
 * <p>Values derived from one another share an append-only log and differ by how much of it they
 * see, so adding a proposal to the latest value costs O(1), as a mutable cache would; adding to an
 * older value (a copy that went another way) copies the part it sees first.
 */
final class ProposalCache {

    /** A cached proposal with the content that carried it. */
    record Entry(VerifiedProposal proposal, AuthenticatedContent content) {}

    /** Entries in arrival order and their positions by reference; only ever appended to. */
    private static final class Log {
        private final List<Entry> entries = new ArrayList<>();
        private final Map<ProposalRef, Integer> positions = new HashMap<>();

        void append(Entry e) {
            positions.putIfAbsent(e.proposal().ref(), entries.size());
            entries.add(e);
        }
    }

    private final Log log;
    /** How many entries of the log this value holds. */
    private final int size;

    private ProposalCache(Log log, int size) {
        this.log = log;
        this.size = size;
    }

    /** A cache without proposals. */
    static ProposalCache empty() {
        return new ProposalCache(new Log(), 0);
    }

    /** The cache with {@code proposal} added last, or this cache when it holds that proposal already. */
    ProposalCache with(VerifiedProposal proposal, AuthenticatedContent content) {
        Entry entry = new Entry(proposal, content);
        synchronized (log) {
            if (position(proposal.ref()) >= 0) {
                return this;
            }
            if (size == log.entries.size()) {
                log.append(entry);
                return new ProposalCache(log, size + 1);
            }
            Log copy = new Log();
            log.entries.subList(0, size).forEach(copy::append);
            copy.append(entry);
            return new ProposalCache(copy, size + 1);
        }
    }

    /** The position of {@code ref} among this value's entries, or -1. Holds the log's lock. */
    private int position(ProposalRef ref) {
        Integer p = log.positions.get(ref);
        return p != null && p < size ? p : -1;
    }

    Optional<VerifiedProposal> get(ProposalRef ref) {
        synchronized (log) {
            int p = position(ref);
            return p < 0 ? Optional.empty() : Optional.of(log.entries.get(p).proposal());
        }
    }

    List<VerifiedProposal> proposals() {
        List<VerifiedProposal> out = new ArrayList<>(size);
        entries().forEach(e -> out.add(e.proposal()));
        return out;
    }

    List<Entry> entries() {
        synchronized (log) {
            return List.copyOf(log.entries.subList(0, size));
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }
}
