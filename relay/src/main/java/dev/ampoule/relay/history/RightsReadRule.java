package dev.ampoule.relay.history;

import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.blob.Membership;
import dev.ampoule.relay.blob.ReadRule;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.RosterView;
import java.util.Optional;

/**
 * Who may read a blob, with history rights and shared records: a current member of the blob's
 * group reads what was stored while it was a member ({@link ReadRule#membersSinceJoining}) and, in
 * a care team, the history records and attachments of the days its user was granted
 * ({@link HistoryRights}); a shared record only its uploader and its current recipients read
 * ({@link RecordShares}), whenever they joined.
 */
public final class RightsReadRule implements ReadRule {

    private final ReadRule sinceJoining;
    private final HistoryRights rights;
    private final TeamDays days;
    private final RecordShares shares;
    private final RosterView roster;

    public RightsReadRule(Membership members, HistoryRights rights, TeamDays days, RecordShares shares,
            RosterView roster) {
        this.sinceJoining = ReadRule.membersSinceJoining(members);
        this.rights = rights;
        this.days = days;
        this.shares = shares;
        this.roster = roster;
    }

    @Override
    public Optional<RelayException> refusal(DeviceId device, BlobMeta blob) {
        Optional<RelayException> own = sinceJoining.refusal(device, blob);
        if (blob.kind() == BlobMeta.Kind.RECORD && !own.map(e -> e.code() == ErrorCode.FORBIDDEN).orElse(false)) {
            return sharedWith(device, blob) ? Optional.empty()
                    : Optional.of(new RelayException(ErrorCode.NOT_GRANTED, "the record is not shared with this user"));
        }
        if (own.isEmpty() || own.get().code() != ErrorCode.NOT_GRANTED) {
            return own;
        }
        Optional<String> team = BlobService.teamOf(blob.groupId());
        if (team.isPresent() && rights.granted(team.get(), device.userId(), blob.day(),
                days.retainedFrom(blob.groupId()))) {
            return Optional.empty();
        }
        return Optional.of(new RelayException(ErrorCode.NOT_GRANTED, "stored on a day this user was not granted"));
    }

    private boolean sharedWith(DeviceId device, BlobMeta record) {
        String user = device.userId();
        return user.equals(record.uploader().userId()) || shares.recipients(record.blobId())
                .map(r -> r.includes(user, roster.role(r.team(), user))).orElse(false);
    }
}
