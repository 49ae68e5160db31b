package dev.ampoule.client;

import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;
import java.util.Optional;

/**
 * What an {@link AmpouleClient} tells its {@link ClientListener}: messages and membership changes
 * of its groups, in each group's sequence order, after they are persisted locally; and the state of
 * the connection. Handle them with a pattern switch.
 */
public sealed interface ClientEvent {

    /** A text message from another member's device. */
    record MessageReceived(GroupId groupId, long seq, DeviceId sender, String text, long epoch) implements ClientEvent {
        @Override
        public String toString() {
            return "MessageReceived[" + groupId + " #" + seq + " from " + sender + ", " + text.length() + " chars]";
        }
    }

    /** This device joined a group (from a Welcome); {@code members} are its devices then. */
    record GroupJoined(GroupId groupId, long seq, long epoch, List<DeviceId> members) implements ClientEvent {}

    /** A Commit added devices (this device's own Commits included). */
    record MembersAdded(GroupId groupId, long seq, long epoch, Optional<DeviceId> by, List<DeviceId> added)
            implements ClientEvent {}

    /** A Commit removed devices (this device's own Commits included). */
    record MembersRemoved(GroupId groupId, long seq, long epoch, Optional<DeviceId> by, List<DeviceId> removed)
            implements ClientEvent {}

    /** A Commit removed this device: it receives nothing more of the group. */
    record RemovedFromGroup(GroupId groupId, long seq, Optional<DeviceId> by) implements ClientEvent {}

    /**
     * A delivered message that could not be processed (it failed MLS validation or decryption,
     * for instance a duplicate); it is skipped.
     */
    record MessageRejected(GroupId groupId, long seq, String reason) implements ClientEvent {}

    /** A connection to the relay is authenticated; {@code session} counts connections from 1. */
    record Connected(long session) implements ClientEvent {}

    /** The connection dropped; the client reconnects by itself in {@code retryInMillis}. */
    record Disconnected(String reason, long retryInMillis) implements ClientEvent {}

    /** KeyPackages were published: {@code published} new ones, {@code stored} now held by the relay. */
    record KeyPackagesPublished(int published, long stored) implements ClientEvent {}

    /** Something went wrong in the background (storage, an unusable Welcome); the client carries on. */
    record Problem(String description) implements ClientEvent {}
}
