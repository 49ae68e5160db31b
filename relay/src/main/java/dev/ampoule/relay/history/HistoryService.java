package dev.ampoule.relay.history;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.blob.Membership;
import dev.ampoule.relay.blob.ReadRule;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.roster.TeamMember;
import io.vertx.core.Future;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A group's history at the relay (PROTOCOL.md "History"): the history records devices stored (each
 * a blob encrypted under a history key of its epoch and day, which the relay never has), listed
 * for the devices that may read them, and the grants by which a coordinator's device hands a new
 * member the keys of an authorised range of days: the grant's MLS message goes into the group only
 * if the range is within what a coordinator authorised ({@link HistoryRights}), and the grant is
 * then recorded and audited. Refused grants are audited too. Event-loop confined.
 */
public final class HistoryService {

    private static final Logger LOG = LoggerFactory.getLogger(HistoryService.class);
    /** History entries per {@code HistoryList}. */
    static final int PAGE = 1_000;

    /** Sends an application message into a group as the Delivery Service does ({@code SendApplication}). */
    @FunctionalInterface
    public interface GroupSender {
        Future<Long> send(DeviceId device, Frame.SendApplication frame);
    }

    private final BlobService blobs;
    private final HistoryRights rights;
    private final Membership members;
    private final ReadRule readRule;
    private final RosterView roster;
    private final GroupSender sender;
    private final AuditSink audit;
    private final TeamDays days;

    public HistoryService(BlobService blobs, HistoryRights rights, Membership members, ReadRule readRule,
            RosterView roster, GroupSender sender, AuditSink audit, TeamDays days) {
        this.blobs = blobs;
        this.rights = rights;
        this.members = members;
        this.readRule = readRule;
        this.roster = roster;
        this.sender = sender;
        this.audit = audit;
        this.days = days;
    }

    // ---- listing -------------------------------------------------------------------------------

    /** {@code ListHistory}: the records this device may fetch, or (for a coordinator's device) those a grantee is authorised for. */
    public Future<Frame.RelayFrame> list(DeviceId device, Frame.ListHistory f) {
        try {
            if (!members.activeMember(device, f.groupId())) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            return Future.succeededFuture(f.grantee().isEmpty() ? own(device, f) : forGrant(device, f));
        } catch (RelayException e) {
            if (f.grantee().isPresent() && e.code() == ErrorCode.GRANT_NOT_AUTHORISED) {
                return refusedGrant(device, f.groupId(), f.grantee().get(), e);
            }
            return Future.failedFuture(e);
        }
    }

    private Frame.HistoryList own(DeviceId device, Frame.ListHistory f) {
        List<BlobMeta> readable = history(f.groupId(), f.afterSeq()).stream()
                .filter(b -> readRule.refusal(device, b).isEmpty()).toList();
        long[] range = BlobService.teamOf(f.groupId())
                .flatMap(t -> rights.grantedRange(t, device.userId(), days.retainedFrom(f.groupId())))
                .orElse(new long[] {0, 0});
        return page(range[0], range[1], readable);
    }

    private Frame.HistoryList forGrant(DeviceId device, Frame.ListHistory f) {
        long[] range = authorisedRange(device, f.groupId(), f.grantee().get());
        List<BlobMeta> inRange = history(f.groupId(), f.afterSeq()).stream()
                .filter(b -> b.day() >= range[0] && b.day() <= range[1]).toList();
        return page(range[0], range[1], inRange);
    }

    private List<BlobMeta> history(Bytes groupId, long afterSeq) {
        return blobs.ofGroup(groupId).stream()
                .filter(b -> b.kind() == BlobMeta.Kind.HISTORY && b.groupSeq() > afterSeq)
                .sorted(Comparator.comparingLong(BlobMeta::groupSeq)).toList();
    }

    private static Frame.HistoryList page(long from, long to, List<BlobMeta> all) {
        List<Frame.HistoryEntry> entries = all.stream().limit(PAGE).map(b -> new Frame.HistoryEntry(b.blobId(),
                b.epoch(), b.day(), b.groupSeq(), b.size(), b.digest())).toList();
        return new Frame.HistoryList(from, to, entries, all.size() > PAGE);
    }

