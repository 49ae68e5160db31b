package dev.ampoule.relay.blob;

import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import java.util.Optional;

/** Who may read a stored blob now: one decision, injected into the {@link BlobService}. */
@FunctionalInterface
public interface ReadRule {

    /** Empty when the device may read the blob now; else the refusal to answer. */
    Optional<RelayException> refusal(DeviceId device, BlobMeta blob);

    /**
     * The rule without grants or shares: a device of the blob's group may read what was stored while
     * it was a member ({@code FORBIDDEN} outside the group, {@code NOT_GRANTED} for what is older).
     */
    static ReadRule membersSinceJoining(Membership members) {
        return (device, blob) -> {
            if (!members.activeMember(device, blob.groupId())) {
                return Optional.of(new RelayException(ErrorCode.FORBIDDEN, "not a member of the blob's group"));
            }
            if (storedWhileMember(members.memberSince(device, blob.groupId()), blob)) {
                return Optional.empty();
            }
            return Optional.of(new RelayException(ErrorCode.NOT_GRANTED, "stored before this device joined"));
        };
    }

    /**
     * Whether a device that receives the group after {@code since} (-1: not at all) was a member
     * when the blob was stored: for a history record, it received the message recorded (its
     * sequence number is after {@code since}); for an attachment, the group's message that carries
     * its key comes after the upload, so after {@code since} too; a record is shared explicitly.
     */
    static boolean storedWhileMember(long since, BlobMeta blob) {
        return since >= 0 && switch (blob.kind()) {
            case HISTORY -> blob.groupSeq() > since;
            case ATTACHMENT -> blob.groupSeq() >= since;
            case RECORD -> false;
        };
    }
}
