package dev.ampoule.relay.blob;

import dev.ampoule.relay.ds.DeliveryService;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;

/**
 * Who is in a group, as the Delivery Service knows it: what the relay checks before it takes or
 * hands out a blob of the group. Event-loop confined.
 */
public interface Membership {

    /** Whether the device is in the group now (in its tree, not cut off by a roster removal). */
    boolean activeMember(DeviceId device, Bytes groupId);

    /** The sequence number after which the device receives the group (the Commit that added it); -1: none. */
    long memberSince(DeviceId device, Bytes groupId);

    /** The group's last sequence number (0 before its first message); -1 for an unknown group. */
    long lastSeq(Bytes groupId);

    /** The Delivery Service's answers. */
    static Membership of(DeliveryService ds) {
        return new Membership() {
            @Override
            public boolean activeMember(DeviceId device, Bytes groupId) {
                return ds.activeMember(device, groupId);
            }

            @Override
            public long memberSince(DeviceId device, Bytes groupId) {
                return ds.memberSince(device, groupId);
            }

            @Override
            public long lastSeq(Bytes groupId) {
                return ds.lastSeq(groupId);
            }
        };
    }
}
