package dev.ampoule.relay.ds;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.relay.cluster.NodeEvent;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import dev.ampoule.relay.store.PgDevices;
import dev.ampoule.relay.store.PgGroups;
import java.util.function.Consumer;
import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The Delivery Service (RFC 9750 §5): KeyPackage directory, one sequencer per group (exactly one
 * commit per epoch, first wins; stale and future epochs refused), handshake validation with the
 * group's public view, GroupInfo store, Welcome release after the commit, per-device cursors and
 * mailboxes, retention (acknowledged by every recipient, or TTL).
 *
 * <p>A facade over one class per duty:
 * <ul>
 *   <li>{@link StateProjection} — the state as a projection of the store's records: rebuilt on
 *       recovery, written as the compaction checkpoint;</li>
 *   <li>{@link GroupSequencer} (one per group) and {@link Sequencing} — sequence numbers, replay
 *       cache, the chain of handshake operations;</li>
 *   <li>{@link HandshakeHandler} — group creation, proposals and commits through the group's
 *       public view; {@link ApplicationMessages} — application messages;</li>
 *   <li>{@link DeliveryQueries} — what a device may read; {@link Retention} — acknowledgements,
 *       retention, compaction; {@link Erasure} — cut-off and erasure;</li>
 *   <li>{@link KeyPackageService} — the KeyPackage directory; {@link RosterEnforcement} — the
 *       care-team rules given at construction ({@link CareTeamSetup}), reaching this service only
 *       through its {@link RosterEnforcement.Port}.</li>
 * </ul>
 *
 * <p>Single node: everything runs on the relay's event loop; validation runs on worker threads and
 * disk I/O on the store's thread. Every accepted message is durable before its Ok.
 */
