package dev.ampoule.relay.admin;

import dev.ampoule.relay.ds.TokenBucket;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Admin API writes per user: a token bucket of {@code perMinute} writes a minute, holding up to a
 * minute's worth, per user id. Users idle long enough for their bucket to be full again are
 * forgotten when many are tracked, so memory stays bounded by the users active within a minute.
 * Event-loop confined.
 */
final class WriteRateLimiter {

    /** Users tracked beyond which the idle ones are dropped. */
    static final int PURGE_ABOVE = 10_000;

    private record Slot(TokenBucket bucket, long lastNanos) {
    }

    private final int perMinute;
    private final long refillNanos;
    private final Map<String, Slot> users = new HashMap<>();

    WriteRateLimiter(int perMinute) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("adminWritesPerMinute must be at least 1");
        }
        this.perMinute = perMinute;
        this.refillNanos = 60_000_000_000L;
    }

    /** Takes a write for {@code userId}: empty if allowed, else the milliseconds until one will be. */
    OptionalLong take(String userId, long nowNanos) {
        if (users.size() > PURGE_ABOVE) {
            purge(nowNanos);
        }
        Slot slot = users.get(userId);
        TokenBucket bucket = slot != null ? slot.bucket() : new TokenBucket(perMinute / 60.0, perMinute, nowNanos);
        users.put(userId, new Slot(bucket, nowNanos));
        if (bucket.tryTake(nowNanos)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(bucket.millisUntilNext(nowNanos));
    }

    private void purge(long nowNanos) {
        for (Iterator<Slot> it = users.values().iterator(); it.hasNext(); ) {
            if (nowNanos - it.next().lastNanos() >= refillNanos) {
                it.remove(); // full again: a fresh bucket is the same
            }
        }
    }
}
