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
 * Ledgers are shared by a group's devices (synchronised); each {@link Stream} belongs to one device
 * and is updated on its thread.
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
        DUPLICATE
    }

    private static final int MAX_EXAMPLES = 20;

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
                mismatch("group " + group + ": seq " + seq + " is message " + (known - 1) + " and, " + how + ", " + k);
            }
            maxSeq = Math.max(maxSeq, seq);
        }

        synchronized long maxSeq() {
            return maxSeq;
        }
    }

    /** One device's deliveries of one group. */
    final class Stream {
        final int device;
        final Ledger ledger;
        private final BitSet got = new BitSet();
        private long contiguous;
        private long connectionLast = -1;
        private long ackConfirmed;

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
                while (got.get(index(contiguous + 1))) {
                    contiguous++;
                }
            }
            connectionLast = Math.max(connectionLast, seq);
            return d;
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

        /** Every sequence number up to this one has been received (what the device may acknowledge). */
        synchronized long contiguous() {
            return contiguous;
        }

        /** The relay answered {@code Ok} to the device's acknowledgement up to {@code seq}. */
        synchronized void ackConfirmed(long seq) {
            ackConfirmed = Math.max(ackConfirmed, seq);
        }

        synchronized long lost() {
            long expected = ledger.maxSeq() - ledger.base;
            return expected - got.get(0, (int) Math.max(0, expected)).cardinality();
        }

        synchronized long firstMissing() {
            return ledger.base + 1 + got.nextClearBit(0);
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
            if (s.contiguous() < s.ledger.maxSeq()) {
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
        List<String> lostExamples = new ArrayList<>();
        for (Stream s : streams) {
            long l = s.lost();
            lost += l;
            expected += s.ledger.maxSeq() - s.ledger.base;
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
        return new Verdict(accepted, expected, lost, duplicated.sum(), misordered.sum(), mismatched.sum(),
                misrouted.sum(), corrupt.sum(), undecryptable.sum(), redelivered.sum(), all);
    }

    /**
     * The outcome of a run's verification.
     *
     * @param sequenced messages the relay sequenced in the load (all groups)
     * @param expectedDeliveries deliveries owed: each sequenced message to each device of its group
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
