package dev.ampoule.mls.group;

import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The past epochs a member keeps for late application messages (RFC 9420 §15.3), oldest first:
 * for each, the GroupContext and tree the sender signed under, the sender-data secret and the
 * secret tree with its unused keys. Bounded: {@link #adding} drops the oldest epoch beyond the
 * capacity (§9.2, deletion schedule); the {@link EpochState} that no longer holds a dropped epoch
 * destroys it. An immutable list; each past epoch's secret tree is the mutable ratchet state of that
 * epoch (see {@link EpochState}).
 */
record EpochArchive(List<PastEpoch> entries) {

    static final EpochArchive EMPTY = new EpochArchive(List.of());

    /** One retained epoch. Owns its secrets. */
    record PastEpoch(GroupContext context, RatchetTree tree, SenderDataSecret senderDataSecret, SecretTree secretTree) {

        long epoch() {
            return context.epoch();
        }

        void destroy() {
            senderDataSecret.destroy();
            secretTree.destroy();
        }
    }

    EpochArchive {
        entries = List.copyOf(entries);
    }

    /** The archive with {@code epoch} added last and at most {@code capacity} epochs (at least 1). */
    EpochArchive adding(PastEpoch epoch, int capacity) {
        List<PastEpoch> out = new ArrayList<>(entries);
        out.add(epoch);
        while (out.size() > Math.max(1, capacity)) {
            out.remove(0);
        }
        return new EpochArchive(out);
    }

    Optional<PastEpoch> get(long epoch) {
        for (PastEpoch e : entries) {
            if (e.epoch() == epoch) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    List<Long> epochs() {
        return entries.stream().map(PastEpoch::epoch).toList();
    }
}
