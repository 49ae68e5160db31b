package dev.ampoule.relay.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What queries need to find entries without reading the log: per entry (position {@code seq - 1})
 * its line's byte offset and its time; per team and per user (as {@code user} or {@code actor})
 * the positions of their entries, ascending. About 24 bytes per entry plus the ids. Appended to by
 * the writer thread, read by query threads: every method is synchronized.
 */
final class AuditIndex {

    /** Where one selected entry's line is: {@code length} bytes from {@code offset}, newline excluded. */
    record Slot(long seq, long offset, int length) {
    }

    /** A growable ascending list of positions. */
    private static final class Positions {
        private int[] items = new int[4];
        private int size;

        void add(int p) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size++] = p;
        }

        /** The index of the first item {@code >= p}. */
        int lowerBound(int p) {
            int lo = 0;
            int hi = size;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (items[mid] < p) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        boolean contains(int p) {
            int i = lowerBound(p);
            return i < size && items[i] == p;
        }
    }

    private long[] offsets = new long[1024];
    private long[] times = new long[1024];
    private int size;
    private long end;
    private boolean monotonic = true;
    private final Map<String, Positions> byTeam = new HashMap<>();
    private final Map<String, Positions> byUser = new HashMap<>();

    /** Adds the next entry (its seq must be {@code size() + 1}) whose line starts at {@code offset}. */
    synchronized void add(AuditEntry e, long offset) {
        if (e.seq() != size + 1L) {
            throw new IllegalStateException("audit index out of step: entry " + e.seq() + " after " + size);
        }
        if (size == offsets.length) {
            offsets = Arrays.copyOf(offsets, size * 2);
            times = Arrays.copyOf(times, size * 2);
        }
        long t = e.time().toEpochMilli();
        if (size > 0 && t < times[size - 1]) {
            monotonic = false;
        }
        offsets[size] = offset;
        times[size] = t;
        int p = size;
        e.event().team().ifPresent(team -> byTeam.computeIfAbsent(team, k -> new Positions()).add(p));
        e.event().user().ifPresent(user -> byUser.computeIfAbsent(user, k -> new Positions()).add(p));
        e.event().actor().filter(a -> !e.event().user().equals(Optional.of(a)))
                .ifPresent(actor -> byUser.computeIfAbsent(actor, k -> new Positions()).add(p));
        size++;
    }

    /** Adds a written batch and the new end of the log. */
    synchronized void addAll(List<AuditEntry> entries, List<Long> lineOffsets, long newEnd) {
        for (int i = 0; i < entries.size(); i++) {
            add(entries.get(i), lineOffsets.get(i));
        }
        end = newEnd;
    }

    synchronized void end(long newEnd) {
        end = newEnd;
    }

    synchronized long size() {
        return size;
    }

    /** The entries matching {@code q}, oldest first, at most {@code q.limit()}. */
    synchronized List<Slot> select(AuditQuery q) {
        long fromMs = q.from().map(AuditIndex::ceilMillis).orElse(Long.MIN_VALUE);
        long toMs = q.to().map(AuditIndex::ceilMillis).orElse(Long.MAX_VALUE);
        List<Slot> out = new ArrayList<>(Math.min(q.limit(), 256));
        if (fromMs >= toMs) {
            return out;
        }
        int start = (int) Math.min(Math.max(q.afterSeq(), 0), size);
        if (monotonic && fromMs > Long.MIN_VALUE) {
            start = Math.max(start, firstAtOrAfter(fromMs));
        }
        Positions team = q.team().map(byTeam::get).orElse(null);
        Positions user = q.user().map(byUser::get).orElse(null);
        if (q.team().isPresent() && team == null || q.user().isPresent() && user == null) {
            return out;
        }
        Positions walk = team == null ? user : user == null ? team : team.size <= user.size ? team : user;
        Positions other = walk == team ? user : team;
        if (walk == null) {
            for (int p = start; p < size && out.size() < q.limit(); p++) {
                if (!take(p, fromMs, toMs, out)) {
                    break;
                }
            }
            return out;
        }
        for (int i = walk.lowerBound(start); i < walk.size && out.size() < q.limit(); i++) {
            int p = walk.items[i];
            if (other != null && !other.contains(p)) {
                continue;
            }
            if (!take(p, fromMs, toMs, out)) {
                break;
            }
        }
        return out;
    }

    /** Adds position {@code p} if its time is in range; false once no later entry can be. */
    private boolean take(int p, long fromMs, long toMs, List<Slot> out) {
        long t = times[p];
        if (t >= toMs) {
            return !monotonic;
        }
        if (t >= fromMs) {
            long next = p + 1 < size ? offsets[p + 1] : end;
            out.add(new Slot(p + 1L, offsets[p], (int) (next - offsets[p] - 1)));
        }
        return true;
    }

    private int firstAtOrAfter(long ms) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < ms) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The smallest whole millisecond not before {@code t} (entries' times are whole milliseconds). */
    private static long ceilMillis(Instant t) {
        try {
            return Math.addExact(t.toEpochMilli(), t.getNano() % 1_000_000 != 0 ? 1 : 0);
        } catch (ArithmeticException e) {
            return t.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
