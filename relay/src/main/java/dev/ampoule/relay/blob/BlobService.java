package dev.ampoule.relay.blob;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.Roster;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Blobs of groups — encrypted attachments, history records and shared records — as devices upload
 * and fetch them (PROTOCOL.md "Blobs, history and records"). The relay never sees a key: it checks
 * who uploads (a member of the group), how much (the size limit, the group's quota, uploads in
 * progress counted at their declared size), that the bytes are the ones declared (offsets, size,
 * SHA-256), and who fetches (its {@link ReadRule}); it audits every upload and every device's
 * first fetch of a blob, ids only. A blob is stored by its {@link BlobStore} and visible once it
 * is complete, durable and audited; a refused or abandoned upload leaves nothing. Blobs older
 * than their group's retention are deleted. Event-loop confined.
 */
public final class BlobService {

    private static final Logger LOG = LoggerFactory.getLogger(BlobService.class);
    /** Blob ids are 16 random bytes chosen by the uploader. */
    public static final int ID_BYTES = 16;
    /** SHA-256. */
    public static final int DIGEST_BYTES = 32;
    /** Distinct (device, blob) fetches remembered, so that a download is audited once, not per chunk. */
    static final int FETCHES_REMEMBERED = 10_000;
    static final Duration FETCH_AUDIT_WINDOW = Duration.ofMinutes(10);
    /** Uploads in progress at once, all devices together. */
    static final int MAX_UPLOADS = 1_000;

    /** What an uploader declared, and how far it is. */
    private static final class Upload {
        final Frame.UploadBlob declared;
        final DeviceId uploader;
        final MessageDigest sha = sha256();
        long received;
        long touched;
        /** The store's writes of this upload, one after the other. */
        Future<Void> tail;
        /** The answer to the last chunk, once it came. */
        Future<Frame.RelayFrame> completion;

        Upload(Frame.UploadBlob declared, DeviceId uploader, long now, Future<Void> begun) {
            this.declared = declared;
            this.uploader = uploader;
            this.touched = now;
            this.tail = begun;
        }
    }

