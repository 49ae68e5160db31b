package dev.ampoule.relay.history;

import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.blob.ReadRule;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.Roster;
import dev.ampoule.relay.roster.RosterView;
import io.vertx.core.Future;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Records shared with part of a care team at the relay (PROTOCOL.md "Records"): their upload with
 * the recipients the uploader chose ({@link RecordShares}), the list of who they are shared with
 * now, and the messages by which a device that may read a record hands its key to recipients'
 * devices — sent into the group only if every user named is a recipient now, then audited. The
 * relay never holds a record's key. Event-loop confined.
 */
public final class RecordService {

    private final BlobService blobs;
    private final RecordShares shares;
    private final ReadRule readRule;
    private final RosterView roster;
    private final Set<String> roles;
    private final HistoryService.GroupSender sender;
    private final AuditSink audit;

    /** @param roles the roles a roster may give (a record's roles must be among them) */
    public RecordService(BlobService blobs, RecordShares shares, ReadRule readRule, RosterView roster, Set<String> roles,
            HistoryService.GroupSender sender, AuditSink audit) {
        this.blobs = blobs;
        this.shares = shares;
        this.readRule = readRule;
        this.roster = roster;
        this.roles = Set.copyOf(roles);
        this.sender = sender;
        this.audit = audit;
    }

    /**
     * {@code UploadBlob} of a record: the group must be a care team and the recipients roles of the
     * relay and user ids ({@code BLOB_MISMATCH} otherwise; a resumed upload names the same ones);
     * the upload is then the blob service's, and a new one's recipients are set (and audited).
     */
    public Future<Frame.RelayFrame> upload(DeviceId device, Frame.UploadBlob f, Frame.BlobUse.Record use) {
        RecordShares.Recipients wanted;
        try {
            String team = BlobService.teamOf(f.groupId()).filter(t -> roster.team(t).isPresent())
                    .orElseThrow(() -> new RelayException(ErrorCode.FORBIDDEN, "records are shared in care teams only"));
            if (use.roles().size() + use.users().size() > RecordShares.MAX_NAMES
                    || !roles.containsAll(use.roles()) || !use.users().stream().allMatch(Roster::validId)) {
                throw new RelayException(ErrorCode.BLOB_MISMATCH,
                        "a record's recipients are roles of the relay and user ids, at most " + RecordShares.MAX_NAMES);
            }
            wanted = new RecordShares.Recipients(team, new LinkedHashSet<>(use.roles()), new LinkedHashSet<>(use.users()));
            Optional<RecordShares.Recipients> known = shares.recipients(f.blobId());
            if (known.isPresent() && !known.get().equals(wanted)) {
                throw new RelayException(ErrorCode.BLOB_MISMATCH, "a record's upload names other recipients");
            }
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        return blobs.upload(device, f).compose(answer -> shares.recipients(f.blobId()).isPresent()
                ? Future.succeededFuture(answer)
                : shares.set(device.userId(), f.blobId(), wanted).map(r -> answer));
    }

    /** {@code ListRecipients}: the users a record the device may read is shared with now. */
    public Future<Frame.RelayFrame> recipients(DeviceId device, Frame.ListRecipients f) {
        try {
            BlobMeta record = readable(device, f.groupId(), f.blobId());
            return Future.succeededFuture(new Frame.RecipientList(
                    shares.users(record.blobId(), record.uploader().userId(), roster)));
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * {@code ShareRecord}: the device may read the record and every user named is one of its
     * recipients now ({@code GRANT_NOT_AUTHORISED} otherwise, audited, the message not sent); then
     * the message goes into the group as {@code SendApplication} and the share is audited.
     */
    public Future<Frame.RelayFrame> share(DeviceId device, Frame.ShareRecord f) {
        try {
            BlobMeta record = readable(device, f.groupId(), f.blobId());
            List<String> now = shares.users(record.blobId(), record.uploader().userId(), roster);
            if (f.users().isEmpty() || !now.containsAll(f.users())) {
                throw new RelayException(ErrorCode.GRANT_NOT_AUTHORISED, "the record is not shared with every user named");
            }
        } catch (RelayException e) {
            return e.code() == ErrorCode.GRANT_NOT_AUTHORISED || e.code() == ErrorCode.NOT_GRANTED
                    ? refused(device, f, e) : Future.failedFuture(e);
        }
        return sender.send(device, new Frame.SendApplication(f.groupId(), f.message()))
                .recover(e -> e instanceof RelayException r && r.code() == ErrorCode.REPLAY
                        ? Future.succeededFuture(0L) // sent again after a drop: the first copy went out
                        : Future.failedFuture(e))
                .compose(seq -> audit.record(event(AuditType.RECORD_SHARED, device, f, Map.of(
                        "users", String.join(",", f.users()), "seq", Long.toString(seq))))
                        .map(v -> (Frame.RelayFrame) new Frame.Ok(seq)));
    }

    /** The record, if it is one of the group and the device may read it now. */
    private BlobMeta readable(DeviceId device, dev.ampoule.relay.protocol.Bytes groupId,
            dev.ampoule.relay.protocol.Bytes blobId) {
        BlobMeta record = blobs.blob(blobId).filter(b -> b.kind() == BlobMeta.Kind.RECORD && b.groupId().equals(groupId))
                .orElseThrow(() -> new RelayException(ErrorCode.UNKNOWN_BLOB, "no such record in the group"));
        Optional<RelayException> refusal = readRule.refusal(device, record);
        if (refusal.isPresent()) {
            throw refusal.get();
        }
        return record;
    }

    private Future<Frame.RelayFrame> refused(DeviceId device, Frame.ShareRecord f, RelayException e) {
        return audit.record(event(AuditType.RECORD_SHARE_REFUSED, device, f, Map.of("code", e.code().name())))
                .transform(ar -> Future.failedFuture(e));
    }

    private static AuditEvent event(AuditType type, DeviceId device, Frame.ShareRecord f, Map<String, String> more) {
        Map<String, String> details = new java.util.LinkedHashMap<>();
        details.put("device", device.deviceId());
        details.put("record", f.blobId().hex());
        details.putAll(more);
        return new AuditEvent(type, Optional.of(device.userId()), BlobService.teamOf(f.groupId()), Optional.empty(),
                details);
    }
}
