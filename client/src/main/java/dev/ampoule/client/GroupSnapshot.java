package dev.ampoule.client;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;

/**
 * A group as this device sees it now: its epoch, the sequence number of the last message
 * processed, the member devices, whether this device is still a member, and the epoch
 * authenticator (RFC 9420 §8.7) — equal on every member in the same epoch, so members can compare
 * it out of band to confirm they share the group's state.
 */
public record GroupSnapshot(GroupId groupId, long epoch, long lastSeq, List<DeviceId> members, boolean active,
        Bytes epochAuthenticator) {

    public GroupSnapshot {
        members = List.copyOf(members);
    }
}
