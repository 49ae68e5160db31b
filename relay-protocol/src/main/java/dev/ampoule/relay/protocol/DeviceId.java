package dev.ampoule.relay.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One device of one user: the MLS member the relay delivers to. Its MLS credential is a
 * {@code basic} credential whose identity is the UTF-8 string {@code <user>#<device>} (PROTOCOL.md,
 * "Identities"); the device part never contains {@code #}, so the split is at the last one.
 */
public record DeviceId(String userId, String deviceId) implements Comparable<DeviceId> {

    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int MAX_USER = 256;

    public DeviceId {
        if (!validUser(userId) || !validDevice(deviceId)) {
            throw new IllegalArgumentException("not a valid user/device id");
        }
    }

    public static boolean validDevice(String deviceId) {
        return deviceId != null && DEVICE.matcher(deviceId).matches();
    }

    public static boolean validUser(String userId) {
        return userId != null && !userId.isEmpty() && userId.length() <= MAX_USER
                && userId.chars().noneMatch(Character::isISOControl);
    }

    /** The device, if both parts are valid. */
    public static Optional<DeviceId> of(String userId, String deviceId) {
        return validUser(userId) && validDevice(deviceId) ? Optional.of(new DeviceId(userId, deviceId)) : Optional.empty();
    }

    /** The device named by a basic credential identity, if it has the {@code <user>#<device>} form. */
    public static Optional<DeviceId> fromIdentity(byte[] identity) {
        String s = new String(identity, StandardCharsets.UTF_8);
        if (!Arrays.equals(s.getBytes(StandardCharsets.UTF_8), identity)) {
            return Optional.empty();
        }
        int hash = s.lastIndexOf('#');
        if (hash <= 0) {
            return Optional.empty();
        }
        return of(s.substring(0, hash), s.substring(hash + 1));
    }

    /** The credential identity of this device. */
    public byte[] identity() {
        return (userId + "#" + deviceId).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int compareTo(DeviceId o) {
        int c = userId.compareTo(o.userId);
        return c != 0 ? c : deviceId.compareTo(o.deviceId);
    }

    @Override
    public String toString() {
        return userId + "#" + deviceId;
    }
}
