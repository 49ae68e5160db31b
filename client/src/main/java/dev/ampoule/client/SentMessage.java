package dev.ampoule.client;

import dev.ampoule.relay.protocol.Bytes;

/**
 * A message the relay accepted: its sequence number in the group, the epoch it was encrypted for,
 * and the MLS PrivateMessage exactly as the relay stores and delivers it (ciphertext).
 */
public record SentMessage(GroupId groupId, long seq, long epoch, Bytes ciphertext) {
}
