package dev.ampoule.mls.group;

import dev.ampoule.mls.schedule.ResumptionPsk;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resumption PSKs a member retains (RFC 9420 §8.6), by epoch, oldest first: copies, owned by
 * the {@link EpochState} that holds them and destroyed when the state that replaces it no longer
 * does. An immutable value.
 */
record ResumptionPsks(Map<Long, ResumptionPsk> byEpoch) {

    static final ResumptionPsks NONE = new ResumptionPsks(Map.of());

    ResumptionPsks {
        byEpoch = Collections.unmodifiableMap(new LinkedHashMap<>(byEpoch));
    }

    /** With {@code psk} of {@code epoch} added, keeping the newest {@code keep} (at least 1). */
    ResumptionPsks retaining(long epoch, ResumptionPsk psk, int keep) {
        LinkedHashMap<Long, ResumptionPsk> out = new LinkedHashMap<>(byEpoch);
        out.put(epoch, psk);
        var it = out.entrySet().iterator();
        while (out.size() > Math.max(1, keep) && it.hasNext()) {
            it.next();
            it.remove();
        }
        return new ResumptionPsks(out);
    }

    Optional<ResumptionPsk> get(long epoch) {
        return Optional.ofNullable(byEpoch.get(epoch));
    }

    List<Long> epochs() {
        return List.copyOf(byEpoch.keySet());
    }
}
