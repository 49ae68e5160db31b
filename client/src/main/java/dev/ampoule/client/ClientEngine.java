package dev.ampoule.client;

import dev.ampoule.client.LocalState.DeviceRecord;
import dev.ampoule.client.LocalState.GroupRecord;
import dev.ampoule.client.LocalState.StoredKeyPackage;
import dev.ampoule.client.store.EncryptedStateStore;
import dev.ampoule.client.identity.IssuerClient;
import dev.ampoule.client.transport.RelayConnection;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import java.io.IOException;
import java.net.http.HttpClient;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's machinery behind {@link AmpouleClient}. All MLS state — the device record, every
 * {@link GroupSession} — is confined to one thread, the <em>state thread</em> ({@link #exec}).
 * Frames from the relay and answers to requests hop onto it; so do the operations of the API.
 *
 * <p>Receiving: each group's messages are processed strictly in sequence order; a duplicate is
 * skipped, a gap asks the relay to resume. After a burst of work, {@link #flush()} persists what
 * changed (encrypted), then acknowledges to the relay what was processed, then hands the events to
 * the listener: an acknowledged message is always in the local state on disk.
 */
final class ClientEngine implements RelayConnection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ClientEngine.class);
    private static final int MAX_ORPHANS = 10_000;
    private static final Duration KEY_PACKAGE_LIFETIME = Duration.ofDays(90);

    final ClientSettings settings;
    final ScheduledExecutorService exec;
    final ScheduledExecutorService io;
    private final Executor callbacks;
    private final ExecutorService ownCallbacks;
    private final HttpClient http;
    private final boolean ownHttp;
    final EncryptedStateStore store;
    /** This device's Authentication Service: how it judges every member's credential. */
    final MemberAuthentication auth;
    final GroupConfig groupConfig;
    final CipherSuite suite;
    /** This device's credential now: its device certificate, or a basic credential {@code <user>#<device>}. */
    Credential credential;
    /** When the device certificate ends (none with a basic credential): no KeyPackage outlives it. */
    Optional<Instant> certificateNotAfter = Optional.empty();
    /** The device certificate's keeper, with an identity issuer. */
    private final Optional<DeviceCredentials> certificates;
    final RelayConnection conn;
    final GroupOperations ops;
    final BlobTransfers transfers;
    final Attachments attachments;
    final History history;
    final Records records;

    DeviceRecord device;
    final Map<Bytes, GroupSession> groups = new LinkedHashMap<>();
    /** The relay's external sender per cipher suite (wire value), empty when it has none; asked once. */
    final Map<Integer, Optional<ExternalSenders.ExternalSender>> externalSenders = new HashMap<>();
    private final Map<Bytes, TreeMap<Long, Frame.Deliver>> orphans = new HashMap<>();
    private int orphanCount;

    private final Set<GroupSession> dirty = new LinkedHashSet<>();
    private boolean deviceDirty;
    /** What was received since the last save, acknowledged once saved. */
    private final Map<Bytes, Long> acks = new LinkedHashMap<>();
    private long mailboxAckDue = -1;
    /** Saved and not acknowledged yet: sent together ({@link #sendAcks}). */
    private final Map<Bytes, Long> acksDue = new LinkedHashMap<>();
    /** Messages received since the last acknowledgements went out. */
    private int messagesDue;
    private java.util.concurrent.ScheduledFuture<?> ackTimer;
    private final List<ClientEvent> events = new ArrayList<>();
    private boolean flushScheduled;

    private volatile boolean closed;
    private CompletableFuture<Void> loaded;
    /** The local state loaded and, with an identity issuer, a device certificate in hand. */
    private CompletableFuture<Void> certified;
    private final CompletableFuture<Void> firstMaintenance = new CompletableFuture<>();
    private boolean maintaining;
    private boolean maintainAgain;
    private boolean lastResortPublished;

    ClientEngine(ClientSettings settings) {
        this.settings = settings;
        String name = "ampoule-" + settings.self().deviceId();
        this.exec = Executors.newSingleThreadScheduledExecutor(daemon(name + "-state"));
        this.io = Executors.newScheduledThreadPool(1, daemon(name + "-io"));
        if (settings.callbackExecutor().isPresent()) {
            this.callbacks = settings.callbackExecutor().get();
            this.ownCallbacks = null;
        } else {
            this.ownCallbacks = Executors.newSingleThreadExecutor(daemon(name + "-callbacks"));
            this.callbacks = ownCallbacks;
        }
        this.ownHttp = settings.httpClient().isEmpty();
        this.http = settings.httpClient().orElseGet(() -> HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout()).build());
        this.store = new EncryptedStateStore(settings.store(), settings.stateKey());
        this.auth = new MemberAuthentication(settings.trustAnchors(), settings.allowBasicCredentials());
        this.groupConfig = GroupConfig.builder().authenticationService(auth).build();
        this.suite = BcCipherSuites.of(settings.suite());
        this.credential = new Credential.Basic(settings.self().identity());
        this.certificates = settings.identityIssuer().map(issuer -> new DeviceCredentials(this,
                new IssuerClient(http, issuer, settings.operationTimeout())));
        this.conn = new RelayConnection(new RelayConnection.Settings(settings.relay(), settings.self().deviceId(),
                settings.tokens(), settings.connectTimeout(), settings.backoffMin(), settings.backoffMax(),
                settings.outboundCapacity(), settings.maxInboundBytes()), http, io, io, this);
        this.ops = new GroupOperations(this);
        this.transfers = new BlobTransfers(this);
        this.attachments = new Attachments(this);
        this.history = new History(this);
        this.records = new Records(this);
    }

    /**
     * The group policy of Ampoule in development mode: members' basic credentials name a device
     * ({@code <user>#<device>}), as the relay requires, and the relay may be the group's external
     * sender ({@link MemberAuthentication#development()}); the rest are group-protocol's defaults
     * (handshake messages as PublicMessage, so that the relay can validate them). A client's own
     * policy also follows its trust anchors ({@link #groupConfig}).
     */
    static GroupConfig groupConfig() {
        return GroupConfig.builder().authenticationService(MemberAuthentication.development()).build();
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    CompletableFuture<Void> connect() {
        CompletableFuture<Void> load;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
            }
            if (loaded == null) {
                loaded = CompletableFuture.runAsync(this::load, exec);
            }
            if (certified == null || certified.isCompletedExceptionally()) {
                // a device without a certificate yet (the issuer refused or was unreachable) tries again
                certified = loaded.thenComposeAsync(v -> certificates.map(DeviceCredentials::start)
                        .orElseGet(() -> CompletableFuture.completedFuture(null)), exec);
            }
            load = certified;
        }
        return load.thenCompose(v -> conn.start()).thenCompose(v -> firstMaintenance);
    }

    /** Restores the device and its groups from the store, or creates the device's identity. */
    private void load() {
        try {
            Optional<byte[]> saved = store.load(LocalState.DEVICE);
            if (saved.isPresent()) {
                DeviceRecord d = DeviceRecord.decode(saved.get());
                java.util.Arrays.fill(saved.get(), (byte) 0);
                if (!d.self.equals(settings.self()) || d.suite.id() != settings.suite()) {
                    throw new AmpouleException(AmpouleException.Reason.INVALID_REQUEST,
                            "the state store belongs to " + d.self + " (" + d.suite.id() + ")");
                }
                device = d;
            } else {
                device = new DeviceRecord(settings.self(), suite, suite.generateSignatureKeyPair(), List.of(), 0,
                        Optional.empty());
                store.save(LocalState.DEVICE, device.encode());
            }
            for (String name : store.names()) {
                if (!name.startsWith(LocalState.GROUP_PREFIX)) {
                    continue;
                }
                byte[] raw = store.load(name).orElseThrow();
                GroupRecord rec = GroupRecord.decode(raw);
                java.util.Arrays.fill(raw, (byte) 0);
                GroupSession s = new GroupSession(rec.groupId(), rec.restore(groupConfig), rec.processedSeq());
                rec.ownSent().forEach(h -> s.ownSent.put(h, new CompletableFuture<>()));
                s.pendingWelcome = rec.pendingWelcome();
                Optional<byte[]> keys = store.load(HistoryKeys.name(rec.groupId()));
                if (keys.isPresent()) {
                    s.keys = HistoryKeys.decode(keys.get());
                    java.util.Arrays.fill(keys.get(), (byte) 0);
                }
                groups.put(rec.groupId(), s);
                history.epochReached(s);
            }
        } catch (IOException e) {
            throw new AmpouleException(AmpouleException.Reason.STORAGE,
                    "cannot read the local state: " + e.getMessage(), e);
        } catch (MlsException e) {
            throw new AmpouleException(AmpouleException.Reason.STORAGE,
                    "the local state is corrupt: " + e.getMessage(), e);
        }
    }

    boolean isClosed() {
        return closed;
    }

    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        conn.close();
        transfers.close();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            exec.execute(() -> {
                try {
                    certificates.ifPresent(DeviceCredentials::stop);
                    flush();
                    AmpouleException e = new AmpouleException(AmpouleException.Reason.CLOSED, "closed");
                    groups.values().forEach(s -> s.failAll(e));
                    firstMaintenance.completeExceptionally(e);
                } finally {
                    done.complete(null);
                }
            });
            done.get(10, TimeUnit.SECONDS);
        } catch (RejectedExecutionException | ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("closing", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exec.shutdown();
        io.shutdown();
        if (ownCallbacks != null) {
            ownCallbacks.shutdown();
        }
        if (ownHttp) {
            http.shutdownNow();
        }
    }

    /** Drops the current connection as a network failure would (the client reconnects and resumes). */
    void dropConnection() {
        conn.dropConnection();
    }

    boolean isConnected() {
        return conn.isConnected();
    }

    // ---- futures handed to the application ------------------------------------------------------

    /**
     * The application's view of an internal future: completed on the callback executor, with an
     * {@link AmpouleException} as failure, after at most the operation timeout. (A timed-out
     * operation may still complete in the background: a message already sent is not withdrawn.)
     */
    <T> CompletableFuture<T> toApp(CompletableFuture<T> internal) {
        return toApp(internal, settings.operationTimeout());
    }

    /** {@link #toApp(CompletableFuture)} with its own timeout. */
    <T> CompletableFuture<T> toApp(CompletableFuture<T> internal, Duration timeout) {
        CompletableFuture<T> out = new CompletableFuture<>();
        ScheduledFuture<?> timer;
        try {
            timer = io.schedule(() -> onCallbacks(() -> out.completeExceptionally(new AmpouleException(
                    AmpouleException.Reason.TIMEOUT, "no outcome within " + timeout))),
                    timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
        }
        internal.whenComplete((r, e) -> {
            timer.cancel(false);
            onCallbacks(() -> {
                if (e != null) {
                    out.completeExceptionally(failure(e));
                } else {
                    out.complete(r);
                }
            });
        });
        return out;
    }

    private void onCallbacks(Runnable r) {
        try {
            callbacks.execute(r);
        } catch (RejectedExecutionException e) {
            r.run();
        }
    }

    /** Runs {@code op} on the state thread. */
    <T> CompletableFuture<T> onState(Supplier<CompletableFuture<T>> op) {
        try {
            return CompletableFuture.supplyAsync(() -> {
                requireReady();
                return op.get();
            }, exec).thenCompose(Function.identity());
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
        }
    }

    void requireReady() {
        if (closed) {
            throw new AmpouleException(AmpouleException.Reason.CLOSED, "the client is closed");
        }
        if (device == null) {
            throw new AmpouleException(AmpouleException.Reason.CLOSED, "call connect() first");
        }
    }

    /** The session of a group this device is an active member of (on the state thread); else NOT_A_MEMBER. */
    GroupSession requireGroup(GroupId groupId) {
        requireReady();
        GroupSession s = groups.get(groupId.bytes());
        if (s == null || !s.active()) {
            throw new AmpouleException(AmpouleException.Reason.NOT_A_MEMBER, "this device is not in " + groupId);
        }
        return s;
    }

    /** Any failure as an {@link AmpouleException}. */
    static AmpouleException failure(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return switch (t) {
            case AmpouleException a -> a;
            case MlsException m -> new AmpouleException(AmpouleException.Reason.MLS, m.getMessage(), m);
            case IOException io -> new AmpouleException(AmpouleException.Reason.STORAGE, io.getMessage(), io);
            case java.util.concurrent.TimeoutException to -> new AmpouleException(AmpouleException.Reason.TIMEOUT,
                    "timed out", to);
            default -> new AmpouleException(AmpouleException.Reason.INVALID_REQUEST, String.valueOf(t.getMessage()), t);
        };
    }

    // ---- RelayConnection.Listener (transport threads) -------------------------------------------

    @Override
    public void connected(long session) {
        runOnState(() -> onConnected(session));
    }

    @Override
    public void pushed(Frame.RelayFrame frame) {
        runOnState(() -> onPushed(frame));
    }

    @Override
    public void disconnected(String reason, long retryInMillis) {
        runOnState(() -> {
            emit(new ClientEvent.Disconnected(reason, retryInMillis));
            flushSoon();
        });
    }

    private void runOnState(Runnable r) {
        try {
            exec.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("state thread task failed", e);
                    emit(new ClientEvent.Problem("internal failure: " + e));
                    flushSoon();
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void onConnected(long session) {
        emit(new ClientEvent.Connected(session));
        for (GroupSession s : groups.values()) {
            if (!s.active()) {
                continue;
            }
            s.resumeRequested = false;
            resume(s);
            if (s.group.pendingCommit().isPresent() && s.ownCommit == null) {
                ops.resolveLeftoverCommit(s);
            }
            ops.relayProposalsPending(s); // restored with the relay's proposals still to commit
        }
        maintainKeyPackages().whenComplete((v, e) -> firstMaintenance.complete(null));
        if (session == 1) {
            long every = settings.keyPackageCheckInterval().toMillis();
            exec.scheduleWithFixedDelay(() -> {
                if (!closed && conn.isConnected()) {
                    maintainKeyPackages();
                }
            }, every, every, TimeUnit.MILLISECONDS);
        }
        flushSoon();
    }

    private void onPushed(Frame.RelayFrame frame) {
        switch (frame) {
            case Frame.Deliver d -> onDeliver(d);
            case Frame.WelcomeDelivery w -> onWelcome(w);
            case Frame.Error e -> {
                if (e.code() != ErrorCode.TOKEN_EXPIRED) {
                    emit(new ClientEvent.Problem("relay: " + e.code() + " " + e.detail()));
                }
            }
            default -> {
                // Reconnect is the transport's; stray answers are ignored
            }
        }
        flushSoon();
    }

    // ---- receiving -----------------------------------------------------------------------------

    private void onDeliver(Frame.Deliver d) {
        GroupSession s = groups.get(d.groupId());
        if (s == null) {
            // a group's messages can overtake its Welcome: keep them until the Welcome is processed
            if (orphanCount < MAX_ORPHANS
                    && orphans.computeIfAbsent(d.groupId(), k -> new TreeMap<>()).putIfAbsent(d.seq(), d) == null) {
                orphanCount++;
            }
            return;
        }
        if (d.seq() <= s.processedSeq || !s.active()) {
            acks.merge(s.id, Math.max(s.processedSeq, d.seq()), Math::max);
            messagesDue++;
            return;
        }
        if (d.seq() != s.processedSeq + 1) {
            if (!s.resumeRequested) {
                s.resumeRequested = true;
                resume(s);
            }
            return;
        }
        s.resumeRequested = false;
        process(s, d.seq(), d.message());
        s.processedSeq = d.seq();
        dirty.add(s);
        acks.merge(s.id, d.seq(), Math::max);
        messagesDue++;
        s.epochChanged();
        if (!s.active() && s.pendingWelcome.isPresent()) {
            Frame.WelcomeDelivery again = s.pendingWelcome.get();
            s.pendingWelcome = Optional.empty();
            joinFrom(again);
        }
    }

    /** Asks the relay to deliver the group again right after the last processed message. */
    private void resume(GroupSession s) {
        long from = s.processedSeq + 1;
        conn.request(new Frame.Resume(Optional.of(s.id), from)).thenAccept(answer -> {
            if (answer instanceof Frame.Error e && e.code() == ErrorCode.NOT_RETAINED) {
                runOnState(() -> {
                    emit(new ClientEvent.Problem("messages of " + s.groupId + " from #" + from
                            + " are no longer kept by the relay"));
                    flushSoon();
                });
            }
        });
    }

    private void process(GroupSession s, long seq, Bytes message) {
        CompletableFuture<Long> own = s.ownSent.remove(sha256(message));
        if (own != null) {
            own.complete(seq); // this device's own application message, seen back in sequence
            return;
        }
        Processed p;
        try {
            p = s.group.process(MlsMessage.fromBytes(message.unsafeArray()));
        } catch (ValidationException e) {
            // a member this device's Authentication Service refuses: say so, rather than a bare rejection
            emit(UntrustedMembers.find(s, seq, message, auth).map(ClientEvent.class::cast)
                    .orElseGet(() -> new ClientEvent.MessageRejected(s.groupId, seq, e.getMessage())));
            return;
        } catch (MlsException e) {
            emit(new ClientEvent.MessageRejected(s.groupId, seq, e.getMessage()));
            return;
        }
        switch (p) {
            case Processed.ApplicationMessage a -> {
                Optional<MemberIdentity> sender = s.identityAt(a.senderLeaf(), auth);
                if (sender.isEmpty()) {
                    emit(new ClientEvent.MessageRejected(s.groupId, seq, "sender names no device"));
                } else {
                    received(s, seq, sender.get(), a);
                }
            }
            case Processed.ProposalMessage m -> {
                // cached by the group; covered by the next Commit: the relay's are committed by themselves
                s.changed();
                ops.relayProposalsPending(s);
            }
            case StagedCommit c -> applyCommit(s, seq, c);
        }
    }

    private void applyCommit(GroupSession s, long seq, StagedCommit c) {
        Optional<DeviceId> by = switch (c.committer()) {
            case Sender.Member m -> s.deviceAt(m.leafIndex());
            default -> Optional.empty();
        };
        boolean own = s.group.pendingCommit().map(p -> p.staged() == c).orElse(false);
        Optional<String> broken = settings.careTeamRules() ? CareTeamRules.violation(s.group, c) : Optional.empty();
        if (broken.isPresent()) {
            // the relay should never have accepted it: not merged, nothing of it shown as a change
            emit(new ClientEvent.Problem("a Commit of " + s.groupId + " (#" + seq + ") breaks the care team's rules: "
                    + broken.get() + "; it is not applied"));
            return;
        }
        MembershipChange change = MembershipChange.of(c, s.group.ownLeafIndex(),
                (credential, key) -> auth.identify(credential, key, s.group.suite().id()));
        GroupSession.OwnCommit oc = s.ownCommit;
        try {
            s.group.merge(c);
        } catch (MlsException e) {
            emit(new ClientEvent.MessageRejected(s.groupId, seq, e.getMessage()));
            return;
        }
        s.changed();
        if (oc != null) {
            s.ownCommit = null;
            oc.outcome.complete(own ? seq : -1L);
        }
        if (c.removesSelf()) {
            history.left(s);
        } else {
            history.epochReached(s);
        }
        if (c.removesSelf()) {
            emit(new ClientEvent.RemovedFromGroup(s.groupId, seq, by, change.selfRemovedByRelay()));
            return;
        }
        long epoch = s.group.epoch();
        if (!change.added().isEmpty()) {
            emit(new ClientEvent.MembersAdded(s.groupId, seq, epoch, by, change.added(), false));
        }
        if (!change.addedByRelay().isEmpty()) {
            emit(new ClientEvent.MembersAdded(s.groupId, seq, epoch, by, change.addedByRelay(), true));
        }
        if (!change.removed().isEmpty()) {
            emit(new ClientEvent.MembersRemoved(s.groupId, seq, epoch, by, change.removed(), false));
        }
        if (!change.removedByRelay().isEmpty()) {
            emit(new ClientEvent.MembersRemoved(s.groupId, seq, epoch, by, change.removedByRelay(), true));
        }
    }

    /** An application message of another member: its content for the listener, or keys for this device. */
    private void received(GroupSession s, long seq, MemberIdentity from, Processed.ApplicationMessage a) {
        Payloads.Decoded decoded;
        try {
            decoded = Payloads.decodeMessage(s.groupId, a.data());
        } catch (MlsException e) {
            emit(new ClientEvent.MessageRejected(s.groupId, seq, "a message envelope does not decode: " + e.getMessage()));
            return;
        }
        switch (decoded) {
            case Payloads.Shown shown -> emit(new ClientEvent.MessageReceived(s.groupId, seq, from, shown.content(),
                    a.epoch()));
            case Payloads.Grant g -> history.received(s, seq, a.epoch(), from, g);
            case Payloads.RecordKey k -> records.received(s, seq, a.epoch(), from, k);
        }
    }

    /** Tells the listener about a problem in the background (any thread). */
    void problem(String description) {
        runOnState(() -> {
            emit(new ClientEvent.Problem(description));
            flushSoon();
        });
    }

    private void onWelcome(Frame.WelcomeDelivery w) {
        if (w.mailboxSeq() <= device.mailboxAcked) {
            mailboxAckDue = Math.max(mailboxAckDue, device.mailboxAcked);
            return;
        }
        device.mailboxAcked = w.mailboxSeq();
        deviceDirty = true;
        mailboxAckDue = Math.max(mailboxAckDue, w.mailboxSeq());
        GroupSession existing = groups.get(w.groupId());
        if (existing != null && existing.active()) {
            if (w.groupSeq() > existing.processedSeq) {
                // removed and added again while this device was behind: join once the removal is processed
                existing.pendingWelcome = Optional.of(w);
                dirty.add(existing);
            }
            return;
        }
        joinFrom(w);
    }

    /** Joins a group from a Welcome delivered to this device. */
    private void joinFrom(Frame.WelcomeDelivery w) {
        GroupId gid = new GroupId(w.groupId());
        Welcome welcome;
        try {
            if (!(MlsMessage.fromBytes(w.welcome().unsafeArray()) instanceof MlsMessage.OfWelcome ow)) {
                emit(new ClientEvent.Problem("a Welcome for " + gid + " is not a Welcome"));
                return;
            }
            welcome = ow.welcome();
        } catch (MlsException e) {
            emit(new ClientEvent.Problem("a Welcome for " + gid + " does not decode"));
            return;
        }
        StoredKeyPackage used = null;
        for (StoredKeyPackage kp : device.keyPackages) {
            if (welcome.find(kp.bundle().ref()).isPresent()) {
                used = kp;
                break;
            }
        }
        if (used == null) {
            emit(new ClientEvent.Problem("a Welcome for " + gid + " names none of this device's KeyPackages"));
            return;
        }
        Group group;
        try {
            group = Group.join(groupConfig, welcome, used.bundle(), Optional.empty());
        } catch (ValidationException e) {
            emit(UntrustedMembers.credentialRule(e.rule())
                    ? new ClientEvent.UntrustedMember(gid, w.groupSeq(), Optional.empty(), false, Optional.empty(),
                            e.rule().name(), e.rule().description())
                    : new ClientEvent.Problem("cannot join " + gid + " from its Welcome: " + e.getMessage()));
            return;
        } catch (MlsException e) {
            emit(new ClientEvent.Problem("cannot join " + gid + " from its Welcome: " + e.getMessage()));
            return;
        }
        if (!used.bundle().isLastResort()) {
            device.keyPackages.remove(used);
        }
        GroupSession s = new GroupSession(w.groupId(), group, w.groupSeq());
        dirty.add(s);
        emit(new ClientEvent.GroupJoined(gid, w.groupSeq(), group.epoch(), s.identities(auth)));
        adopt(s);
        maintainKeyPackages();
    }

    /**
     * Starts receiving a group this device just joined or created: asks the relay for what follows,
     * and processes what overtook the Welcome (or the relay's answer to CreateGroup — a care team's
     * group gets the relay's proposals at once).
     */
    void adopt(GroupSession s) {
        groups.put(s.id, s);
        history.epochReached(s);
        resume(s);
        TreeMap<Long, Frame.Deliver> early = orphans.remove(s.id);
        if (early != null) {
            orphanCount -= early.size();
            early.values().forEach(this::onDeliver);
        }
    }

    // ---- persisting, acknowledging, telling the listener ----------------------------------------

    void emit(ClientEvent e) {
        events.add(e);
    }

    void markDirty(GroupSession s) {
        dirty.add(s);
    }

    void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            exec.execute(this::flush);
        }
    }

    /** Persists what changed, then acknowledges, then hands the events to the listener. */
    private void flush() {
        flushScheduled = false;
        try {
            for (GroupSession s : List.copyOf(dirty)) {
                persist(s);
                dirty.remove(s);
            }
            if (deviceDirty) {
                persistDevice();
            }
        } catch (IOException e) {
            LOG.warn("cannot persist the client state", e);
            emit(new ClientEvent.Problem("cannot persist the local state: " + e.getMessage()));
            deliverEvents();
            return; // acknowledge nothing not on disk; the relay delivers it again
        }
        acks.forEach((g, seq) -> acksDue.merge(g, seq, Math::max));
        acks.clear();
        if (closed || mailboxAckDue > 0 || messagesDue >= settings.ackEvery() || settings.ackDelay().isZero()) {
            sendAcks();
        } else if (!acksDue.isEmpty() && ackTimer == null) {
            ackTimer = exec.schedule(() -> {
                ackTimer = null;
                sendAcks();
            }, settings.ackDelay().toMillis(), TimeUnit.MILLISECONDS);
        }
        deliverEvents();
    }

    /** Acknowledges what is saved: one frame per group (and the mailbox's), the highest sequence number of each. */
    private void sendAcks() {
        if (ackTimer != null) {
            ackTimer.cancel(false);
            ackTimer = null;
        }
        if (!closed) {
            acksDue.forEach((g, seq) -> conn.request(new Frame.AckGroup(g, seq)));
            if (mailboxAckDue > 0) {
                conn.request(new Frame.AckMailbox(mailboxAckDue));
            }
        }
        acksDue.clear();
        mailboxAckDue = -1;
        messagesDue = 0;
    }

    private void deliverEvents() {
        if (events.isEmpty()) {
            return;
        }
        List<ClientEvent> batch = List.copyOf(events);
        events.clear();
        ClientListener listener = settings.listener();
        onCallbacks(() -> {
            for (ClientEvent e : batch) {
                try {
                    listener.onEvent(e);
                } catch (RuntimeException ex) {
                    LOG.warn("the listener failed on a {} event", e.getClass().getSimpleName(), ex);
                }
            }
        });
    }

    /** Writes a group's state now (before a message of it leaves this device). */
    void persist(GroupSession s) throws IOException {
        if (s.keys.dirty) {
            byte[] keys = s.keys.encode();
            try {
                store.save(HistoryKeys.name(s.id), keys);
            } finally {
                java.util.Arrays.fill(keys, (byte) 0);
            }
            s.keys.dirty = false;
        }
        GroupRecord rec = GroupRecord.of(s);
        byte[] plain = rec.encode();
        try {
            store.save(LocalState.groupName(s.id), plain);
        } finally {
            java.util.Arrays.fill(plain, (byte) 0);
        }
    }

    void persistDevice() throws IOException {
        byte[] plain = device.encode();
        try {
            store.save(LocalState.DEVICE, plain);
        } finally {
            java.util.Arrays.fill(plain, (byte) 0);
        }
        deviceDirty = false;
    }

    void deleteGroupState(GroupSession s) throws IOException {
        store.delete(LocalState.groupName(s.id));
        dirty.remove(s);
    }

    static Bytes sha256(Bytes message) {
        try {
            return Bytes.wrap(MessageDigest.getInstance("SHA-256").digest(message.unsafeArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    // ---- KeyPackages ---------------------------------------------------------------------------

    /**
     * Publishes the last-resort KeyPackage once per start, then tops the relay's stock of ordinary
     * KeyPackages up to the target when it has fallen below the low-water mark.
     */
    CompletableFuture<Void> maintainKeyPackages() {
        if (maintaining) {
            maintainAgain = true;
            return CompletableFuture.completedFuture(null);
        }
        maintaining = true;
        CompletableFuture<Void> lastResort = lastResortPublished ? CompletableFuture.completedFuture(null)
                : publishLastResort();
        return lastResort.thenComposeAsync(v -> ops.publish(0), exec)
                .thenComposeAsync(count -> count < settings.keyPackageLowWater()
                        ? ops.publish((int) (settings.keyPackageTarget() - count)).thenApply(c -> (Void) null)
                        : CompletableFuture.completedFuture((Void) null), exec)
                .handleAsync((v, e) -> {
                    maintaining = false;
                    if (e != null && !closed) {
                        emit(new ClientEvent.Problem("KeyPackages not published: " + failure(e).getMessage()));
                        flushSoon();
                    }
                    if (maintainAgain) {
                        maintainAgain = false;
                        maintainKeyPackages();
                    }
                    return null;
                }, exec);
    }

    /**
     * Publishes the device's last-resort KeyPackage: the newest one that carries the current
     * credential and is valid for another minute, or a new one (older last-resort KeyPackages are
     * then forgotten, but for the one before, whose Welcome may still be on its way).
     */
    private CompletableFuture<Void> publishLastResort() {
        StoredKeyPackage lr = null;
        long soon = Instant.now().plusSeconds(60).getEpochSecond();
        for (StoredKeyPackage kp : device.keyPackages) {
            LeafNode leaf = kp.bundle().keyPackage().leafNode();
            if (kp.bundle().isLastResort() && leaf.credential().equals(credential)
                    && leaf.source() instanceof LeafNodeSource.KeyPackage k && k.lifetime().contains(soon)) {
                lr = kp;
            }
        }
        if (lr == null) {
            List<StoredKeyPackage> old = device.keyPackages.stream().filter(k -> k.bundle().isLastResort()).toList();
            for (StoredKeyPackage k : old.subList(0, Math.max(0, old.size() - 1))) {
                device.keyPackages.remove(k);
                k.bundle().destroy();
            }
            try {
                lr = newKeyPackage(true);
                persistDevice();
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return ops.sendDefinitive(new Frame.PublishKeyPackages(List.of(lr.message()), true))
                .thenAcceptAsync(a -> {
                    if (a.frame() instanceof Frame.Ok) {
                        lastResortPublished = true;
                    } else {
                        throw ops.refusal(a.frame());
                    }
                }, exec);
    }

    /**
     * A fresh KeyPackage, kept (with its private keys) in the device record; with a device
     * certificate, its lifetime ends with the certificate's (the relay then never hands it out
     * expired).
     */
    StoredKeyPackage newKeyPackage(boolean lastResort) {
        Duration lifetime = certificateNotAfter.map(end -> Duration.between(Instant.now(), end))
                .filter(d -> d.compareTo(KEY_PACKAGE_LIFETIME) < 0).orElse(KEY_PACKAGE_LIFETIME);
        KeyPackageBundle b = KeyPackageBundle.builder(suite, credential, device.keys).lastResort(lastResort)
                .lifetime(lifetime.isNegative() ? Duration.ZERO : lifetime).build();
        Bytes message = Bytes.wrap(new MlsMessage.OfKeyPackage(b.keyPackage()).toBytes());
        StoredKeyPackage kp = new StoredKeyPackage(message, b);
        device.keyPackages.add(kp);
        pruneKeyPackages();
        deviceDirty = true;
        return kp;
    }

    /**
     * A new device certificate replaced the previous one: the relay gets a last-resort KeyPackage and
     * a full stock of ordinary ones carrying it (those of the previous certificate expire with it).
     */
    void credentialRenewed() {
        lastResortPublished = false; // the current one carries the previous certificate: a new one goes out
        ops.publish(settings.keyPackageTarget()).whenCompleteAsync((count, e) -> {
            if (e != null && !closed) {
                emit(new ClientEvent.Problem("KeyPackages with the new certificate not published: "
                        + failure(e).getMessage()));
                flushSoon();
            }
            maintainKeyPackages();
        }, exec);
    }

    /** Forgets the oldest unused ordinary KeyPackages beyond four times the target (claimed but never used). */
    private void pruneKeyPackages() {
        int limit = Math.max(8, settings.keyPackageTarget() * 4);
        long ordinary = device.keyPackages.stream().filter(k -> !k.bundle().isLastResort()).count();
        for (int i = 0; i < device.keyPackages.size() && ordinary > limit; ) {
            StoredKeyPackage k = device.keyPackages.get(i);
            if (!k.bundle().isLastResort()) {
                device.keyPackages.remove(i);
                k.bundle().destroy();
                ordinary--;
            } else {
                i++;
            }
        }
    }

    // ---- snapshots -----------------------------------------------------------------------------

    GroupSnapshot snapshot(GroupSession s) {
        boolean active = s.active();
        return new GroupSnapshot(s.groupId, s.group == null ? 0 : s.group.epoch(), s.processedSeq, s.identities(auth),
                active,
                active ? Bytes.wrap(s.group.epochAuthenticator()) : Bytes.EMPTY);
    }
}
