package dev.ampoule.client;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;

/**
 * A group as this device sees it now: its epoch, the sequence number of the last message
 * processed, the members (as this device's Authentication Service identifies them), whether this
 * device is still a member, and the epoch authenticator (RFC 9420 §8.7) — equal on every member in
 * the same epoch, so members can compare it out of band to confirm they share the group's state.
 */
public record GroupSnapshot(GroupId groupId, long epoch, long lastSeq, List<MemberIdentity> identities, boolean active,
        Bytes epochAuthenticator) {

    public GroupSnapshot {
        identities = List.copyOf(identities);
    }

    /** The member devices, in leaf order. */
    public List<DeviceId> members() {
        return identities.stream().map(MemberIdentity::device).toList();
    }
}