    private final Vertx vertx;
    private final BlobStore store;
    private final Membership members;
    private final ReadRule readRule;
    private final AuditSink audit;
    private final RelayMetrics metrics;
    private final Clock clock;
    private final BlobLimits limits;
    private final Function<Bytes, Duration> retention;
    private final BlobIndex index = new BlobIndex();
    private final Map<Bytes, Upload> uploads = new HashMap<>();
    private final Map<DeviceId, Integer> uploadsOf = new HashMap<>();
    private final Map<Bytes, Long> reserved = new HashMap<>();
    private final LinkedHashMap<String, Long> fetched = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > FETCHES_REMEMBERED;
        }
    };
    private final List<Long> timers = new ArrayList<>();
    private boolean open;
    /** Reads of the blobs other relay instances stored, shared by the requests of the moment. */
    private final dev.ampoule.relay.cluster.SharedRead reads = new dev.ampoule.relay.cluster.SharedRead(this::readOthers);

    /**
     * @param retention how long a group's blobs are kept (its care team's retention, or the relay's default)
     */
    public BlobService(Vertx vertx, BlobStore store, Membership members, ReadRule readRule, AuditSink audit,
            RelayMetrics metrics, Clock clock, BlobLimits limits, Function<Bytes, Duration> retention) {
        this.vertx = vertx;
        this.store = store;
        this.members = members;
        this.readRule = readRule;
        this.audit = audit;
        this.metrics = metrics;
        this.clock = clock;
        this.limits = limits;
        this.retention = retention;
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    /** Opens the store and indexes its blobs; then sweeps abandoned uploads and expired blobs every {@code sweep}. */
    public Future<Void> start(Duration sweep) {
        return store.open().map(found -> {
            found.forEach(index::add);
            open = true;
            metrics.gauge(RelayMetrics.BLOBS, index::size);
            long every = Math.max(1_000, sweep.toMillis());
            timers.add(vertx.setPeriodic(every, id -> sweep()));
            LOG.info("blob store: {} blobs", found.size());
            return null;
        });
    }

    public Future<Void> stop() {
        open = false;
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        return store.close();
    }

    /**
     * Indexes the blobs other relay instances finished (sharing PostgreSQL), read after this call;
     * nothing to read with the file store.
     */
    public Future<Void> catchUp() {
        return reads.get();
    }

    private Future<Void> readOthers() {
        return store.finishedElsewhere().map(found -> {
            for (BlobMeta m : found) {
                // this instance's own uploads are indexed once audited, by complete()
                if (index.get(m.blobId()).isEmpty() && !uploads.containsKey(m.blobId())) {
                    index.add(m);
                }
            }
            return null;
        });
    }

    // ---- reading the index (history and records) -----------------------------------------------

    /** A stored blob's metadata. */
    public Optional<BlobMeta> blob(Bytes blobId) {
        return index.get(blobId);
    }

    /** A group's stored blobs, in the order they were stored. */
    public List<BlobMeta> ofGroup(Bytes groupId) {
        return index.ofGroup(groupId);
    }

    // ---- uploads -------------------------------------------------------------------------------

    /** {@code UploadBlob}: starts an upload, or says how far a resent one got ({@code Ok(bytes held)}). */
    public Future<Frame.RelayFrame> upload(DeviceId device, Frame.UploadBlob f) {
        try {
            return Future.succeededFuture(new Frame.Ok(begin(device, f)));
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
    }

    private long begin(DeviceId device, Frame.UploadBlob f) {
        requireOpen();
        if (f.blobId().length() != ID_BYTES || f.digest().length() != DIGEST_BYTES) {
            throw new RelayException(ErrorCode.BLOB_MISMATCH, "a blob id is 16 bytes, its digest 32 (SHA-256)");
        }
        Upload running = uploads.get(f.blobId());
        if (running != null && running.uploader.equals(device) && running.declared.equals(f)) {
            running.touched = clock.millis();
            return running.received; // sent again after a drop: go on from there
        }
        Optional<BlobMeta> stored = index.get(f.blobId());
        if (stored.isPresent() && sameUpload(stored.get(), device, f)) {
            return stored.get().size();
        }
        if (running != null || stored.isPresent()) {
            throw new RelayException(ErrorCode.BLOB_MISMATCH, "the blob id is in use");
        }
        if (members.lastSeq(f.groupId()) < 0) {
            throw new RelayException(ErrorCode.UNKNOWN_GROUP, "unknown group");
        }
        if (!members.activeMember(device, f.groupId())) {
            throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
        }
        if (f.use() instanceof Frame.BlobUse.History h) {
            checkHistory(f.groupId(), h);
        }
        if (f.size() < 1 || f.size() > limits.maxBlobBytes()) {
            metrics.limitExceeded("blob_size");
            throw new RelayException(ErrorCode.BLOB_TOO_LARGE, "a blob holds 1 to " + limits.maxBlobBytes() + " bytes");
        }
        long used = index.bytes(f.groupId()) + reserved.getOrDefault(f.groupId(), 0L);
        if (used + f.size() > limits.teamQuotaBytes()) {
            metrics.limitExceeded("blob_quota");
            throw new RelayException(ErrorCode.QUOTA_EXCEEDED, "the group's blobs would exceed its quota of "
                    + limits.teamQuotaBytes() + " bytes");
        }
        if (uploadsOf.getOrDefault(device, 0) >= limits.uploadsPerDevice() || uploads.size() >= MAX_UPLOADS) {
            metrics.limitExceeded("blob_uploads");
            throw new RelayException(ErrorCode.LIMIT_EXCEEDED, "too many uploads in progress", 1_000);
        }
        Upload u = new Upload(f, device, clock.millis(), store.begin(f.blobId()));
        uploads.put(f.blobId(), u);
        uploadsOf.merge(device, 1, Integer::sum);
        reserved.merge(f.groupId(), f.size(), Long::sum);
        u.tail.onFailure(e -> discard(u, "the store refused a new blob: " + e.getMessage()));
        return 0;
    }

    /**
     * A history record is of today (the uploader's clock may differ from the relay's by a day) and of
     * a message the group has sequenced; anything else is {@code BLOB_MISMATCH}.
     */
    private void checkHistory(Bytes groupId, Frame.BlobUse.History h) {
        long today = BlobMeta.dayOf(clock.millis());
        if (Math.abs(h.day() - today) > 1) {
            throw new RelayException(ErrorCode.BLOB_MISMATCH, "a history record is of today's date");
        }
        if (h.seq() < 1 || h.seq() > members.lastSeq(groupId)) {
            throw new RelayException(ErrorCode.BLOB_MISMATCH, "a history record is of a message of the group");
        }
    }

    private static boolean sameUpload(BlobMeta m, DeviceId device, Frame.UploadBlob f) {
        return m.uploader().equals(device) && m.groupId().equals(f.groupId()) && m.size() == f.size()
                && m.digest().equals(f.digest());
    }

    /** {@code UploadChunk}: the next bytes; the last one completes the blob. {@code Ok(bytes held)}. */
    public Future<Frame.RelayFrame> chunk(DeviceId device, Frame.UploadChunk c) {
        Upload u = uploads.get(c.blobId());
        try {
            requireOpen();
            if (u == null || !u.uploader.equals(device)) {
                return copyOfCompleted(device, c);
            }
            long end = c.offset() + c.data().length();
            if (end <= u.received && c.offset() < u.received) {
                // a copy sent again after a drop
                return c.last() && u.completion != null ? u.completion : Future.succeededFuture(new Frame.Ok(u.received));
            }
            checkChunk(u, c, end);
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        u.sha.update(c.data().unsafeArray());
        u.received += c.data().length();
        u.touched = clock.millis();
        long offset = c.offset();
        Future<Void> written = u.tail.compose(v -> store.append(c.blobId(), offset, Buffer.buffer(c.data().unsafeArray())));
        u.tail = written;
        if (!c.last()) {
            long held = u.received;
            return written.<Frame.RelayFrame>map(v -> new Frame.Ok(held)).recover(e -> failedWrite(u, e));
        }
        u.completion = written.compose(v -> complete(u)).recover(e -> failedWrite(u, e));
        return u.completion;
    }

    /** A chunk of an upload that is no longer in progress: a copy of one of a completed blob is answered, else UNKNOWN_BLOB. */
    private Future<Frame.RelayFrame> copyOfCompleted(DeviceId device, Frame.UploadChunk c) {
        Optional<BlobMeta> done = index.get(c.blobId());
        if (done.isPresent() && done.get().uploader().equals(device)
                && c.offset() + c.data().length() <= done.get().size()) {
            return Future.succeededFuture(new Frame.Ok(done.get().size()));
        }
        throw new RelayException(ErrorCode.UNKNOWN_BLOB, "no upload of this device under that id");
    }

    /** Refuses — and discards the upload — a chunk out of place or past the size, a misplaced last chunk, a non-member's. */
    private void checkChunk(Upload u, Frame.UploadChunk c, long end) {
        RelayException refused;
        if (c.offset() != u.received) {
            refused = mismatch("a chunk at " + c.offset() + ", expected " + u.received);
        } else if (end > u.declared.size()) {
            refused = mismatch("the chunks exceed the declared size");
        } else if (c.last() != (end == u.declared.size())) {
            refused = mismatch(c.last() ? "the last chunk ends before the declared size"
                    : "the chunk reaches the declared size but is not marked last");
        } else if (!members.activeMember(u.uploader, u.declared.groupId())) {
            refused = new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
        } else {
            return;
        }
        discard(u, refused.detail());
        throw refused;
    }

    private static RelayException mismatch(String what) {
        return new RelayException(ErrorCode.BLOB_MISMATCH, what + "; the upload is discarded");
    }

    private Future<Frame.RelayFrame> failedWrite(Upload u, Throwable e) {
        if (e instanceof RelayException r) {
            return Future.failedFuture(r);
        }
        LOG.warn("blob store: an upload failed", e);
        discard(u, "store failure");
        return Future.failedFuture(new RelayException(ErrorCode.INTERNAL, "the blob could not be stored; upload it again"));
    }

    /** The last chunk is written: check the digest, make it durable, audit it, then it is visible. */
    private Future<Frame.RelayFrame> complete(Upload u) {
        Frame.UploadBlob f = u.declared;
        if (!MessageDigest.isEqual(u.sha.digest(), f.digest().unsafeArray())) {
            discard(u, "digest mismatch");
            return Future.failedFuture(new RelayException(ErrorCode.BLOB_MISMATCH,
                    "the bytes are not those declared (SHA-256); the upload is discarded"));
        }
        BlobMeta meta = metaOf(u);
        return store.finish(meta)
                .compose(v -> audit.record(event(AuditType.BLOB_UPLOADED, u.uploader, meta, Map.of(
                        "size", Long.toString(meta.size())))).recover(e -> store.delete(meta.blobId())
                                .eventually(() -> Future.failedFuture(new RelayException(ErrorCode.UNAVAILABLE,
                                        "the relay cannot audit uploads now; upload it again", 1_000)))))
                .map(v -> {
                    release(u);
                    if (index.get(meta.blobId()).isEmpty()) {
                        index.add(meta);
                    }
                    metrics.accepted("blob_" + meta.kind().name().toLowerCase(java.util.Locale.ROOT));
                    return (Frame.RelayFrame) new Frame.Ok(meta.size());
                });
    }

    private BlobMeta metaOf(Upload u) {
        Frame.UploadBlob f = u.declared;
        long now = clock.millis();
        long lastSeq = Math.max(0, members.lastSeq(f.groupId()));
        return switch (f.use()) {
            case Frame.BlobUse.Attachment a -> new BlobMeta(f.blobId(), f.groupId(), BlobMeta.Kind.ATTACHMENT,
                    f.size(), f.digest(), u.uploader, now, lastSeq, 0, BlobMeta.dayOf(now));
            case Frame.BlobUse.History h -> new BlobMeta(f.blobId(), f.groupId(), BlobMeta.Kind.HISTORY, f.size(),
                    f.digest(), u.uploader, now, h.seq(), h.epoch(), (int) h.day());
            case Frame.BlobUse.Record r -> new BlobMeta(f.blobId(), f.groupId(), BlobMeta.Kind.RECORD, f.size(),
                    f.digest(), u.uploader, now, lastSeq, 0, BlobMeta.dayOf(now));
        };
    }

    /** Forgets an upload in progress and its reservation, and discards what the store holds of it. */
    private void discard(Upload u, String why) {
        if (uploads.get(u.declared.blobId()) != u) {
            return;
        }
        release(u);
        LOG.debug("blob upload discarded: {}", why);
        u.tail.eventually(() -> store.abort(u.declared.blobId()));
    }

    private void release(Upload u) {
        if (uploads.remove(u.declared.blobId(), u)) {
            uploadsOf.computeIfPresent(u.uploader, (d, n) -> n <= 1 ? null : n - 1);
            reserved.computeIfPresent(u.declared.groupId(), (g, n) -> n - u.declared.size() <= 0 ? null
                    : n - u.declared.size());
        }
    }

    // ---- fetching ------------------------------------------------------------------------------

    /** {@code FetchBlob}: bytes of a stored blob the device may read; a device's first fetch of it is audited. */
    public Future<Frame.RelayFrame> fetch(DeviceId device, Frame.FetchBlob f) {
        BlobMeta meta;
        try {
            requireOpen();
            meta = index.get(f.blobId()).orElseThrow(() -> new RelayException(ErrorCode.UNKNOWN_BLOB, "no such blob"));
            Optional<RelayException> refused = readRule.refusal(device, meta);
            if (refused.isPresent()) {
                throw refused.get();
            }
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        int length = (int) Math.min(f.maxLength(), limits.maxFetchBytes());
        long offset = Math.min(f.offset(), meta.size());
        return auditFetch(device, meta)
                .compose(v -> store.read(meta.blobId(), offset, length))
                .map(data -> (Frame.RelayFrame) new Frame.BlobData(offset, meta.size(), Bytes.wrap(data.getBytes())))
                .recover(e -> Future.failedFuture(e instanceof RelayException r ? r
                        : new RelayException(ErrorCode.INTERNAL, "the blob could not be read")));
    }

    /** Audits a device's fetch of a blob unless it fetched it within the audit window (one entry per download). */
    private Future<Void> auditFetch(DeviceId device, BlobMeta meta) {
        String key = device.userId() + "#" + device.deviceId() + "/" + meta.blobId().hex();
        long now = clock.millis();
        Long last = fetched.get(key);
        if (last != null && now - last < FETCH_AUDIT_WINDOW.toMillis()) {
            return Future.succeededFuture();
        }
        return audit.record(event(meta.kind() == BlobMeta.Kind.HISTORY ? AuditType.HISTORY_FETCHED
                : AuditType.BLOB_FETCHED, device, meta, Map.of()))
                .recover(e -> Future.failedFuture(new RelayException(ErrorCode.UNAVAILABLE,
                        "the relay cannot audit fetches now; retry later", 1_000)))
                .onSuccess(v -> fetched.put(key, now));
    }

    /** An audit entry about a blob: ids only (team, user, device, blob, kind). */
    AuditEvent event(AuditType type, DeviceId device, BlobMeta meta, Map<String, String> more) {
        Map<String, String> details = new HashMap<>(more);
        details.put("device", device.deviceId());
        details.put("blob", meta.blobId().hex());
        details.put("use", meta.kind().name().toLowerCase(java.util.Locale.ROOT));
        Optional<String> team = teamOf(meta.groupId());
        if (team.isEmpty()) {
            details.put("group", meta.groupId().hex());
        }
        return new AuditEvent(type, Optional.of(device.userId()), team, Optional.of(device.userId()), details);
    }

    /** The care team a group id names (its UTF-8 text, when that is a team id). */
    public static Optional<String> teamOf(Bytes groupId) {
        if (groupId.length() > 64) {
            return Optional.empty();
        }
        String s = new String(groupId.unsafeArray(), StandardCharsets.UTF_8);
        return Roster.validId(s) ? Optional.of(s) : Optional.empty();
    }

    // ---- sweeps --------------------------------------------------------------------------------

    /** Discards uploads idle for too long, and deletes blobs older than their group's retention. */
    public void sweep() {
        if (!open) {
            return;
        }
        long now = clock.millis();
        for (Upload u : List.copyOf(uploads.values())) {
            if (now - u.touched > limits.uploadIdle().toMillis()) {
                discard(u, "idle");
            }
        }
        // another relay's uploads (a cluster) that stopped arriving: twice the idle time, for clock and queueing slack
        store.dropAbandoned(limits.uploadIdle().multipliedBy(2)).onFailure(e -> LOG.warn(
                "blob store: dropping abandoned uploads failed: {}", e.getMessage()));
        int expired = 0;
        for (Bytes g : index.groups()) {
            long cutoff = now - retention.apply(g).toMillis();
            for (BlobMeta m : index.ofGroup(g)) {
                if (m.createdMillis() < cutoff) {
                    index.remove(m);
                    store.delete(m.blobId()).onFailure(e -> LOG.warn("blob store: delete failed", e));
                    expired++;
                }
            }
        }
        if (expired > 0) {
            int n = expired;
            LOG.debug("blob store: {} blobs past their retention deleted", n);
        }
    }

    private void requireOpen() {
        if (!open) {
            throw new RelayException(ErrorCode.UNAVAILABLE, "the blob store is not open", 1_000);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
