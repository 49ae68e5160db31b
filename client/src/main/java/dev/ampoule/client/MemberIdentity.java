package dev.ampoule.client;

import dev.ampoule.relay.protocol.DeviceId;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a member of a group is, as this device's Authentication Service established it: the device
 * (user and device id), the user's professional role when the member's certificate states one,
 * and whether the identity is <em>verified</em> — carried by a device certificate that chains to
 * one of the organisation's trust anchors the client is configured with. A member with a
 * {@code basic} credential (development mode, ad hoc groups) names its device itself: unverified,
 * without a role.
 */
public record MemberIdentity(DeviceId device, Optional<String> role, boolean verified) {

    public MemberIdentity {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(role, "role");
    }

    /** An identity nobody vouches for (a basic credential). */
    public static MemberIdentity unverified(DeviceId device) {
        return new MemberIdentity(device, Optional.empty(), false);
    }

    /** The member's user id. */
    public String userId() {
        return device.userId();
    }

    @Override
    public String toString() {
        return device + role.map(r -> " (" + r + ")").orElse("") + (verified ? " [verified]" : " [unverified]");
    }
}
