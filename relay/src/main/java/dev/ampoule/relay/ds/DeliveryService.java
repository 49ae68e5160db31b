package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PrivateMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.store.Store;
import dev.ampoule.relay.store.StoreRecord;
import static dev.ampoule.relay.ds.MlsInputs.checkEpoch;
import static dev.ampoule.relay.ds.MlsInputs.groupInfoOf;
import static dev.ampoule.relay.ds.MlsInputs.mlsOf;
import static dev.ampoule.relay.ds.MlsInputs.publicMessageOf;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The Delivery Service (RFC 9750 §5): KeyPackage directory, one sequencer per group (exactly one
 * commit per epoch, first wins; stale and future epochs refused), handshake validation with the
 * group's public view, GroupInfo store, Welcome release after the commit, per-device cursors and
 * mailboxes, retention (acknowledged by every recipient, or TTL).
 *
 * <p>Single node: everything runs on the relay's event loop; validation runs on worker threads and
 * disk I/O on the store's thread. A group's handshake operations are chained (its sequencer), so
 * a cluster can later own each sequencer on one node (e.g. by Hazelcast partition of the group
 * id) without changing this contract. Every accepted message is durable before its Ok.
 *
 * <p>Two duties live in their own classes: the KeyPackage directory's operations
 * ({@link KeyPackageService}) and which messages each device receives ({@link DeliveryAccess});
 * care-team rosters are enforced by {@link RosterEnforcement}.
 */
public final class DeliveryService {

    private static final Logger LOG = Logger.getLogger(DeliveryService.class.getName());
    private static final int MAX_QUEUED_PER_GROUP = 256;

    /** A connected device, told when it has something new to receive. */
    public interface Listener {
        /** A group it receives has new durable messages. */
        void groupAdvanced(Bytes groupId);

        /** A Welcome arrived in its mailbox. */
        void mailboxAdvanced();

        /** It joined or left a group. */
        void accessChanged(Bytes groupId);
    }

    private final Vertx vertx;
    private final Store store;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final Clock clock;
    private final Map<Bytes, GroupState> groups = new HashMap<>();
    private final Set<Bytes> creating = new HashSet<>();
    private final DeliveryAccess access;
    private final Map<DeviceId, Set<Listener>> listeners = new HashMap<>();
    private final KeyPackageService keyPackages;
    private final Mailboxes mailboxes = new Mailboxes();
    private final Set<Bytes> retentionDirty = new LinkedHashSet<>();
    private final List<Long> timers = new ArrayList<>();
    private long compactedSize;
    private boolean ready;
    private final RosterEnforcement enforcement;

    public DeliveryService(Vertx vertx, Store store, RelayConfig config, RelayMetrics metrics, Clock clock) {
        this(vertx, store, config, metrics, clock, CareTeamPolicy.standard());
    }

    /** With the policy that decides who may change a care team's group (PROTOCOL.md "Care-team groups"). */
    public DeliveryService(Vertx vertx, Store store, RelayConfig config, RelayMetrics metrics, Clock clock,
            CareTeamPolicy policy) {
        this.vertx = vertx;
        this.store = store;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.enforcement = new RosterEnforcement(this, policy);
        this.keyPackages = new KeyPackageService(this, config, metrics, clock);
        this.access = new DeliveryAccess(mailboxes);
    }

    /** The roster care-team groups follow (default {@link RosterView#EMPTY}: every group is ad hoc). Set before {@link #start}. */
    public void setRosterView(RosterView roster) {
        enforcement.setRosterView(roster);
    }

    /** Where roster enforcement, commits, claims and deliveries are audited (default {@link AuditSink#NONE}). */
    public void setAuditSink(AuditSink audit) {
        enforcement.setAuditSink(audit);
    }