    /**
     * The days a coordinator's device may grant the grantee: from the authorisation's first day
     * (within the team's retention) to today; {@code GRANT_NOT_AUTHORISED} when the group is no care
     * team, the device's user is not one of its coordinators, or the grantee has no authorisation.
     */
    private long[] authorisedRange(DeviceId granter, Bytes groupId, String grantee) {
        String team = BlobService.teamOf(groupId).filter(t -> roster.team(t).isPresent())
                .orElseThrow(() -> notAuthorised("history is granted in care teams only"));
        if (!roster.role(team, granter.userId()).filter(TeamMember.COORDINATOR::equals).isPresent()) {
            throw notAuthorised("only a coordinator's device grants history");
        }
        HistoryRights.Authorisation a = rights.authorisation(team, grantee)
                .orElseThrow(() -> notAuthorised("no history is authorised for this user"));
        long from = a.fromDay(days.retainedFrom(groupId));
        long to = days.today();
        if (from > to) {
            throw notAuthorised("the authorised history starts after today");
        }
        return new long[] {from, to};
    }

    private static RelayException notAuthorised(String why) {
        return new RelayException(ErrorCode.GRANT_NOT_AUTHORISED, why);
    }

    // ---- granting ------------------------------------------------------------------------------

    /**
     * {@code GrantHistory}: the range must lie within the grantee's authorisation; then the message
     * goes into the group (as {@code SendApplication}: fence, epoch and replay rules apply), and the
     * grant is recorded and audited. {@code Ok(seq)} of the message. A refusal changes nothing.
     */
    public Future<Frame.RelayFrame> grant(DeviceId device, Frame.GrantHistory f) {
        String team;
        try {
            if (!members.activeMember(device, f.groupId())) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            long[] range = authorisedRange(device, f.groupId(), f.grantee());
            if (f.fromDay() > f.toDay() || f.fromDay() < range[0] || f.toDay() > range[1]) {
                throw notAuthorised("the days granted are not within the authorised "
                        + java.time.LocalDate.ofEpochDay(range[0]) + " to " + java.time.LocalDate.ofEpochDay(range[1]));
            }
            team = BlobService.teamOf(f.groupId()).orElseThrow();
        } catch (RelayException e) {
            return e.code() == ErrorCode.GRANT_NOT_AUTHORISED ? refusedGrant(device, f.groupId(), f.grantee(), e)
                    : Future.failedFuture(e);
        }
        return sender.send(device, new Frame.SendApplication(f.groupId(), f.message()))
                .recover(e -> e instanceof RelayException r && r.code() == ErrorCode.REPLAY
                        ? Future.succeededFuture(-1L) // sent again after a drop: the first copy went out
                        : Future.failedFuture(e))
                .compose(seq -> rights.granted(team, f.grantee(), f.fromDay(), f.toDay(), device, Math.max(seq, 0))
                        .recover(e -> {
                            LOG.warn("a history grant went out but could not be recorded", e);
                            return Future.failedFuture(new RelayException(ErrorCode.UNAVAILABLE,
                                    "the grant could not be recorded; send it again", 1_000));
                        })
                        .map(v -> (Frame.RelayFrame) new Frame.Ok(Math.max(seq, 0))));
    }

    /** Audits a refused grant (ids and the code only), then fails with the refusal. */
    private Future<Frame.RelayFrame> refusedGrant(DeviceId device, Bytes groupId, String grantee, RelayException e) {
        AuditEvent event = new AuditEvent(AuditType.HISTORY_GRANT_REFUSED, Optional.of(device.userId()),
                BlobService.teamOf(groupId), Optional.of(grantee).filter(dev.ampoule.relay.roster.Roster::validId),
                Map.of("device", device.deviceId(), "code", e.code().name()));
        return audit.record(event).transform(ar -> Future.failedFuture(e));
    }
}
