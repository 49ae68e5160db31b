package dev.ampoule.relay.ds;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import io.vertx.core.Future;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Supplier;

/**
 * One group's sequencer (RFC 9750 §5.2: the Delivery Service orders each group's messages): it
 * assigns the group's sequence numbers, knows up to which one they are durable, remembers the
 * digests of recently accepted messages (the replay cache), and chains the group's handshake
 * operations so that they run one after the other (exactly one commit per epoch follows from it).
 * A cluster can own each sequencer on one node without changing this contract. Event-loop confined.
 */
final class GroupSequencer {

    /** Handshake operations one group may have waiting; more are refused with {@code RATE_LIMITED}. */
    static final int MAX_QUEUED = 256;
    /** Digests of accepted messages kept for replay detection. */
    static final int RECENT = 4_096;

    /** The next sequence number to assign. */
    private long nextSeq = 1;
    /** One past the last durable sequence number. */
    private long durableNext = 1;
    /** Digests of recently accepted messages → their sequence numbers. */
    private final ReplayCache recent = new ReplayCache(RECENT);
    /** Assigned numbers whose append has not completed. */
    private int inFlight;
    /** The lowest number whose append failed while others were in flight (MAX_VALUE: none). */
    private long lowestFailed = Long.MAX_VALUE;
    /** The tail of the chain of handshake operations. */
    private Future<Void> tail = Future.succeededFuture();
    private int queued;

    /** The next sequence number to assign. */
    long next() {
        return nextSeq;
    }

    /** One past the last durable sequence number. */
    long durableEnd() {
        return durableNext;
    }

    // ---- handshake chain -----------------------------------------------------------------------

    /** Whether the chain is full (the caller refuses with {@code RATE_LIMITED}). */
    boolean full() {
        return queued >= MAX_QUEUED;
    }

    /** Runs {@code op} after every earlier operation of the group. */
    <T> Future<T> inOrder(Supplier<Future<T>> op) {
        if (full()) {
            return Future.failedFuture(new RelayException(ErrorCode.RATE_LIMITED, "group busy", 100));
        }
        queued++;
        Future<T> result = tail.transform(ar -> op.get());
        tail = result.transform(ar -> {
            queued--;
            return Future.succeededFuture();
        });
        return result;
    }

    // ---- sequence numbers and replay cache -----------------------------------------------------

    /** Refuses a message accepted before ({@code REPLAY}). */
    void checkReplay(Bytes digest) {
        long seq = recent.get(digest);
        if (seq != 0) {
            throw new RelayException(ErrorCode.REPLAY, "already accepted as seq " + seq);
        }
    }

    /**
     * Assigns the next sequence number to a message with this digest; its append must end with
     * {@link #durable} or {@link #failed}. Refused ({@code UNAVAILABLE}, retry) while a failed
     * append is being rolled back.
     */
    long assign(Bytes digest) {
        if (lowestFailed != Long.MAX_VALUE) {
            throw new RelayException(ErrorCode.UNAVAILABLE, "the group's store write failed; retry", 200);
        }
        long seq = nextSeq++;
        recent.put(digest, seq);
        inFlight++;
        return seq;
    }

    /** The message with {@code seq} is durable. */
    void durable(long seq) {
        inFlight--;
        durableNext = Math.max(durableNext, seq + 1);
        nextSeq = Math.max(nextSeq, durableNext); // a cluster's database numbered it
        settle();
    }

    /**
     * The append of {@code seq} failed: nothing of it is visible, so its digest is forgotten (the
     * sender's retry is accepted) and, once the appends in flight have ended (after it they fail
     * too: {@code Store.append}), numbering continues at the failed number — no gap.
     */
    void failed(long seq, Bytes digest) {
        inFlight--;
        recent.remove(digest, seq);
        lowestFailed = Math.min(lowestFailed, seq);
        settle();
    }

    private void settle() {
        if (inFlight == 0 && lowestFailed != Long.MAX_VALUE) {
            // a later number durable after an earlier one failed breaks the store's contract: never reuse it
            nextSeq = Math.max(lowestFailed, durableNext);
            lowestFailed = Long.MAX_VALUE;
        }
    }

    // ---- recovery (StateProjection) ------------------------------------------------------------

    /** A stored message: numbers continue after it; its digest (when known) is remembered. */
    void recovered(long seq, Bytes digest) {
        nextSeq = Math.max(nextSeq, seq + 1);
        if (digest != null) {
            recent.put(digest, seq);
        }
    }

    /** A stored snapshot of the group: numbering continues at {@code next}. */
    void restart(long next) {
        nextSeq = next;
    }

    /** After recovery: every assigned number is durable. */
    void recoveryDone() {
        durableNext = nextSeq;
    }

    /** SHA-256 of a message (the replay cache's key). */
    static Bytes digest(Bytes message) {
        try {
            return Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(message.unsafeArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new RelayException(ErrorCode.INTERNAL, "SHA-256 unavailable");
        }
    }
}