public final class DeliveryService {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryService.class);

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
    private final StateProjection state;
    private final Listeners listeners;
    private final KeyPackageService keyPackages;
    private final RosterEnforcement enforcement;
    private final HandshakeHandler handshakes;
    private final ApplicationMessages applications;
    private final DeliveryQueries queries;
    private final Retention retention;
    private final Erasure erasure;
    private final Sequencing sequencing;
    private final Validation validation;
    /** How often a store that failed is probed. */
    private static final long PROBE_MILLIS = 500;
    private final List<Long> timers = new ArrayList<>();
    private boolean ready;
    /** A cluster's relay: the cache of the shared database (empty: a single relay, all state here). */
    private final Optional<ClusterState> cluster;
    private final CareTeamSetup careTeams;

    /**
     * What a cluster's relay shares with the others: the groups and devices in PostgreSQL, and where
     * it tells the other relay instances what it made durable.
     */
    public record Cluster(PgGroups groups, PgDevices devices, Consumer<NodeEvent> tell) {
    }

    /** Without care teams: every group is ad hoc. */
    public DeliveryService(Vertx vertx, Store store, RelayConfig config, RelayMetrics metrics, Clock clock) {
        this(vertx, store, config, metrics, clock, CareTeamSetup.adHoc().withAdHocGroups(config.adHocGroups));
    }

    /** With the care-team rules it enforces (PROTOCOL.md "Care-team groups"). */
    public DeliveryService(Vertx vertx, Store store, RelayConfig config, RelayMetrics metrics, Clock clock,
            CareTeamSetup careTeams) {
        this(vertx, store, config, metrics, clock, careTeams, Optional.empty());
    }

    /**
     * A relay of a cluster ({@code cluster} present): its state is a cache of the shared database,
     * read as needed; its writes go to the database, which orders each group.
     */
    public DeliveryService(Vertx vertx, Store store, RelayConfig config, RelayMetrics metrics, Clock clock,
            CareTeamSetup careTeams, Optional<Cluster> cluster) {
        this.vertx = vertx;
        this.careTeams = careTeams;
        this.store = store;
        this.config = config;
        this.metrics = metrics;
        Mailboxes mailboxes = new Mailboxes();
        DeliveryAccess access = new DeliveryAccess(mailboxes);
        Journal journal = cluster.<Journal>map(c -> new ClusterJournal(c.groups(), c.devices(), c.tell(), metrics))
                .orElseGet(() -> Journal.of(store, metrics));
        this.validation = new Validation(vertx);
        this.listeners = new Listeners(vertx);
        this.sequencing = new Sequencing(journal, listeners, metrics);
        this.enforcement = new RosterEnforcement(new Port(), careTeams, config, metrics);
        this.keyPackages = new KeyPackageService(journal, validation, enforcement, config, metrics, clock);
        this.state = new StateProjection(mailboxes, access, keyPackages);
        // message stamps and retention never follow a wall clock that jumps (KeyPackage lifetimes do)
        Clock steady = SteadyClock.of(clock);
        this.retention = new Retention(state, access, mailboxes, store, journal, listeners, enforcement, config, steady);
        this.erasure = new Erasure(state, journal, listeners, retention, steady);
        this.handshakes = new HandshakeHandler(state, mailboxes, access, journal, sequencing, validation, listeners,
                enforcement, retention, config, metrics, steady);
        this.applications = new ApplicationMessages(state, sequencing, enforcement, metrics, steady);
        this.queries = new DeliveryQueries(state, access, mailboxes, store, metrics);
        this.cluster = cluster.map(c -> new ClusterState(c.groups(), c.devices(), state, mailboxes, keyPackages,
                enforcement, listeners));
    }

    /** The relay as external sender of care-team groups: its roster listener, fences and pending removals. */
    public RosterEnforcement enforcement() {
        return enforcement;
    }

    // ---- lifecycle -----------------------------------------------------------------------------

    /** Recovers the state from the store, then starts the retention timers. */
    public Future<Void> start() {
        return store.open(state::apply).map(v -> {
            state.recovered();
            retention.recovered();
            timers.add(vertx.setPeriodic(Math.max(100, config.retentionSweep.toMillis()), id -> retention.sweep()));
            timers.add(vertx.setPeriodic(Math.max(1_000, config.expirySweep.toMillis()),
                    id -> retention.expireAndCompact()));
            // a store that failed is probed until it writes again (readiness recovers with no traffic)
            timers.add(vertx.setPeriodic(PROBE_MILLIS, id -> {
                if (!store.available()) {
                    store.probe();
                }
            }));
            metrics.gauge(RelayMetrics.GROUPS, state::count);
            metrics.gauge(RelayMetrics.STORE_DISK_BYTES, store::diskBytes);
            enforcement.recovered();
            cluster.ifPresent(c -> timers.add(vertx.setPeriodic(CLUSTER_CHECK_MILLIS, id -> c.check()
                    .onFailure(e -> LOG.debug("checking the cached groups failed: {}", e.getMessage())))));
            ready = true;
            return null;
        });
    }

    /** Recovered and, in a cluster, the shared database answering. */
    public boolean ready() {
        return ready && cluster.map(ClusterState::databaseUp).orElse(true);
    }

    /** Whether the store takes writes (false while it fails: writes are answered {@code UNAVAILABLE}). */
    public boolean storeAvailable() {
        return store.available();
    }

    /** Stops the timers and closes the store (appends already made are durable). */
    public Future<Void> stop() {
        ready = false;
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        return store.close();
    }

    // ---- connected devices ---------------------------------------------------------------------

    /**
     * A device connected: it is told what changes from now on. Completes once what it has is at hand
     * (a cluster's relay reads it from the database: its cursors, mailbox and groups).
     */
    public Future<Void> attach(DeviceId device, Listener listener) {
        listeners.attach(device, listener);
        return cluster.map(c -> c.device(device).recover(e -> Future.failedFuture(ClusterState.unavailable(e))))
                .orElseGet(Future::succeededFuture);
    }

    /** What other relay instances made durable (a cluster). */
    public void clusterEvents(List<NodeEvent> events) {
        cluster.ifPresent(c -> c.events(events));
    }

    /** How often a cluster's relay checks the cached groups against the database (lost events). */
    static final long CLUSTER_CHECK_MILLIS = 1_000;

    /** Runs an operation of a group: in a cluster on its cached state read as needed, again on a stale write. */
    private <T> Future<T> onGroup(Bytes groupId, Supplier<Future<T>> op) {
        if (cluster.isEmpty()) {
            return op.get();
        }
        return cluster.get().onGroup(groupId, op).recover(e -> Future.failedFuture(ClusterState.unavailable(e)));
    }

    /** A cluster: the KeyPackages and keys of the users who may have leaves in the group, read again. */
    private Future<Void> keysFor(Bytes groupId, DeviceId sender) {
        if (cluster.isEmpty()) {
            return Future.succeededFuture();
        }
        Set<String> users = new java.util.HashSet<>();
        users.add(sender.userId());
        state.find(groupId).ifPresent(g -> g.access.keySet().forEach(d -> users.add(d.userId())));
        CareTeams.teamIdOf(groupId).ifPresent(team -> careTeams.roster().members(team)
                .forEach(m -> users.add(m.userId())));
        return cluster.get().users(users).recover(e -> Future.failedFuture(ClusterState.unavailable(e)));
    }

    /**
     * The roster's changes, acted on by roster enforcement: in a cluster on the team's group read as
     * needed (and again after a stale write).
     */
    public dev.ampoule.relay.roster.RosterListener rosterListener() {
        if (cluster.isEmpty()) {
            return enforcement;
        }
        ClusterState c = cluster.get();
        return new dev.ampoule.relay.roster.RosterListener() {
            @Override
            public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
                Bytes id = RosterEnforcement.groupIdOf(team.id());
                return c.users(List.of(member.userId())).compose(v -> c.onGroup(id,
                        () -> enforcement.memberAdded(team, member, newMember)));
            }

            @Override
            public Future<Void> memberRemoved(Team team, String userId) {
                Bytes id = RosterEnforcement.groupIdOf(team.id());
                return c.onGroup(id, () -> enforcement.memberRemoved(team, userId));
            }

            @Override
            public Future<Void> teamArchived(Team team) {
                return c.onGroup(RosterEnforcement.groupIdOf(team.id()), () -> enforcement.teamArchived(team));
            }

            @Override
            public Future<Void> userErased(String userId) {
                return c.groupsOfUser(userId).compose(v -> enforcement.userErased(userId));
            }
        };
    }

    public void detach(DeviceId device, Listener listener) {
        listeners.detach(device, listener);
    }

    // ---- KeyPackages ---------------------------------------------------------------------------

    /** Validates and stores a device's KeyPackages; completes with how many ordinary ones it holds. */
    public Future<Long> publishKeyPackages(DeviceId device, Frame.PublishKeyPackages frame) {
        if (cluster.isEmpty()) {
            return keyPackages.publish(device, frame);
        }
        // the team groups that may take the device are read first: the relay proposes it there
        List<Bytes> teams = careTeams.roster().teamsOf(device.userId()).stream().map(RosterEnforcement::groupIdOf).toList();
        return cluster.get().groups(teams).compose(v -> cluster.get().users(List.of(device.userId())))
                .compose(v -> keyPackages.publish(device, frame))
                .recover(e -> Future.failedFuture(ClusterState.unavailable(e)));
    }

    /** Hands out one KeyPackage per device of the user (or the named device). */
    public Future<List<Frame.KeyPackageEntry>> claimKeyPackages(DeviceId claimer, Frame.ClaimKeyPackages frame) {
        if (cluster.isEmpty()) {
            return keyPackages.claim(claimer, frame);
        }
        return claimFresh(claimer, frame, ClusterState.ATTEMPTS);
    }

    /** A cluster: a claim on the user's KeyPackages as the database holds them; again if another relay took one first. */
    private Future<List<Frame.KeyPackageEntry>> claimFresh(DeviceId claimer, Frame.ClaimKeyPackages frame, int left) {
        return cluster.get().users(List.of(frame.userId())).compose(v -> keyPackages.claim(claimer, frame))
                .recover(e -> e instanceof dev.ampoule.relay.store.StoreException s && s.conflict() && left > 1
                        ? claimFresh(claimer, frame, left - 1)
                        : Future.failedFuture(ClusterState.unavailable(e)));
    }

    // ---- groups and messages -------------------------------------------------------------------

    /** Registers a group from its GroupInfo and tree; the sender must be one of its devices. */
    public Future<Long> createGroup(DeviceId device, Frame.CreateGroup frame) {
        return keysFor(frame.groupId(), device).compose(v -> handshakes.createGroup(device, frame))
                .recover(e -> Future.failedFuture(cluster.isPresent() ? ClusterState.unavailable(e) : e));
    }

    /** Validates a proposal with the group's view, then sequences and stores it. */
    public Future<Long> sendProposal(DeviceId device, Frame.SendProposal frame) {
        return onGroup(frame.groupId(), () -> keysFor(frame.groupId(), device)
                .compose(v -> handshakes.sendProposal(device, frame)));
    }

    /** Validates a commit bundle; the first of its epoch is stored, advances the group and releases its Welcome. */
    public Future<Long> sendCommit(DeviceId device, Frame.SendCommit frame) {
        return onGroup(frame.groupId(), () -> keysFor(frame.groupId(), device)
                .compose(v -> handshakes.sendCommit(device, frame)));
    }

    /** Validates, sequences and stores an application message (PrivateMessage). */
    public Future<Long> sendApplication(DeviceId device, Frame.SendApplication frame) {
        return onGroup(frame.groupId(), () -> applications.send(device, frame));
    }

    /**
     * The latest GroupInfo and tree: for members and for other devices of a member's user. In a
     * cluster the group's head is read from the database first (the group too, when it moved): a
     * Commit another node has just accepted (and answered {@code Ok} to) is in the answer even before
     * that node's event arrives here.
     */
    public Future<Frame.GroupInfoResult> fetchGroupInfo(DeviceId device, Bytes groupId) {
        Supplier<Future<Frame.GroupInfoResult>> answer = () -> {
            try {
                return Future.succeededFuture(queries.fetchGroupInfo(device, groupId));
            } catch (RelayException e) {
                return Future.failedFuture(e);
            }
        };
        if (cluster.isEmpty()) {
            return answer.get();
        }
        return cluster.get().current(groupId).recover(e -> Future.failedFuture(ClusterState.unavailable(e)))
                .compose(g -> answer.get());
    }

    /** The relay's ExternalSender for a cipher suite; {@code INVALID_MESSAGE} when it has none. */
    public Frame.ExternalSenderResult fetchExternalSender(int cipherSuite) {
        return enforcement.fetchExternalSender(cipherSuite);
    }

    public int groupCount() {
        return state.count();
    }

    // ---- delivery ------------------------------------------------------------------------------

    /** The groups whose messages the device receives (member, or removed but not yet served to the end). */
    public Set<Bytes> receivingGroups(DeviceId device) {
        return queries.receivingGroups(device);
    }

    /** The first sequence number to deliver to a device that just connected: after its cursor. */
    public long deliveryStart(DeviceId device, Bytes groupId) {
        return queries.deliveryStart(device, groupId);
    }

    /**
     * One past the last sequence number the device may receive now (durable, and within its
     * membership): delivery from its cursor stops at its next departure.
     */
    public long deliveryEnd(DeviceId device, Bytes groupId) {
        return queries.deliveryEnd(device, groupId);
    }

    /** The first sequence number at or after {@code from} the device may receive: never before it joined nor inside a gap it has passed. */
    public long clampFrom(DeviceId device, Bytes groupId, long from) {
        return queries.clampFrom(device, groupId, from);
    }

    public long cursor(DeviceId device, Bytes groupId) {
        return queries.cursor(device, groupId);
    }

    /** Messages of a group for a device, from {@code fromSeq}, within what it may receive. */
    public Future<List<GroupMessage>> read(DeviceId device, Bytes groupId, long from, int max) {
        return queries.read(device, groupId, from, max);
    }

    /** Every retained message of a group from {@code fromSeq} (operations and tests; no access check). */
    public Future<List<GroupMessage>> stored(Bytes groupId, long fromSeq, int max) {
        return queries.stored(groupId, fromSeq, max);
    }

    public long mailboxStart(DeviceId device) {
        return queries.mailboxStart(device);
    }

    public List<Mailboxes.Entry> mailbox(DeviceId device, long fromSeq, int max) {
        return queries.mailbox(device, fromSeq, max);
    }

    /** Checks a Resume: the group must be received by the device and {@code fromSeq} retained. */
    public void checkResume(DeviceId device, Optional<Bytes> groupId, long fromSeq) {
        queries.checkResume(device, groupId, fromSeq);
    }

    /** A device processed a group's messages up to {@code seq}. */
    public Future<Long> ackGroup(DeviceId device, Bytes groupId, long seq) {
        return onGroup(groupId, () -> retention.ackGroup(device, groupId, seq));
    }

    /** A device processed its mailbox up to {@code seq}. */
    public Future<Long> ackMailbox(DeviceId device, long seq) {
        return retention.ackMailbox(device, seq);
    }

    /** Stops delivering a group to these devices at once (see {@link Erasure#cutOff}). */
    public Future<Void> cutOff(Bytes groupId, Set<DeviceId> devices) {
        return erasure.cutOff(groupId, devices);
    }

    /** Forces a retention sweep and a compaction now (tests, shutdown). */
    public Future<Boolean> compactNow() {
        retention.sweep();
        return retention.compact();
    }

    /** Runs the expiry sweep now: TTLs, teams' retention, expired departures (tests of this package). */
    void expireNow() {
        retention.expireAndCompact();
    }

    /** A group's state (tests of this package). */
    Optional<GroupState> groupState(Bytes groupId) {
        return state.find(groupId);
    }

    /** Whether the device registered the signature key (tests of this package). */
    boolean keyRegistered(DeviceId device, SignaturePublicKey key) {
        return keyPackages.registered(device, key);
    }

    // ---- what roster enforcement may do -------------------------------------------------------

    /** The narrow view of this service roster enforcement gets. */
    private final class Port implements RosterEnforcement.Port {

        @Override
        public Optional<GroupState> group(Bytes groupId) {
            return state.find(groupId);
        }

        @Override
        public Collection<GroupState> groups() {
            return state.groups();
        }

        @Override
        public <T> Future<T> inSequence(GroupState g, Supplier<Future<T>> op) {
            return sequencing.inOrder(g, op);
        }

        @Override
        public Future<GroupView> view(GroupState g) {
            return handshakes.view(g);
        }

        @Override
        public <T> Future<T> offLoop(Callable<T> work) {
            return validation.offLoop(work);
        }

        @Override
        public Future<Long> storeRelayProposal(GroupState g, Bytes proposal, long epoch) {
            return handshakes.storeRelayProposal(g, proposal, epoch);
        }

        @Override
        public boolean keyRegistered(DeviceId device, SignaturePublicKey key) {
            return keyPackages.registered(device, key);
        }

        @Override
        public Future<Void> withdrawKeyPackages(DeviceId device) {
            return keyPackages.withdraw(device);
        }

        @Override
        public KeyPackageService.RelayClaims claimForRelay(String userId, int cipherSuite, Set<DeviceId> skip,
                int max) {
            return keyPackages.claimForRelay(userId, cipherSuite, skip, max);
        }

        @Override
        public void later(long delayMillis, Runnable action) {
            vertx.setTimer(Math.max(1, delayMillis), id -> action.run());
        }

        @Override
        public Future<Void> cutOff(Bytes groupId, Set<DeviceId> devices) {
            return erasure.cutOff(groupId, devices);
        }

        @Override
        public Future<Void> eraseUser(String userId) {
            return erasure.eraseUser(userId);
        }
    }

    // ---- membership, for what the relay keeps beside the messages (blobs, history) ------------

    /** Whether the device is a member of the group now: in its tree and not cut off. */
    public boolean activeMember(DeviceId device, Bytes groupId) {
        GroupState g = state.find(groupId).orElse(null);
        return g != null && g.active(device) && g.receives(device);
    }

    /**
     * The sequence number after which the device receives the group: the Commit that added it (0
     * for a creator); -1 when it receives nothing of the group.
     */
    public long memberSince(DeviceId device, Bytes groupId) {
        GroupState g = state.find(groupId).orElse(null);
        GroupState.Access a = g == null ? null : g.access.get(device);
        return a == null ? -1 : a.since;
    }

    /** The last sequence number the group assigned (0 before its first message); -1 for an unknown group. */
    public long lastSeq(Bytes groupId) {
        return state.find(groupId).map(g -> g.sequencer.next() - 1).orElse(-1L);
    }
}
