package dev.ampoule.relay.history;

import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.blob.Membership;
import dev.ampoule.relay.blob.ReadRule;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import java.util.Optional;

/**
 * Who may read a blob, with history rights: a current member of the blob's group reads what was
 * stored while it was a member ({@link ReadRule#membersSinceJoining}) and, in a care team, the
 * history records and attachments of the days its user was granted ({@link HistoryRights}).
 */
public final class RightsReadRule implements ReadRule {

    private final ReadRule sinceJoining;
    private final HistoryRights rights;
    private final TeamDays days;

    public RightsReadRule(Membership members, HistoryRights rights, TeamDays days) {
        this.sinceJoining = ReadRule.membersSinceJoining(members);
        this.rights = rights;
        this.days = days;
    }

    @Override
    public Optional<RelayException> refusal(DeviceId device, BlobMeta blob) {
        Optional<RelayException> own = sinceJoining.refusal(device, blob);
        if (own.isEmpty() || own.get().code() != ErrorCode.NOT_GRANTED || blob.kind() == BlobMeta.Kind.RECORD) {
            return own;
        }
        Optional<String> team = BlobService.teamOf(blob.groupId());
        if (team.isPresent() && rights.granted(team.get(), device.userId(), blob.day(),
                days.retainedFrom(blob.groupId()))) {
            return Optional.empty();
        }
        return Optional.of(new RelayException(ErrorCode.NOT_GRANTED, "stored on a day this user was not granted"));
    }
}
