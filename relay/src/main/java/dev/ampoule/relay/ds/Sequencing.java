package dev.ampoule.relay.ds;

import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * How a message enters a group's order: its {@link GroupSequencer} assigns the number, the
 * {@link Journal} makes the record durable, then the receivers are woken. Also the group's chain
 * of handshake operations, counted when full. Event-loop confined.
 */
final class Sequencing {

    private final Journal journal;
    private final Listeners listeners;
    private final RelayMetrics metrics;

    Sequencing(Journal journal, Listeners listeners, RelayMetrics metrics) {
        this.journal = journal;
        this.listeners = listeners;
        this.metrics = metrics;
    }

    /** Runs {@code op} after every earlier handshake operation of the group ({@code RATE_LIMITED} when too many wait). */
    <T> Future<T> inOrder(GroupState g, Supplier<Future<T>> op) {
        if (g.sequencer.full()) {
            metrics.limitExceeded("group_queue");
        }
        return g.sequencer.inOrder(op);
    }

    /**
     * Completes with the message's sequence number once its record is durable, then wakes the
     * receivers. If the append fails, the group's sequencer takes the number back, {@code undo}
     * reverts what the caller changed for it, and the caller gets the failure: state changes only
     * after a durable append.
     */
    Future<Long> store(GroupState g, GroupMessage m, Bytes digest, StoreRecord record, Runnable undo) {
        return journal.append(record).transform(ar -> {
            if (ar.failed()) {
                g.sequencer.failed(m.seq(), digest);
                undo.run();
                return Future.failedFuture(ar.cause());
            }
            g.sequencer.durable(m.seq());
            // receivers are woken after the sender's Ok is written (same event-loop turn order)
            listeners.groupAdvancedLater(g);
            return Future.succeededFuture(m.seq());
        });
    }
}
