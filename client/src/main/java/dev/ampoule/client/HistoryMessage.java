package dev.ampoule.client;

import java.time.Instant;

/**
 * A message from a group's history, as its sender recorded and signed it: its sequence number and
 * epoch, when it was sent (the sender's clock), who sent it (as this device's Authentication
 * Service establishes it from the record's credential and signature), and its content — a file's
 * reference included, which fetches like any attachment.
 */
public record HistoryMessage(GroupId groupId, long seq, long epoch, Instant sentAt, MemberIdentity from,
        Content content) {
}
