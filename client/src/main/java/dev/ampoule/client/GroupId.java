package dev.ampoule.client;

import dev.ampoule.relay.protocol.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The id of an MLS group, as the relay knows it. Groups this SDK creates for a care team use the
 * team id's UTF-8 bytes ({@link #ofTeam}); groups created elsewhere may have any bytes.
 */
public record GroupId(Bytes bytes) {

    public GroupId {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.isEmpty() || bytes.length() > 255) {
            throw new IllegalArgumentException("a group id has 1 to 255 bytes");
        }
    }

    /** The group of care team {@code teamId}. */
    public static GroupId ofTeam(String teamId) {
        return new GroupId(Bytes.wrap(teamId.getBytes(StandardCharsets.UTF_8)));
    }

    /** The team id when the bytes are printable UTF-8, else the hex of the bytes. */
    @Override
    public String toString() {
        String s = new String(bytes.unsafeArray(), StandardCharsets.UTF_8);
        boolean printable = java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), bytes.unsafeArray())
                && s.chars().noneMatch(Character::isISOControl);
        return printable ? s : bytes.hex();
    }
}
