package dev.ampoule.mls.group;

import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * The past epochs a member keeps for late application messages (RFC 9420 §15.3): for each, the
 * GroupContext and tree the sender signed under, the sender-data secret and the secret tree with
 * its unused keys. Bounded: the oldest epoch is destroyed when a new one exceeds the capacity
 * (§9.2, deletion schedule).
 */
final class EpochArchive {

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

    private final ArrayDeque<PastEpoch> epochs = new ArrayDeque<>();

    /** Keeps {@code epoch}, destroying the oldest ones beyond {@code capacity} (0 keeps none). */
    void add(PastEpoch epoch, int capacity) {
        epochs.addLast(epoch);
        while (epochs.size() > capacity) {
            epochs.removeFirst().destroy();
        }
    }

    Optional<PastEpoch> get(long epoch) {
        for (PastEpoch e : epochs) {
            if (e.epoch() == epoch) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Oldest first. */
    List<PastEpoch> entries() {
        return List.copyOf(epochs);
    }

    void destroy() {
        epochs.forEach(PastEpoch::destroy);
        epochs.clear();
    }
}