    /** The relay as external sender of care-team groups: its keys, its roster listener, its settings. */
    public RosterEnforcement enforcement() {
        return enforcement;
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    /** Recovers the state from the store, then starts the retention timers. */
    public Future<Void> start() {
        return store.open(this::replay).map(v -> {
            groups.values().forEach(g -> {
                g.durableNext = g.nextSeq;
                g.devices.forEach(d -> g.access.computeIfAbsent(d, x -> new GroupState.Access(0)));
                g.access.keySet().forEach(d -> access.receive(d, g.id));
                retentionDirty.add(g.id);
            });
            sweepRetention();
            compactedSize = store.diskBytes();
            timers.add(vertx.setPeriodic(Math.max(100, config.retentionSweep.toMillis()), id -> sweepRetention()));
            timers.add(vertx.setPeriodic(Math.max(1_000, config.expirySweep.toMillis()), id -> expireAndCompact()));
            metrics.gauge(RelayMetrics.GROUPS, groups::size);
            metrics.gauge(RelayMetrics.STORE_DISK_BYTES, store::diskBytes);
            enforcement.recovered();
            ready = true;
            return null;
        });
    }

    public boolean ready() {
        return ready;
    }

    /** Stops the timers and closes the store (appends already made are durable). */
    public Future<Void> stop() {
        ready = false;
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        return store.close();
    }

    // ---- recovery ------------------------------------------------------------------------------

    private void replay(StoreRecord record) {
        switch (record) {
            case StoreRecord.KeyPackageAdded r -> keyPackages.replay(r);
            case StoreRecord.KeyPackageTaken r -> keyPackages.replay(r);
            case StoreRecord.SignatureKeyRegistered r -> keyPackages.replay(r);
            case StoreRecord.GroupCreated r -> {
                GroupState g = new GroupState(r.groupId(), r.creator());
                setState(g, r.epoch(), 0, r.groupInfo(), r.ratchetTree());
                g.devices.forEach(d -> g.access.put(d, new GroupState.Access(0)));
                groups.put(g.id, g);
            }
            case StoreRecord.GroupState r -> {
                GroupState g = new GroupState(r.groupId(), r.creator());
                setState(g, r.epoch(), r.stateSeq(), r.groupInfo(), r.ratchetTree());
                g.nextSeq = r.nextSeq();
                groups.put(g.id, g);
            }
            case StoreRecord.MessageAccepted r -> {
                GroupMessage m = r.message();
                GroupState g = groups.get(m.groupId());
                if (g != null) {
                    g.nextSeq = Math.max(g.nextSeq, m.seq() + 1);
                    if (!r.digest().isEmpty()) {
                        g.recent.put(r.digest(), m.seq());
                    } else if (!m.message().isEmpty()) {
                        g.recent.put(digest(m.message()), m.seq());
                    }
                    if (m.kind() == MessageKind.PROPOSAL && m.epoch() == g.epoch && m.seq() > g.stateSeq
                            && g.pendingProposals.stream().noneMatch(p -> p.seq() == m.seq())) {
                        g.pendingProposals.add(m);
                    }
                }
            }
            case StoreRecord.CommitAccepted r -> {
                GroupMessage m = r.commit();
                GroupState g = groups.get(m.groupId());
                if (g != null && m.seq() > g.stateSeq) {
                    g.nextSeq = Math.max(g.nextSeq, m.seq() + 1);
                    setState(g, m.epoch() + 1, m.seq(), r.groupInfo(), r.ratchetTree());
                    g.recent.put(digest(m.message()), m.seq());
                    for (StoreRecord.Joined j : r.joined()) {
                        access.joined(g, j.device(), m.seq());
                        if (j.mailboxSeq() > 0) {
                            mailboxes.put(j.device(), new Mailboxes.Entry(j.mailboxSeq(), g.id, m.seq(), r.welcome(),
                                    m.timestampMillis()));
                        }
                    }
                    r.departed().forEach(d -> access.departed(g, d, m.seq(), m.timestampMillis()));
                } else if (g != null) {
                    g.nextSeq = Math.max(g.nextSeq, m.seq() + 1);
                }
            }
            case StoreRecord.CursorMoved r -> {
                mailboxes.advance(r.device(), r.groupId(), r.seq());
                GroupState g = groups.get(r.groupId());
                if (g != null) {
                    access.settle(g, r.device());
                }
            }
            case StoreRecord.MailboxAcked r -> mailboxes.ack(r.device(), r.seq());
            case StoreRecord.MailboxEntry r -> mailboxes.put(r.device(),
                    new Mailboxes.Entry(r.mailboxSeq(), r.groupId(), r.groupSeq(), r.welcome(), r.timestampMillis()));
            case StoreRecord.Departed r -> {
                GroupState g = groups.get(r.groupId());
                if (g != null) {
                    GroupState.Access a = g.access.computeIfAbsent(r.device(), d -> new GroupState.Access(0));
                    a.departures.addLast(new GroupState.Departure(r.untilSeq(), r.timestampMillis(), r.rejoinSeq()));
                }
            }
            case StoreRecord.MemberSince r -> {
                GroupState g = groups.get(r.groupId());
                if (g != null) {
                    g.access.put(r.device(), new GroupState.Access(r.sinceSeq()));
                }
            }
            case StoreRecord.UserErased r -> eraseState(r.userId());
        }
    }

    /** Sets a group's epoch state from stored GroupInfo and tree, deriving the devices without re-verifying. */
    private static void setState(GroupState g, long epoch, long stateSeq, Bytes groupInfo, Bytes tree) {
        g.epoch = epoch;
        g.stateSeq = stateSeq;
        g.groupInfo = groupInfo;
        g.ratchetTree = tree;
        g.pendingProposals.clear();
        g.view = null;
        try {
            GroupInfo gi = groupInfoOf(groupInfo);
            CipherSuite suite = BcCipherSuites.require(gi.groupContext().cipherSuite());
            RatchetTree t = RatchetTree.decode(suite, tree.unsafeArray());
            Set<DeviceId> devices = new HashSet<>();
            for (int leaf : t.occupiedLeaves()) {
                t.leaf(leaf).flatMap(l -> PublicGroupView.deviceOf(l.credential())).ifPresent(devices::add);
            }
            g.devices = Set.copyOf(devices);
        } catch (MlsException | RelayException e) {
            LOG.log(Level.SEVERE, "stored state of a group does not decode", e);
            g.devices = Set.of();
        }
    }

    // ---- cut-off (per-device access: DeliveryAccess) -------------------------------------------

    /**
     * Stops delivering a group to these devices at once: they receive nothing after the last
     * durable message and may no longer send (a roster removal, ahead of the commit that removes
     * their leaves). Completes once durable.
     */
    public Future<Void> cutOff(Bytes groupId, Set<DeviceId> devices) {
        GroupState g = groups.get(groupId);
        if (g == null) {
            return Future.failedFuture(new RelayException(ErrorCode.UNKNOWN_GROUP, "unknown group"));
        }
        long until = g.durableNext - 1;
        long now = clock.millis();
        List<Future<Void>> writes = new ArrayList<>();
        for (DeviceId d : devices) {
            GroupState.Access a = g.access.get(d);
            if (a == null || a.cutOff()) {
                continue;
            }
            a.departures.addLast(new GroupState.Departure(until, now, 0));
            writes.add(append(new StoreRecord.Departed(g.id, d, until, 0, now)));
            notifyDevice(d, l -> l.accessChanged(g.id));
        }
        return Future.all(writes).mapEmpty();
    }

    // ---- registration and delivery queries -----------------------------------------------------

    public void attach(DeviceId device, Listener listener) {
        listeners.computeIfAbsent(device, d -> new LinkedHashSet<>()).add(listener);
    }

    public void detach(DeviceId device, Listener listener) {
        Set<Listener> set = listeners.get(device);
        if (set != null) {
            set.remove(listener);
            if (set.isEmpty()) {
                listeners.remove(device);
            }
        }
    }

    /** The groups whose messages the device receives (member, or removed but not yet served to the end). */
    public Set<Bytes> receivingGroups(DeviceId device) {
        return access.receivingGroups(device);
    }

    /** The first sequence number to deliver to a device that just connected: after its cursor. */
    public long deliveryStart(DeviceId device, Bytes groupId) {
        return Math.max(mailboxes.cursor(device, groupId) + 1, store.firstRetained(groupId));
    }

    /**
     * One past the last sequence number the device may receive now (durable, and within its
     * membership): delivery from its cursor stops at its next departure.
     */
    public long deliveryEnd(DeviceId device, Bytes groupId) {
        return DeliveryAccess.end(groups.get(groupId), device);
    }

    /**
     * The first sequence number at or after {@code from} the device may receive: never before it
     * joined nor inside a gap it has passed.
     */
    public long clampFrom(DeviceId device, Bytes groupId, long from) {
        return DeliveryAccess.clampFrom(groups.get(groupId), device, from);
    }

    public long cursor(DeviceId device, Bytes groupId) {
        return mailboxes.cursor(device, groupId);
    }

    /** Messages of a group for a device, from {@code fromSeq}, within what it may receive. */
    public Future<List<GroupMessage>> read(DeviceId device, Bytes groupId, long from, int max) {
        long fromSeq = clampFrom(device, groupId, from);
        long end = deliveryEnd(device, groupId);
        if (fromSeq >= end) {
            return Future.succeededFuture(List.of());
        }
        int n = (int) Math.min(max, end - fromSeq);
        long t0 = System.nanoTime();
        return store.read(groupId, fromSeq, n).map(list -> {
            metrics.storeLatency("read", java.time.Duration.ofNanos(System.nanoTime() - t0));
            return list.stream().filter(m -> m.seq() < end).toList();
        });
    }

    /** Every retained message of a group from {@code fromSeq} (operations and tests; no access check). */
    public Future<List<GroupMessage>> stored(Bytes groupId, long fromSeq, int max) {
        return store.read(groupId, fromSeq, max);
    }

    public long mailboxStart(DeviceId device) {
        return Math.max(mailboxes.mailboxAcked(device) + 1, mailboxes.firstRetained(device));
    }

    public List<Mailboxes.Entry> mailbox(DeviceId device, long fromSeq, int max) {
        return mailboxes.entries(device, fromSeq, max);
    }

    /** Checks a Resume: the group must be received by the device and {@code fromSeq} retained. */
    public void checkResume(DeviceId device, Optional<Bytes> groupId, long fromSeq) {
        if (groupId.isEmpty()) {
            if (fromSeq < mailboxes.firstRetained(device)) {
                throw new RelayException(ErrorCode.NOT_RETAINED, "mailbox entry " + fromSeq + " is no longer kept");
            }
            return;
        }
        GroupState g = group(groupId.get());
        if (!g.receives(device)) {
            throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
        }
        if (fromSeq < store.firstRetained(g.id) && fromSeq < g.nextSeq) {
            throw new RelayException(ErrorCode.NOT_RETAINED, "message " + fromSeq + " is no longer kept");
        }
    }

    private GroupState group(Bytes groupId) {
        GroupState g = groups.get(groupId);
        if (g == null) {
            throw new RelayException(ErrorCode.UNKNOWN_GROUP, "unknown group");
        }
        return g;
    }

    private void notifyGroup(GroupState g) {
        for (DeviceId d : List.copyOf(g.access.keySet())) {
            Set<Listener> ls = listeners.get(d);
            if (ls != null) {
                List.copyOf(ls).forEach(l -> l.groupAdvanced(g.id));
            }
        }
    }

    private void notifyDevice(DeviceId device, java.util.function.Consumer<Listener> event) {
        Set<Listener> ls = listeners.get(device);
        if (ls != null) {
            List.copyOf(ls).forEach(event);
        }
    }

    // ---- sequencing helpers --------------------------------------------------------------------

    /** Runs {@code op} after every earlier operation of the group (the group's sequencer). */
    private <T> Future<T> sequenced(GroupState g, Supplier<Future<T>> op) {
        if (g.queued >= MAX_QUEUED_PER_GROUP) {
            metrics.limitExceeded("group_queue");
            return Future.failedFuture(new RelayException(ErrorCode.RATE_LIMITED, "group busy", 100));
        }
        g.queued++;
        Future<T> result = g.tail.transform(ar -> op.get());
        g.tail = result.transform(ar -> {
            g.queued--;
            return Future.succeededFuture();
        });
        return result;
    }

    /** Runs validation off the event loop, mapping MLS failures to relay error codes. */
    <T> Future<T> validate(Callable<T> work) {
        return vertx.executeBlocking(work, false).recover(e -> Future.failedFuture(translate(e)));
    }

    static RelayException translate(Throwable e) {
        return switch (e) {
            case RelayException r -> r;
            case ValidationException v -> new RelayException(ErrorCode.INVALID_MESSAGE,
                    v.rule().name() + " (" + v.rule().section() + ")");
            case DecodeException d -> new RelayException(ErrorCode.INVALID_MESSAGE, "malformed MLS message");
            default -> {
                LOG.log(Level.WARNING, "internal failure", e);
                yield new RelayException(ErrorCode.INTERNAL, "internal error");
            }
        };
    }

    private Future<GroupView> view(GroupState g) {
        if (g.view != null) {
            return Future.succeededFuture(g.view);
        }
        Bytes gi = g.groupInfo;
        Bytes tree = g.ratchetTree;
        List<GroupMessage> proposals = List.copyOf(g.pendingProposals);
        return validate(() -> {
            GroupView v = PublicGroupView.fromGroupInfo(groupInfoOf(gi), Optional.of(tree));
            for (GroupMessage p : proposals) {
                v.processProposal(publicMessageOf(p.message()));
            }
            return v;
        }).map(v -> {
            g.view = v;
            return v;
        });
    }

    Future<Void> append(StoreRecord record) {
        long t0 = System.nanoTime();
        return store.append(record).andThen(ar -> metrics.storeLatency("append",
                java.time.Duration.ofNanos(System.nanoTime() - t0)));
    }

    private static Bytes digest(Bytes message) {
        try {
            return Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(message.unsafeArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new RelayException(ErrorCode.INTERNAL, "SHA-256 unavailable");
        }
    }

    private static void checkReplay(GroupState g, Bytes hash) {
        Long seq = g.recent.get(hash);
        if (seq != null) {
            throw new RelayException(ErrorCode.REPLAY, "already accepted as seq " + seq);
        }
    }

    // ---- KeyPackages (KeyPackageService) -------------------------------------------------------

    /** Validates and stores a device's KeyPackages; completes with how many ordinary ones it holds. */
    public Future<Long> publishKeyPackages(DeviceId device, Frame.PublishKeyPackages frame) {
        return keyPackages.publish(device, frame);
    }

    /** Hands out one KeyPackage per device of the user (or the named device). */
    public Future<List<Frame.KeyPackageEntry>> claimKeyPackages(DeviceId claimer, Frame.ClaimKeyPackages frame) {
        return keyPackages.claim(claimer, frame);
    }

    // ---- groups --------------------------------------------------------------------------------

    /** Registers a group from its GroupInfo and tree; the sender must be one of its devices. */
    public Future<Long> createGroup(DeviceId device, Frame.CreateGroup frame) {
        Bytes id = frame.groupId();
        if (id.isEmpty() || id.length() > 255) {
            return Future.failedFuture(new RelayException(ErrorCode.INVALID_MESSAGE, "group id of 1..255 bytes"));
        }
        if (groups.containsKey(id) || !creating.add(id)) {
            return Future.failedFuture(new RelayException(ErrorCode.GROUP_EXISTS, "group id in use"));
        }
        return validate(() -> {
            GroupInfo gi = groupInfoOf(frame.groupInfo());
            if (!gi.groupContext().hasGroupId(id.unsafeArray())) {
                throw new ValidationException(RelayRule.GROUP_ID_MISMATCH);
            }
            return PublicGroupView.fromGroupInfo(gi, frame.ratchetTree());
        }).compose(view -> {
            if (!view.devices().contains(device)) {
                return Future.failedFuture(new RelayException(ErrorCode.FORBIDDEN, "the sender is not in the group"));
            }
            try {
                enforcement.checkCreate(device, id, view);
            } catch (RuntimeException e) {
                return Future.failedFuture(translate(e));
            }
            if (view.memberCount() > config.maxGroupSize) {
                metrics.limitExceeded("group_size");
                return Future.failedFuture(new RelayException(ErrorCode.LIMIT_EXCEEDED,
                        "at most " + config.maxGroupSize + " members"));
            }
            Bytes tree = view.ratchetTree();
            StoreRecord.GroupCreated rec = new StoreRecord.GroupCreated(id, device, view.epoch(), frame.groupInfo(), tree,
                    clock.millis());
            return append(rec).map(v -> {
                GroupState g = new GroupState(id, device);
                g.epoch = view.epoch();
                g.groupInfo = frame.groupInfo();
                g.ratchetTree = tree;
                g.devices = view.devices();
                g.devices.forEach(d -> g.access.put(d, new GroupState.Access(0)));
                g.view = view;
                groups.put(id, g);
                g.devices.forEach(d -> {
                    access.receive(d, id);
                    notifyDevice(d, l -> l.accessChanged(id));
                });
                metrics.accepted("create_group");
                enforcement.groupCreated(g, device);
                return 0L;
            });
        }).andThen(ar -> creating.remove(id));
    }

    /** The latest GroupInfo and tree: for members and for other devices of a member's user. */
    public Frame.GroupInfoResult fetchGroupInfo(DeviceId device, Bytes groupId) {
        GroupState g = group(groupId);
        if (!g.active(device) && !g.hasUser(device.userId())) {
            throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
        }
        return new Frame.GroupInfoResult(g.stateSeq, g.groupInfo, g.ratchetTree);
    }

    /** Validates, sequences and stores an application message (PrivateMessage). */
    public Future<Long> sendApplication(DeviceId device, Frame.SendApplication frame) {
        GroupState g;
        PrivateMessage pm;
        Bytes hash;
        try {
            g = group(frame.groupId());
            if (!g.active(device)) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            enforcement.checkApplication(g);
            if (g.fenced) {
                throw new RelayException(ErrorCode.GROUP_FENCED, "a removal is pending", 1_000);
            }
            if (!(mlsOf(frame.message()) instanceof MlsMessage.OfPrivateMessage p)) {
                throw new ValidationException(RelayRule.WRONG_WIRE_FORMAT, "expected a PrivateMessage");
            }
            pm = p.message();
            if (!java.util.Arrays.equals(pm.groupId(), g.id.unsafeArray())) {
                throw new ValidationException(RelayRule.GROUP_ID_MISMATCH);
            }
            checkEpoch(pm.epoch(), g.epoch, false);
            hash = digest(frame.message());
            checkReplay(g, hash);
        } catch (RuntimeException e) {
            return Future.failedFuture(translate(e));
        }
        GroupMessage m = new GroupMessage(g.id, g.nextSeq++, pm.epoch(), MessageKind.APPLICATION, clock.millis(),
                frame.message());
        g.recent.put(hash, m.seq());
        metrics.accepted("application");
        return accepted(g, m, new StoreRecord.MessageAccepted(m, hash));
    }

    /** Validates a proposal with the group's view, then sequences and stores it. */
    public Future<Long> sendProposal(DeviceId device, Frame.SendProposal frame) {
        GroupState g;
        Bytes hash;
        try {
            g = group(frame.groupId());
            if (!g.active(device)) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            enforcement.checkProposalOpen(g);
            hash = digest(frame.proposal());
            checkReplay(g, hash);
        } catch (RuntimeException e) {
            return Future.failedFuture(translate(e));
        }
        return sequenced(g, () -> view(g).compose(view -> validate(() -> {
            PublicMessage pm = publicMessageOf(frame.proposal());
            if (!java.util.Arrays.equals(pm.content().groupId(), g.id.unsafeArray())) {
                throw new ValidationException(RelayRule.GROUP_ID_MISMATCH);
            }
            checkEpoch(pm.content().epoch(), view.epoch(), false);
            if (!view.senderDevice(pm).equals(Optional.of(device))) {
                throw new RelayException(ErrorCode.FORBIDDEN, RelayRule.SENDER_NOT_DEVICE.description());
            }
            return new ProposalBundle(pm, view.proposalFacts(pm));
        }).compose(bundle -> {
            try {
                enforcement.checkProposal(g, bundle.facts()); // the roster and registered keys: on the event loop
            } catch (RuntimeException e) {
                return Future.failedFuture(translate(e));
            }
            return validate(() -> {
                view.processProposal(bundle.message());
                return bundle.message().content().epoch();
            });
        })).compose(epoch -> {
            checkReplay(g, hash);
            GroupMessage m = new GroupMessage(g.id, g.nextSeq++, epoch, MessageKind.PROPOSAL, clock.millis(),
                    frame.proposal());
            g.recent.put(hash, m.seq());
            g.pendingProposals.add(m);
            metrics.accepted("proposal");
            return accepted(g, m, new StoreRecord.MessageAccepted(m, hash));
        }));
    }

    private record ProposalBundle(PublicMessage message, GroupView.ProposalFacts facts) {
    }

    private record StagedBundle(GroupView.Staged staged, long epoch, Optional<Welcome> welcome) {
    }

    /**
     * Validates a commit bundle with the group's view and, if it is the first commit of its epoch,
     * sequences and stores it, advances the group, then releases the Welcome.
     */
    public Future<Long> sendCommit(DeviceId device, Frame.SendCommit frame) {
        GroupState g;
        Bytes hash;
        try {
            g = group(frame.groupId());
            if (!g.active(device) && !g.hasUser(device.userId())) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            hash = digest(frame.commit());
            checkReplay(g, hash);
        } catch (RuntimeException e) {
            RelayException refused = translate(e);
            enforcement.commitRefused(frame.groupId(), device, refused);
            return Future.failedFuture(refused);
        }
        return sequenced(g, () -> view(g).compose(view -> validate(() -> {
            PublicMessage pm = publicMessageOf(frame.commit());
            if (!java.util.Arrays.equals(pm.content().groupId(), g.id.unsafeArray())) {
                throw new ValidationException(RelayRule.GROUP_ID_MISMATCH);
            }
            checkEpoch(pm.content().epoch(), view.epoch(), true);
            boolean member = g.active(device);
            if (member && !view.senderDevice(pm).equals(Optional.of(device))) {
                throw new RelayException(ErrorCode.FORBIDDEN, RelayRule.SENDER_NOT_DEVICE.description());
            }
            GroupInfo gi = groupInfoOf(frame.groupInfo());
            Optional<Welcome> welcome = Optional.empty();
            if (frame.welcome().isPresent()) {
                if (!(mlsOf(frame.welcome().get()) instanceof MlsMessage.OfWelcome w)) {
                    throw new ValidationException(RelayRule.WRONG_WIRE_FORMAT, "expected a Welcome");
                }
                welcome = Optional.of(w.welcome());
            }
            GroupView.Staged staged = view.stageCommit(pm, gi);
            if (!staged.committer().equals(Optional.of(device))) {
                throw new RelayException(ErrorCode.FORBIDDEN, RelayRule.SENDER_NOT_DEVICE.description());
            }
            if (staged.memberCountAfter() > config.maxGroupSize) {
                throw new RelayException(ErrorCode.LIMIT_EXCEEDED, "at most " + config.maxGroupSize + " members");
            }
            Set<DeviceId> welcomed = new HashSet<>(staged.added());
            if (staged.external()) {
                staged.committer().ifPresent(welcomed::remove);
            }
            if (!welcomed.isEmpty() && welcome.isEmpty()) {
                throw new RelayException(ErrorCode.INVALID_MESSAGE, "the commit adds members but has no Welcome");
            }
            return new StagedBundle(staged, pm.content().epoch(), welcome);
        })).compose(bundle -> {
            try {
                enforcement.checkCommit(g, device, bundle.staged());
            } catch (RuntimeException e) {
                return Future.failedFuture(translate(e));
            }
            return acceptCommit(g, device, frame, hash, bundle)
                    .onSuccess(seq -> enforcement.commitAccepted(g, device, seq, bundle.staged()));
        }))
                .onFailure(e -> {
                    if (e instanceof RelayException r && r.code() == ErrorCode.LIMIT_EXCEEDED) {
                        metrics.limitExceeded("group_size");
                    }
                    enforcement.commitRefused(g.id, device, translate(e));
                });
    }

    private Future<Long> acceptCommit(GroupState g, DeviceId device, Frame.SendCommit frame, Bytes hash,
            StagedBundle bundle) {
        GroupView.Staged staged = bundle.staged();
        long seq = g.nextSeq++;
        long now = clock.millis();
        g.epoch = staged.newEpoch();
        g.recent.put(hash, seq);
        boolean hasWelcome = bundle.welcome().isPresent();
        List<StoreRecord.Joined> joined = new ArrayList<>();
        for (DeviceId d : staged.added()) {
            boolean external = staged.external() && staged.committer().equals(Optional.of(d));
            // reserve the mailbox slot now so that concurrent commits never share it
            long mailboxSeq = hasWelcome && !external ? mailboxes.reserve(d) : 0;
            joined.add(new StoreRecord.Joined(d, mailboxSeq));
        }
        GroupMessage m = new GroupMessage(g.id, seq, bundle.epoch(), MessageKind.COMMIT, now, frame.commit());
        Bytes welcomeBytes = frame.welcome().orElse(Bytes.EMPTY);
        StoreRecord.CommitAccepted rec = new StoreRecord.CommitAccepted(m, frame.groupInfo(), staged.ratchetTreeAfter(),
                welcomeBytes, joined, List.copyOf(staged.removed()));
        metrics.accepted("commit");
        long t0 = System.nanoTime();
        return store.append(rec).map(v -> {
            metrics.storeLatency("append", java.time.Duration.ofNanos(System.nanoTime() - t0));
            g.view.merge(staged);
            g.devices = staged.devicesAfter();
            g.stateSeq = seq;
            g.groupInfo = frame.groupInfo();
            g.ratchetTree = staged.ratchetTreeAfter();
            g.pendingProposals.clear();
            g.durableNext = Math.max(g.durableNext, seq + 1);
            for (StoreRecord.Joined j : joined) {
                access.joined(g, j.device(), seq);
                access.receive(j.device(), g.id);
                if (j.mailboxSeq() > 0) {
                    mailboxes.put(j.device(), new Mailboxes.Entry(j.mailboxSeq(), g.id, seq, welcomeBytes, now));
                }
            }
            for (DeviceId d : staged.removed()) {
                access.departed(g, d, seq, now);
            }
            retentionDirty.add(g.id);
            return seq;
        }).andThen(ar -> {
            if (ar.succeeded()) {
                vertx.runOnContext(x -> {
                    notifyGroup(g);
                    staged.removed().forEach(d -> notifyDevice(d, l -> l.accessChanged(g.id)));
                    for (StoreRecord.Joined j : joined) {
                        notifyDevice(j.device(), l -> {
                            l.accessChanged(g.id);
                            l.mailboxAdvanced();
                        });
                    }
                });
            }
        });
    }

    /** Completes with the sequence number once the record is durable, then wakes the receivers. */
    private Future<Long> accepted(GroupState g, GroupMessage m, StoreRecord record) {
        return append(record).map(v -> {
            g.durableNext = Math.max(g.durableNext, m.seq() + 1);
            // receivers are woken after the sender's Ok is written (same event-loop turn order)
            vertx.runOnContext(x -> notifyGroup(g));
            return m.seq();
        });
    }

    // ---- acknowledgements ----------------------------------------------------------------------

    /** A device processed a group's messages up to {@code seq}. */
    public Future<Long> ackGroup(DeviceId device, Bytes groupId, long seq) {
        GroupState g;
        try {
            g = group(groupId);
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        if (!g.receives(device)) {
            return Future.failedFuture(new RelayException(ErrorCode.FORBIDDEN, "not a member of the group"));
        }
        long upTo = Math.min(seq, deliveryEnd(device, groupId) - 1);
        if (!mailboxes.advance(device, groupId, upTo)) {
            return Future.succeededFuture(mailboxes.cursor(device, groupId));
        }
        retentionDirty.add(groupId);
        int departures = g.access.get(device).departures.size();
        access.settle(g, device);
        GroupState.Access after = g.access.get(device);
        if (after == null || after.departures.size() != departures) {
            notifyDevice(device, l -> l.accessChanged(groupId)); // left the group, or passed a re-add gap
        }
        // the cursor as settled: after a re-add gap it is the re-adding commit
        long cursor = after == null ? upTo : mailboxes.cursor(device, groupId);
        return append(new StoreRecord.CursorMoved(device, groupId, cursor)).map(v -> {
            enforcement.delivered(g, device, cursor);
            return cursor;
        });
    }

    /** A device processed its mailbox up to {@code seq}. */
    public Future<Long> ackMailbox(DeviceId device, long seq) {
        long upTo = Math.min(seq, mailboxes.nextMailboxSeq(device) - 1);
        if (!mailboxes.ack(device, upTo)) {
            return Future.succeededFuture(mailboxes.mailboxAcked(device));
        }
        return append(new StoreRecord.MailboxAcked(device, upTo)).map(v -> upTo);
    }

    // ---- retention -----------------------------------------------------------------------------

    /** Drops messages every recipient acknowledged, for groups whose cursors moved. */
    void sweepRetention() {
        for (Bytes id : List.copyOf(retentionDirty)) {
            GroupState g = groups.get(id);
            if (g == null) {
                continue;
            }
            long floor = g.durableNext - 1;
            for (DeviceId d : g.access.keySet()) {
                floor = Math.min(floor, mailboxes.cursor(d, id));
            }
            store.dropBefore(id, floor + 1);
        }
        retentionDirty.clear();
    }

    private void expireAndCompact() {
        long now = clock.millis();
        long cutoff = now - config.messageTtl.toMillis();
        store.expireBefore(cutoff);
        // a care team's own retention period, when it has one, applies to its group
        for (GroupState g : groups.values()) {
            enforcement.retention(g.id).ifPresent(r -> store.expireBefore(g.id, now - r.toMillis()));
        }
        mailboxes.expireBefore(cutoff);
        for (GroupState g : groups.values()) {
            for (DeviceId d : List.copyOf(g.access.keySet())) {
                expireDepartures(g, d, cutoff);
            }
        }
        long disk = store.diskBytes();
        if (disk > 2 * compactedSize + config.segmentBytes) {
            store.compact(this::liveRecords).onComplete(ar -> {
                compactedSize = store.diskBytes();
                if (ar.failed()) {
                    LOG.log(Level.WARNING, "store compaction failed", ar.cause());
                }
            });
        }
    }

    /**
     * Departures older than the TTL: what they owed has expired, so the device moves past them
     * (to the re-adding commit, or out of the group once it is out of the tree).
     */
    private void expireDepartures(GroupState g, DeviceId d, long cutoff) {
        GroupState.Access a = g.access.get(d);
        GroupState.Departure first = a.departures.peekFirst();
        if (first == null || first.timestampMillis() >= cutoff || mailboxes.cursor(d, g.id) >= first.untilSeq()) {
            return;
        }
        mailboxes.set(d, g.id, first.untilSeq());
        access.settle(g, d);
        retentionDirty.add(g.id);
        long cursor = mailboxes.cursor(d, g.id);
        append(new StoreRecord.CursorMoved(d, g.id, cursor));
        notifyDevice(d, l -> l.accessChanged(g.id));
    }

    /** Every record the current state needs (for a store checkpoint). */
    List<StoreRecord> liveRecords() {
        List<StoreRecord> out = new ArrayList<>(keyPackages.liveRecords());
        for (GroupState g : groups.values()) {
            out.add(new StoreRecord.GroupState(g.id, g.creator, g.epoch, g.stateSeq, g.nextSeq, g.groupInfo,
                    g.ratchetTree));
            g.access.forEach((d, a) -> {
                out.add(new StoreRecord.MemberSince(g.id, d, a.since));
                a.departures.forEach(dep -> out.add(new StoreRecord.Departed(g.id, d, dep.untilSeq(), dep.rejoinSeq(),
                        dep.timestampMillis())));
            });
            g.pendingProposals.forEach(p -> out.add(new StoreRecord.MessageAccepted(p)));
        }
        out.addAll(mailboxes.liveRecords());
        return out;
    }

    /** Forces a retention sweep and a compaction check now (tests, shutdown). */
    public Future<Boolean> compactNow() {
        sweepRetention();
        return store.compact(this::liveRecords).andThen(ar -> compactedSize = store.diskBytes());
    }

    public int groupCount() {
        return groups.size();
    }

    // ---- the relay as external sender (used by RosterEnforcement) ------------------------------

    /** The relay's ExternalSender for a cipher suite; {@code INVALID_MESSAGE} when it has none. */
    public Frame.ExternalSenderResult fetchExternalSender(int cipherSuite) {
        return enforcement.fetchExternalSender(cipherSuite);
    }

    Vertx vertx() {
        return vertx;
    }

    Optional<GroupState> groupState(Bytes groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    java.util.Collection<GroupState> groupStates() {
        return groups.values();
    }

    <T> Future<T> inSequence(GroupState g, Supplier<Future<T>> op) {
        return sequenced(g, op);
    }

    Future<GroupView> viewOf(GroupState g) {
        return view(g);
    }

    <T> Future<T> offLoop(Callable<T> work) {
        return validate(work);
    }

    /**
     * Sequences and stores a proposal of the relay (already validated by the group's view, inside
     * the group's sequencer), exactly as {@link #sendProposal} does for a member's.
     */
    Future<Long> storeRelayProposal(GroupState g, Bytes proposal, long epoch) {
        GroupMessage m = new GroupMessage(g.id, g.nextSeq++, epoch, MessageKind.PROPOSAL, clock.millis(), proposal);
        g.recent.put(digest(proposal), m.seq());
        g.pendingProposals.add(m);
        metrics.accepted("relay_proposal");
        return accepted(g, m, new StoreRecord.MessageAccepted(m));
    }

    /** Whether the device registered the signature key (see {@link KeyPackageService#registered}). */
    boolean keyRegistered(DeviceId device, dev.ampoule.mls.crypto.SignaturePublicKey key) {
        return keyPackages.registered(device, key);
    }

    /** Withdraws a device's KeyPackages (see {@link KeyPackageService#withdraw}). */
    Future<Void> withdrawKeyPackages(DeviceId device) {
        return keyPackages.withdraw(device);
    }

    /** KeyPackages for the relay's own Add proposals (see {@link KeyPackageService#claimForRelay}). */
    Future<List<KeyPackageDirectory.Claim>> claimForRelay(String userId, int cipherSuite, Set<DeviceId> skip) {
        return keyPackages.claimForRelay(userId, cipherSuite, skip);
    }

    /**
     * Erases a user (GDPR): their devices still active in a group are cut off first (durably); then
     * their KeyPackages and their devices' mailboxes and cursors go, durably; then the store is
     * compacted so that the erased records leave the disk. Other devices' messages stay: a device
     * still in a tree (its removal pending) counts as having received what it was owed.
     */
    Future<Void> eraseUser(String userId) {
        List<Future<Void>> cuts = new ArrayList<>();
        for (GroupState g : groups.values()) {
            Set<DeviceId> active = new HashSet<>();
            for (DeviceId d : g.devices) {
                if (d.userId().equals(userId) && g.active(d)) {
                    active.add(d);
                }
            }
            if (!active.isEmpty()) {
                cuts.add(cutOff(g.id, active));
            }
        }
        return Future.all(cuts).compose(v -> append(new StoreRecord.UserErased(userId))).compose(v -> {
            eraseState(userId);
            sweepRetention();
            return store.compact(this::liveRecords).andThen(ar -> compactedSize = store.diskBytes()).<Void>mapEmpty();
        });
    }

    private void eraseState(String userId) {
        keyPackages.removeUser(userId);
        Set<DeviceId> devices = new HashSet<>(mailboxes.removeUser(userId));
        for (GroupState g : groups.values()) {
            for (DeviceId d : List.copyOf(g.access.keySet())) {
                if (!d.userId().equals(userId)) {
                    continue;
                }
                devices.add(d);
                GroupState.Access a = g.access.get(d);
                if (g.devices.contains(d) && a.cutOff()) {
                    // owed nothing more; it leaves delivery when the commit removing its leaf lands
                    mailboxes.set(d, g.id, a.departures.peekLast().untilSeq());
                } else {
                    g.access.remove(d);
                }
                retentionDirty.add(g.id);
            }
        }
        for (DeviceId d : devices) {
            access.forget(d).forEach(gid -> notifyDevice(d, l -> l.accessChanged(gid)));
        }
    }

    // ---- membership, for what the relay keeps beside the messages (blobs, history) ------------

    /** Whether the device is a member of the group now: in its tree and not cut off. */
    public boolean activeMember(DeviceId device, Bytes groupId) {
        GroupState g = groups.get(groupId);
        return g != null && g.active(device) && g.receives(device);
    }

    /**
     * The sequence number after which the device receives the group: the Commit that added it (0
     * for a creator); -1 when it receives nothing of the group.
     */
    public long memberSince(DeviceId device, Bytes groupId) {
        GroupState g = groups.get(groupId);
        GroupState.Access a = g == null ? null : g.access.get(device);
        return a == null ? -1 : a.since;
    }

    /** The last sequence number the group assigned (0 before its first message); -1 for an unknown group. */
    public long lastSeq(Bytes groupId) {
        GroupState g = groups.get(groupId);
        return g == null ? -1 : g.nextSeq - 1;
    }
}
