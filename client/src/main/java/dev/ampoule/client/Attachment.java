package dev.ampoule.client;

import dev.ampoule.client.content.ContentKey;
import dev.ampoule.relay.protocol.Bytes;
import java.util.Objects;

/**
 * A file sent to a group: encrypted on the sender's device under its own fresh key, stored by the
 * relay as an opaque blob, and described by the group message that carries this reference — the
 * blob's id, the file's content type, name and size, the encrypted blob's size and SHA-256, and
 * the key. Fetch it with {@link AmpouleClient#fetchAttachment}; the relay hands the blob only to
 * the group's devices that may read it. The key never prints; keep references as safe as messages.
 */
public record Attachment(GroupId groupId, Bytes blobId, String contentType, String name, long size, long blobSize,
        Bytes digest, ContentKey key) {

    public Attachment {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(blobId, "blobId");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(key, "key");
        if (size < 0 || blobSize < 0) {
            throw new IllegalArgumentException("sizes are not negative");
        }
    }

    @Override
    public String toString() {
        return "Attachment[" + blobId.hex() + ", " + contentType + ", " + size + " bytes]";
    }
}
