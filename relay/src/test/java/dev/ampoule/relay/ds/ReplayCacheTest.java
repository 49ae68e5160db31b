package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.relay.protocol.Bytes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The replay cache remembers exactly the last digests it was given, as a bounded map would. */
class ReplayCacheTest {

    private static Bytes digest(long n) {
        return GroupSequencer.digest(Bytes.wrap(("message " + n).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void remembersTheLastDigestsUpToItsLimitAndForgetsTheOldest() {
        ReplayCache cache = new ReplayCache(100);
        for (long n = 1; n <= 250; n++) {
            cache.put(digest(n), n);
        }
        assertEquals(100, cache.size());
        for (long n = 1; n <= 150; n++) {
            assertEquals(0, cache.get(digest(n)), "forgotten: " + n);
        }
        for (long n = 151; n <= 250; n++) {
            assertEquals(n, cache.get(digest(n)), "remembered: " + n);
        }
        assertEquals(0, cache.get(digest(251)), "never given");
    }

    @Test
    void removeForgetsOnlyTheDigestAcceptedAsThatNumber() {
        ReplayCache cache = new ReplayCache(4096);
        cache.put(digest(1), 1);
        cache.put(digest(2), 2);
        cache.remove(digest(2), 3);
        assertEquals(2, cache.get(digest(2)), "another number: kept");
        cache.remove(digest(2), 2);
        assertEquals(0, cache.get(digest(2)));
        assertEquals(1, cache.get(digest(1)));
        cache.put(digest(2), 3); // the sender's retry
        assertEquals(3, cache.get(digest(2)));
    }

    @Test
    void whatIsNotADigestIsNeverRemembered() {
        ReplayCache cache = new ReplayCache(16);
        cache.put(Bytes.EMPTY, 5);
        cache.put(Bytes.ofHex("0102"), 6);
        assertEquals(0, cache.size());
        assertEquals(0, cache.get(Bytes.EMPTY));
        assertEquals(0, cache.get(Bytes.ofHex("0102")));
    }

    /** Random puts, removals and lookups against a bounded insertion-ordered map (the former cache). */
    @Test
    void agreesWithABoundedMapUnderRandomUse() {
        int limit = 300;
        ReplayCache cache = new ReplayCache(limit);
        LinkedHashMap<Bytes, Long> model = new LinkedHashMap<>();
        // the model forgets the oldest put, removed ones included, as the ring does
        LinkedHashMap<Long, Bytes> order = new LinkedHashMap<>();
        Random random = new Random(7);
        long seq = 0;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 6) {
                seq++;
                Bytes d = digest(seq);
                cache.put(d, seq);
                model.put(d, seq);
                order.put(seq, d);
                if (order.size() > limit) {
                    Map.Entry<Long, Bytes> oldest = order.entrySet().iterator().next();
                    order.remove(oldest.getKey());
                    model.remove(oldest.getValue(), oldest.getKey());
                }
            } else if (op < 7 && seq > 0) {
                long victim = seq - random.nextInt((int) Math.min(seq, 50));
                cache.remove(digest(victim), victim);
                model.remove(digest(victim), victim);
            } else if (seq > 0) {
                long probe = 1 + random.nextInt((int) seq + 10);
                assertEquals(model.getOrDefault(digest(probe), 0L), cache.get(digest(probe)), "step " + step);
            }
        }
        assertEquals(model.size(), cache.size());
    }
}
