package dev.ampoule.relay.audit;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What queries need to find entries without reading the log: per entry its file, its line's byte
 * offset and length, and its time; per team and per user (as {@code user} or {@code actor}) the
 * positions of their entries, ascending. About 28 bytes per entry plus the ids. The entries run
 * from the first one on disk (entry 1, or a later one when the oldest files were pruned). Appended
 * to by the writer thread, read by query threads: every method is synchronized.
 */
final class AuditIndex {

    /** Where one selected entry's line is: {@code length} bytes from {@code offset} in {@code file}, newline excluded. */
    record Slot(long seq, Path file, long offset, int length) {
    }

    /** The entries from {@code firstSeq} on live in {@code file} (until the next span's first). */
    private record Span(long firstSeq, Path file) {
    }

    /** A growable ascending list of positions (entry seq − 1). */
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
    private int[] lengths = new int[1024];
    private long[] times = new long[1024];
    /** Entries held; the first is entry {@code base + 1}. */
    private int size;
    private long base = -1;
    private boolean monotonic = true;
    private final List<Span> spans = new ArrayList<>();
    /** The next entry starts a new file (the active one was just rotated). */
    private boolean newSpan = true;
    private final Map<String, Positions> byTeam = new HashMap<>();
    private final Map<String, Positions> byUser = new HashMap<>();

    /**
     * Adds the next entry (the first may be any; each later one must be the one after) whose line
     * of {@code length} bytes, newline excluded, starts at {@code offset} in {@code file}.
     */
    synchronized void add(AuditEntry e, Path file, long offset, int length) {
        if (base < 0) {
            base = e.seq() - 1;
        }
        if (e.seq() != base + size + 1L || e.seq() > Integer.MAX_VALUE) {
            throw new IllegalStateException("audit index out of step: entry " + e.seq() + " after " + (base + size));
        }
        if (newSpan || !spans.getLast().file().equals(file)) {
            spans.add(new Span(e.seq(), file));
            newSpan = false;
        }
        if (size == offsets.length) {
            offsets = Arrays.copyOf(offsets, size * 2);
            lengths = Arrays.copyOf(lengths, size * 2);
            times = Arrays.copyOf(times, size * 2);
        }
        long t = e.time().toEpochMilli();
        if (size > 0 && t < times[size - 1]) {
            monotonic = false;
        }
        offsets[size] = offset;
        lengths[size] = length;
        times[size] = t;
        int p = (int) (e.seq() - 1);
        e.event().team().ifPresent(team -> byTeam.computeIfAbsent(team, k -> new Positions()).add(p));
        e.event().user().ifPresent(user -> byUser.computeIfAbsent(user, k -> new Positions()).add(p));
        e.event().actor().filter(a -> !e.event().user().equals(Optional.of(a)))
                .ifPresent(actor -> byUser.computeIfAbsent(actor, k -> new Positions()).add(p));
        size++;
    }

    /** The active file's entries now live in {@code rotatedFile}; the next entry starts a new file. */
    synchronized void rotated(Path rotatedFile) {
        if (!spans.isEmpty() && !newSpan) {
            Span last = spans.removeLast();
            spans.add(new Span(last.firstSeq(), rotatedFile));
        }
        newSpan = true;
    }

    /** The last entry's seq (0 when empty). */
    synchronized long size() {
        return base < 0 ? 0 : base + size;
    }

    /** The entries matching {@code q}, oldest first, at most {@code q.limit()}. */
    synchronized List<Slot> select(AuditQuery q) {
        long fromMs = q.from().map(AuditIndex::ceilMillis).orElse(Long.MIN_VALUE);
        long toMs = q.to().map(AuditIndex::ceilMillis).orElse(Long.MAX_VALUE);
        List<Slot> out = new ArrayList<>(Math.min(q.limit(), 256));
        if (fromMs >= toMs || size == 0) {
            return out;
        }
        // positions are seq - 1; those held run from base to base + size - 1
        int first = (int) base;
        int end = (int) (base + size);
        int start = (int) Math.min(Math.max(q.afterSeq(), first), end);
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
            for (int p = start; p < end && out.size() < q.limit(); p++) {
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
        int i = (int) (p - base);
        long t = times[i];
        if (t >= toMs) {
            return !monotonic;
        }
        if (t >= fromMs) {
            long seq = p + 1L;
            out.add(new Slot(seq, fileOf(seq), offsets[i], lengths[i]));
        }
        return true;
    }

    private Path fileOf(long seq) {
        int lo = 0;
        int hi = spans.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (spans.get(mid).firstSeq() <= seq) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return spans.get(lo).file();
    }

    /** The first position whose entry is not before {@code ms}. */
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
        return (int) (base + lo);
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
