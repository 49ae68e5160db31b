package dev.ampoule.relay.store;

import dev.ampoule.relay.protocol.Bytes;

/**
 * An accepted message of a group: its sequence number, the epoch it was sent in, its kind, when
 * it was accepted (epoch milliseconds) and the MLSMessage bytes.
 */
public record GroupMessage(Bytes groupId, long seq, long epoch, MessageKind kind, long timestampMillis, Bytes message) {
}
