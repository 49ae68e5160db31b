package dev.ampoule.relay.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One device of one user: the MLS member the relay delivers to. Its MLS credential is either a
 * {@code basic} credential whose identity is the UTF-8 string {@code <user>#<device>} (PROTOCOL.md,
 * "Identities"; the device part never contains {@code #}, so the split is at the last one), or an
 * {@code x509} credential whose end-entity certificate names the device with the subjectAltName URI
 * {@code ampoule://<user>/<device>} ({@link #uri()}, IDENTITY.md).
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

    /** The scheme of {@link #uri()}. */
    public static final String URI_PREFIX = "ampoule://";

    /**
     * The device's name in an X.509 certificate: {@code ampoule://<user>/<device>}, where the user id
     * is percent-encoded (RFC 3986 §2.1, upper-case hex) byte by byte of its UTF-8 form, except the
     * unreserved characters {@code A-Z a-z 0-9 - . _ ~}; the device id consists of unreserved
     * characters only. Each device has exactly one such URI, compared byte for byte.
     */
    public String uri() {
        StringBuilder sb = new StringBuilder(URI_PREFIX.length() + userId.length() * 3 + 1 + deviceId.length());
        sb.append(URI_PREFIX);
        for (byte b : userId.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (unreserved(c)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return sb.append('/').append(deviceId).toString();
    }

    /**
     * The device an {@link #uri()} names; empty for anything that is not exactly the URI of a valid
     * device (another scheme, lower-case or needless percent-encoding, an invalid user or device).
     */
    public static Optional<DeviceId> fromUri(String uri) {
        if (uri == null || !uri.startsWith(URI_PREFIX) || uri.length() > URI_PREFIX.length() + 12 * MAX_USER + 65) {
            return Optional.empty();
        }
        int slash = uri.indexOf('/', URI_PREFIX.length());
        if (slash < 0) {
            return Optional.empty();
        }
        String encodedUser = uri.substring(URI_PREFIX.length(), slash);
        java.io.ByteArrayOutputStream user = new java.io.ByteArrayOutputStream(encodedUser.length());
        for (int i = 0; i < encodedUser.length(); i++) {
            char c = encodedUser.charAt(i);
            if (c == '%' && i + 2 < encodedUser.length() && hex(encodedUser.charAt(i + 1)) >= 0
                    && hex(encodedUser.charAt(i + 2)) >= 0) {
                user.write(hex(encodedUser.charAt(i + 1)) << 4 | hex(encodedUser.charAt(i + 2)));
                i += 2;
            } else if (c < 0x80 && unreserved(c)) {
                user.write(c);
            } else {
                return Optional.empty();
            }
        }
        byte[] raw = user.toByteArray();
        String userId = new String(raw, StandardCharsets.UTF_8);
        if (!Arrays.equals(userId.getBytes(StandardCharsets.UTF_8), raw)) {
            return Optional.empty(); // not UTF-8
        }
        Optional<DeviceId> device = of(userId, uri.substring(slash + 1));
        return device.filter(d -> d.uri().equals(uri)); // the canonical form only
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static boolean unreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~';
    }

    /** The value of an upper-case hex digit, or -1. */
    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
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
