package dev.ampoule.client;

import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;

/**
 * The outcome of a membership change: the Commit's sequence number in the group and the epoch it
 * started, the devices it added or removed, and how many times another member's Commit won the
 * epoch first so that this one was rebuilt and sent again ({@code conflicts}). When there was
 * nothing to change (every device already a member, or none to remove), {@code changed} is false
 * and {@code seq}/{@code epoch} are the group's current ones.
 */
public record CommitResult(GroupId groupId, boolean changed, long seq, long epoch, List<DeviceId> added,
        List<DeviceId> removed, int conflicts) {

    public CommitResult {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }
}
