package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The retained messages of every group, as a store keeps them in memory: per group, the range of
 * retained sequence numbers ({@link GroupIndex}) and where each message is; and the most recent
 * messages themselves, up to a byte budget (oldest evicted first). Retention — messages dropped
 * once acknowledged, or expired — shrinks the ranges here; a store makes it durable at its next
 * compaction. Confined to the store's context.
 */
final class MessageIndex {

    private final long cacheBudget;
    private final Map<Bytes, GroupIndex> groups = new HashMap<>();
    private final ArrayDeque<GroupIndex.Entry> cacheOrder = new ArrayDeque<>();
    private long cachedBytes;

    MessageIndex(long cacheBudgetBytes) {
        this.cacheBudget = cacheBudgetBytes;
    }

    /** Indexes a message at its place ({@code segment}, {@code offset}, {@code length}; 0s where a store finds messages by key), caching it when asked. */
    GroupIndex.Entry add(GroupMessage m, long segment, long offset, int length, boolean cache) {
        GroupIndex gi = groups.computeIfAbsent(m.groupId(), k -> new GroupIndex());
        GroupIndex.Entry e = new GroupIndex.Entry(m.seq(), m.timestampMillis(), segment, offset, length);
        gi.add(e);
        if (cache) {
            e.cached = m;
            cacheOrder.addLast(e);
            cachedBytes += m.message().length();
            while (cachedBytes > cacheBudget && !cacheOrder.isEmpty()) {
                GroupIndex.Entry old = cacheOrder.pollFirst();
                if (old.cached != null) {
                    cachedBytes -= old.cached.message().length();
                    old.cached = null;
                }
            }
        }
        return e;
    }

    /** A group's index, or null when none of its messages was ever indexed. */
    GroupIndex group(Bytes groupId) {
        return groups.get(groupId);
    }

    Map<Bytes, GroupIndex> groups() {
        return groups;
    }

    Collection<GroupIndex> all() {
        return groups.values();
    }

    long firstRetained(Bytes groupId) {
        GroupIndex gi = groups.get(groupId);
        return gi == null ? 1 : gi.firstSeq();
    }

    void dropBefore(Bytes groupId, long seq) {
        GroupIndex gi = groups.get(groupId);
        if (gi != null) {
            gi.dropBefore(seq);
        } else if (seq > 1) {
            GroupIndex fresh = new GroupIndex();
            fresh.dropBefore(seq);
            groups.put(groupId, fresh);
        }
    }

    int expireBefore(long cutoffMillis) {
        int n = 0;
        for (GroupIndex gi : groups.values()) {
            n += expire(gi, cutoffMillis);
        }
        return n;
    }

    int expireBefore(Bytes groupId, long cutoffMillis) {
        GroupIndex gi = groups.get(groupId);
        return gi == null ? 0 : expire(gi, cutoffMillis);
    }

    private static int expire(GroupIndex gi, long cutoffMillis) {
        int n = 0;
        GroupIndex.Entry e;
        while ((e = gi.first()) != null && e.timestampMillis < cutoffMillis) {
            n += gi.dropBefore(e.seq + 1);
        }
        return n;
    }

    /** Number of retained messages (all groups). */
    long retained() {
        long n = 0;
        for (GroupIndex gi : groups.values()) {
            n += gi.size();
        }
        return n;
    }
}
