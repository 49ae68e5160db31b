package dev.ampoule.loadtest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks that the relay delivered every accepted message to exactly its team's devices, once and
 * in order (PROTOCOL.md "Relay → client").
 *
 * <p>A group's sequence numbers have no gap, and every device of the group receives every one of
 * them from the load's start (the group's {@code base}: the last setup message, which every device
 * has acknowledged) on. So each device's deliveries of a group must be {@code base+1, base+2, …}
 * up to the group's last sequence number, with two allowances the protocol makes: after a
 * reconnection, delivery resumes right after the device's last acknowledgement, so what was
 * delivered but not yet acknowledged may come again ({@code redelivered}, allowed); and what the
 * device acknowledged must never come again. Counted as failures:
 * <ul>
 *   <li><b>lost</b>: a sequence number up to the group's last that a device never received;</li>
 *   <li><b>duplicated</b>: a sequence number delivered twice on one connection, or delivered again
 *       after the device acknowledged it;</li>
 *   <li><b>misordered</b>: a sequence number delivered after a higher one, without having been
 *       delivered before;</li>
 *   <li><b>mismatched</b>: two different messages under one sequence number (the sender's {@code Ok}
 *       and a delivery, or two deliveries, disagree);</li>
 *   <li><b>misrouted</b>, <b>corrupt</b>, <b>undecryptable</b>: a delivery for a group the device is not in,
 *       one that is no load message, one a full-mode member cannot decrypt.</li>
 * </ul>
 * With membership churn a device is owed only what was sequenced while it was a member, as the
 * relay delivers it (PROTOCOL.md "Relay → client"): a device removed by the Commit at {@code r}
 * receives up to and including {@code r}; added back by the Commit at {@code a}, it receives from
 * {@code a + 1} on. The Commits are sequenced like messages, and every member (the removed one
 * included) must receive them. A delivery in such a gap {@code (r, a]} — or after a removal not
 * followed by an add — is <b>misrouted</b>; a message in the member's intervals it never got is
 * <b>lost</b>; nothing in a gap is owed, so what was sequenced while a device was out never counts
 * as lost. The gaps come from the committer's {@code Ok}s ({@link Stream#removed}, {@link
 * Stream#added}), not from what the device saw, and a device's {@code WelcomeDelivery} must name the
 * Commit that added it ({@link Stream#welcomed}, else mismatched). A care team's roster removal cuts
 * the user's devices off at once, after the last message stored before it (PROTOCOL.md, care
 * teams): the device gets neither the relay's Remove proposal nor the Commit of it. The generator
 * cannot see where that cut fell, only that it lies at or after what was sequenced before the
 * coordinator's call ({@link Stream#cutOff}) and before the relay's first Remove proposal ({@link
 * Stream#proposedRemoval}); since delivery is in order, the cut is taken after the highest sequence
 * number the device received in that range, so a hole below it is lost and anything above it
 * misrouted. The relay's proposals are sequenced like messages ({@link #PROPOSAL}).
 *
 * <p>Ledgers are shared by a group's devices (synchronised); each {@link Stream} belongs to one device
 * and is updated on its thread, and by the committer when it changes the device's membership.
 */
final class DeliveryVerifier {

    /** What one delivery was. */
    enum Delivery {
        /** The first delivery of this sequence number to this device, in order. */
        FIRST,
        /** The first delivery of this sequence number to this device, after a higher one. */
        FIRST_MISORDERED,
        /** Delivered before, not acknowledged, delivered again on a new connection: allowed. */
        REDELIVERED,
        /** Delivered again on the same connection, or after the device acknowledged it. */
        DUPLICATE;

        /** The device's first delivery of this sequence number, in order or not: what it acts on. */
        boolean first() {
            return this == FIRST || this == FIRST_MISORDERED;
        }
    }

    private static final int MAX_EXAMPLES = 20;

    /** What a Commit of the churn is in a ledger, in place of a load message's {@code k}. */
    static final long COMMIT = -2;
    /** What a proposal of the relay (a care team's roster change) is in a ledger. */
    static final long PROPOSAL = -3;

    private final List<Ledger> ledgers = new CopyOnWriteArrayList<>();
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private final LongAdder duplicated = new LongAdder();
    private final LongAdder misordered = new LongAdder();
    private final LongAdder mismatched = new LongAdder();
    private final LongAdder misrouted = new LongAdder();
    private final LongAdder corrupt = new LongAdder();
    private final LongAdder undecryptable = new LongAdder();
    private final LongAdder redelivered = new LongAdder();
    private final ConcurrentLinkedQueue<String> examples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger exampleCount = new AtomicInteger();

    /** A group's sequence: which message holds which sequence number. */
    final class Ledger {
        final int group;
        final long base;
        private long[] kBySeq = new long[1024]; // k + 1; 0 = not known yet
        private long maxSeq;

        private Ledger(int group, long base) {
            this.group = group;
            this.base = base;
            this.maxSeq = base;
        }

        /** The sender's {@code Ok(seq)} for message {@code k}. */
        synchronized void accepted(long seq, long k) {
            claim(seq, k, "accepted");
        }

        /** The committer's {@code Ok(seq)} for a Commit of the churn. */
        synchronized void committed(long seq) {
            claim(seq, COMMIT, "committed");
        }

        private synchronized void claim(long seq, long k, String how) {
            if (seq <= base) {
                return;
            }
            long i = seq - base - 1;
            if (i >= Integer.MAX_VALUE - 8) {
                mismatch("group " + group + ": sequence number " + seq + " out of range");
                return;
            }
            if (i >= kBySeq.length) {
                kBySeq = Arrays.copyOf(kBySeq, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(i + 1, 2L * kBySeq.length)));
            }
            long known = kBySeq[(int) i];
            if (known == 0) {
                kBySeq[(int) i] = k + 1;
            } else if (known != k + 1) {
                mismatch("group " + group + ": seq " + seq + " is " + what(known - 1) + " and, " + how + ", " + what(k));
            }
            maxSeq = Math.max(maxSeq, seq);
        }

        synchronized long maxSeq() {
            return maxSeq;
        }
    }

    private static String what(long k) {
        return k == COMMIT ? "a Commit" : k == PROPOSAL ? "a relay proposal" : "message " + k;
    }

    /** One device's deliveries of one group. */
    final class Stream {
        final int device;
        final Ledger ledger;
        private final BitSet got = new BitSet();
        private long contiguous;
        private long connectionLast = -1;
        private long ackConfirmed;
        /**
         * Membership gaps {removed at, added back at, cut off by}: the device is owed up to and
         * including the first, and from after the second on ({@link Long#MAX_VALUE} while still out).
         * A gap of a Commit's removal has a known start and a third member 0; a roster removal's
         * ({@link #cutOff}) starts somewhere from its first member up to its third: see {@link #start}.
         */
        private final List<long[]> gaps = new ArrayList<>();
        private final List<Long> welcomes = new ArrayList<>();

        private Stream(int device, Ledger ledger) {
            this.device = device;
            this.ledger = ledger;
            this.contiguous = ledger.base;
            this.ackConfirmed = ledger.base;
        }

        /** A new connection of the device: delivery may resume anywhere after its last acknowledgement. */
        synchronized void connectionStarted() {
            connectionLast = -1;
        }

        /** The device delivered message {@code k} under sequence number {@code seq}. */
        synchronized Delivery delivered(long seq, long k) {
            ledger.claim(seq, k, "delivered to device " + device);
            boolean seen = seq <= ledger.base || got.get(index(seq));
            Delivery d;
            if (connectionLast < 0) {
                if (seq <= ackConfirmed) {
                    d = duplicate(seq, "delivered again after it was acknowledged");
                } else {
                    d = seen ? Delivery.REDELIVERED : Delivery.FIRST;
                }
            } else if (seq <= connectionLast) {
                d = seen ? duplicate(seq, "delivered twice on one connection")
                        : misordered(seq, "delivered after seq " + connectionLast);
            } else {
                d = seen ? Delivery.REDELIVERED : Delivery.FIRST;
            }
            if (d == Delivery.REDELIVERED) {
                redelivered.increment();
            }
            if (!seen) {
                got.set(index(seq));
                advance();
            }
            connectionLast = Math.max(connectionLast, seq);
            return d;
        }

        /** Moves {@code contiguous} over what was received and over closed membership gaps (never over an open one). */
        private void advance() {
            while (true) {
                long next = contiguous + 1;
                if (got.get(index(next))) {
                    contiguous = next;
                    continue;
                }
                long[] gap = gapHolding(next);
                if (gap != null && gap[1] != Long.MAX_VALUE) {
                    contiguous = gap[1];
                    continue;
                }
                return;
            }
        }

        private long[] gapHolding(long seq) {
            for (long[] g : gaps) {
                if (seq > start(g) && seq <= g[1]) {
                    return g;
                }
            }
            return null;
        }

        /**
         * The last sequence number the device is owed before gap {@code g}. A roster removal cuts the
         * device off at once, after the last message stored before it: that is at or after what was
         * sequenced before the removal was asked for ({@code g[0]}), and before the relay's first
         * Remove proposal ({@code g[2]}, {@link Long#MAX_VALUE} until it is known). The relay delivers
         * in order, so what the device received there is a prefix of what it was owed: the cut is
         * after the highest sequence number it received in that range (anything missing below it was
         * owed, and is lost).
         */
        private long start(long[] g) {
            if (g[2] == 0) {
                return g[0];
            }
            long hi = Math.min(g[2], g[1]);
            if (hi <= g[0]) {
                return g[0];
            }
            // hi may be Long.MAX_VALUE (proposal not known yet): its index is capped, not cast
            int top = got.previousSetBit((int) Math.min(Integer.MAX_VALUE - 1, hi - ledger.base - 1));
            return top >= index(g[0] + 1) ? Math.max(g[0], ledger.base + 1 + top) : g[0];
        }

        private boolean openGap() {
            return !gaps.isEmpty() && gaps.get(gaps.size() - 1)[1] == Long.MAX_VALUE;
        }

        /** The committer's Commit at {@code seq} removed the device: it is owed up to and including {@code seq}. */
        synchronized void removed(long seq) {
            if (openGap()) {
                mismatch("device " + device + ", group " + ledger.group + ": removed at seq " + seq + " while out");
                return;
            }
            gaps.add(new long[] {seq, Long.MAX_VALUE, 0});
        }

        /**
         * The device's user was taken off its care team's roster after everything up to {@code low}
         * was sequenced: it is owed up to a cut at or after {@code low}, found once the relay's Remove
         * proposal is known ({@link #proposedRemoval}).
         */
        synchronized void cutOff(long low) {
            if (openGap()) {
                mismatch("device " + device + ", group " + ledger.group + ": cut off after seq " + low + " while out");
                return;
            }
            gaps.add(new long[] {low, Long.MAX_VALUE, Long.MAX_VALUE});
        }

        /** The relay's first Remove proposal for the device's cut-off was sequenced at {@code seq}. */
        synchronized void proposedRemoval(long seq) {
            long[] open = openGap() ? gaps.get(gaps.size() - 1) : null;
            if (open == null || open[2] == 0 || seq <= open[0]) {
                mismatch("device " + device + ", group " + ledger.group + ": a Remove proposal at seq " + seq
                        + " for no cut-off");
                return;
            }
            open[2] = Math.min(open[2], seq - 1);
        }

        /** The committer's Commit at {@code seq} added the device back: it is owed from {@code seq + 1} on. */
        synchronized void added(long seq) {
            long[] open = gaps.isEmpty() ? null : gaps.get(gaps.size() - 1);
            if (open == null || open[1] != Long.MAX_VALUE || seq <= start(open)) {
                mismatch("device " + device + ", group " + ledger.group + ": added at seq " + seq + " while a member");
                return;
            }
            open[1] = seq;
        }

        /** The device's {@code WelcomeDelivery} named the Commit at {@code groupSeq}. */
        synchronized void welcomed(long groupSeq) {
            welcomes.add(groupSeq);
        }

        /** Whether the device was a member when {@code seq} was sequenced (as far as the committer has told). */
        synchronized boolean owed(long seq) {
            return seq > ledger.base && gapHolding(seq) == null;
        }

        synchronized boolean churned() {
            return !gaps.isEmpty();
        }

        /** Deliveries this device is owed, up to the group's last sequence number. */
        synchronized long expected() {
            long max = ledger.maxSeq();
            long n = max - ledger.base;
            for (long[] g : gaps) {
                long hi = Math.min(g[1], max);
                n -= Math.max(0, hi - start(g));
            }
            return Math.max(0, n);
        }

        /** Deliveries received in a membership gap (each a misrouted delivery); notes examples. */
        synchronized long outOfMembership() {
            long n = 0;
            for (long[] g : gaps) {
                long from = start(g);
                long hi = Math.min(g[1], ledger.base + got.length());
                if (hi <= from) {
                    continue;
                }
                BitSet in = got.get(index(from + 1), index(hi) + 1);
                if (!in.isEmpty()) {
                    n += in.cardinality();
                    example("device " + device + ", group " + ledger.group + ": seq " + (from + 1 + in.nextSetBit(0))
                            + " delivered while out of the group (removed at seq " + from + (g[1] == Long.MAX_VALUE
                                    ? ", not added back" : ", added back at seq " + g[1]) + ")");
                }
            }
            return n;
        }

        /** WelcomeDeliveries that named no Commit that added the device. */
        synchronized long strayWelcomes() {
            long n = 0;
            for (long w : welcomes) {
                if (gaps.stream().noneMatch(g -> g[1] == w)) {
                    n++;
                    example("device " + device + ", group " + ledger.group + ": a Welcome for seq " + w
                            + ", which added it in no Commit");
                }
            }
            return n;
        }

        private int index(long seq) {
            return (int) (seq - ledger.base - 1);
        }

        private Delivery duplicate(long seq, String what) {
            duplicated.increment();
            example("device " + device + ", group " + ledger.group + ": seq " + seq + " " + what);
            return Delivery.DUPLICATE;
        }

        private Delivery misordered(long seq, String what) {
            misordered.increment();
            example("device " + device + ", group " + ledger.group + ": seq " + seq + " " + what);
            return Delivery.FIRST_MISORDERED;
        }

        /**
         * Every sequence number up to this one has been received, or was not for this device (a
         * closed membership gap): what the device may acknowledge.
         */
        synchronized long contiguous() {
            advance();
            return contiguous;
        }

        /** The relay answered {@code Ok} to the device's acknowledgement up to {@code seq}. */
        synchronized void ackConfirmed(long seq) {
            ackConfirmed = Math.max(ackConfirmed, seq);
        }

        synchronized long lost() {
            long max = ledger.maxSeq();
            long span = max - ledger.base;
            long received = got.get(0, (int) Math.max(0, span)).cardinality();
            for (long[] g : gaps) {
                long from = start(g);
                long hi = Math.min(g[1], max);
                if (hi > from) {
                    received -= got.get(index(from + 1), index(hi) + 1).cardinality();
                }
            }
            return expected() - received;
        }

        synchronized long firstMissing() {
            long seq = ledger.base + 1 + got.nextClearBit(0);
            while (gapHolding(seq) != null) {
                seq = ledger.base + 1 + got.nextClearBit(index(seq + 1));
            }
            return seq;
        }
    }

    /** Registers a group whose load messages follow sequence number {@code base}. */
    Ledger ledger(int group, long base) {
        Ledger l = new Ledger(group, base);
        ledgers.add(l);
        return l;
    }

    /** Registers a device that must receive every message of {@code ledger}'s group. */
    Stream stream(int device, Ledger ledger) {
        Stream s = new Stream(device, ledger);
        streams.add(s);
        return s;
    }

    void misrouted(int device, String what) {
        misrouted.increment();
        example("device " + device + ": " + what);
    }

    void corrupt(int device, String what) {
        corrupt.increment();
        example("device " + device + ": " + what);
    }

    void undecryptable(int device, String what) {
        undecryptable.increment();
        example("device " + device + ": " + what);
    }

    private void mismatch(String what) {
        mismatched.increment();
        example(what);
    }

    private void example(String what) {
        if (exampleCount.incrementAndGet() <= MAX_EXAMPLES) {
            examples.add(what);
        }
    }

    /** Whether every device has received its group's messages up to the last one known. */
    boolean caughtUp() {
        for (Stream s : streams) {
            if (s.contiguous() < s.ledger.maxSeq() && (!s.churned() || s.lost() > 0)) {
                return false;
            }
        }
        return true;
    }

    /** Deliveries still missing now (all devices together). */
    long missing() {
        long n = 0;
        for (Stream s : streams) {
            n += s.lost();
        }
        return n;
    }

    /** The verdict; anything still missing now counts as lost. */
    Verdict finish() {
        long lost = 0;
        long expected = 0;
        long outOfMembership = 0;
        long strayWelcomes = 0;
        List<String> lostExamples = new ArrayList<>();
        for (Stream s : streams) {
            long l = s.lost();
            lost += l;
            expected += s.expected();
            outOfMembership += s.outOfMembership();
            strayWelcomes += s.strayWelcomes();
            if (l > 0 && lostExamples.size() < 5) {
                lostExamples.add("device " + s.device + ", group " + s.ledger.group + ": " + l
                        + " lost, the first seq " + s.firstMissing() + " of " + s.ledger.maxSeq());
            }
        }
        long accepted = 0;
        for (Ledger l : ledgers) {
            accepted += l.maxSeq() - l.base;
        }
        List<String> all = new ArrayList<>(examples);
        all.addAll(lostExamples);
        return new Verdict(accepted, expected, lost, duplicated.sum(), misordered.sum(), mismatched.sum() + strayWelcomes,
                misrouted.sum() + outOfMembership, corrupt.sum(), undecryptable.sum(), redelivered.sum(), all);
    }

    /**
     * The outcome of a run's verification.
     *
     * @param sequenced messages (and churn Commits) the relay sequenced in the load (all groups)
     * @param expectedDeliveries deliveries owed: each sequenced message to each device that was a member
     *     of its group when it was sequenced
     * @param misrouted deliveries for a group the device is not in, or sequenced while it was out of it
     * @param redelivered allowed repeats of unacknowledged messages after a reconnection
     * @param examples the first problems found, for a person to read
     */
    record Verdict(long sequenced, long expectedDeliveries, long lost, long duplicated, long misordered,
            long mismatched, long misrouted, long corrupt, long undecryptable, long redelivered, List<String> examples) {

        public Verdict {
            examples = List.copyOf(examples);
        }

        /** No delivery was lost, duplicated, misordered, mismatched, misrouted, corrupt or undecryptable. */
        public boolean passed() {
            return lost == 0 && duplicated == 0 && misordered == 0 && mismatched == 0 && misrouted == 0 && corrupt == 0
                    && undecryptable == 0;
        }
    }
}
