package dev.ampoule.relay.ds;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ampoule.relay.cluster.NodeEvent;
import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.PgDevices;
import dev.ampoule.relay.store.PgGroups;
import dev.ampoule.relay.store.StoreException;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A cluster's relay keeps a cache of the shared database, not the state itself: a group is read
 * when first needed and read again when the database is ahead — a write refused as stale, an event
 * from another relay ({@link NodeEvent}), or the periodic check of the cached groups' heads; a
 * device is read when it connects (its cursors, its mailbox, the groups it receives); a user's
 * KeyPackages and registered keys when a claim or a check needs them. The cached state is what the
 * Delivery Service's duties work on, unchanged; the invariants come from the database
 * ({@link ClusterJournal}), never from this cache being fresh. Event-loop confined.
 */
final class ClusterState {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterState.class);
    /** How often an operation is tried again on a group read anew before the client is told to retry. */
    static final int ATTEMPTS = 4;

    private final PgGroups groups;
    private final PgDevices devices;
    private final StateProjection state;
    private final Mailboxes mailboxes;
    private final KeyPackageService keyPackages;
    private final RosterEnforcement enforcement;
    private final Listeners listeners;
    private final Map<Bytes, Future<Optional<GroupState>>> loading = new HashMap<>();
    private final Set<DeviceId> devicesRead = new HashSet<>();
    private final Set<String> usersRead = new HashSet<>();
    /** Whether the database answered the last check (readiness). */
    private volatile boolean databaseUp = true;

    ClusterState(PgGroups groups, PgDevices devices, StateProjection state, Mailboxes mailboxes,
            KeyPackageService keyPackages, RosterEnforcement enforcement, Listeners listeners) {
        this.groups = groups;
        this.devices = devices;
        this.state = state;
        this.mailboxes = mailboxes;
        this.keyPackages = keyPackages;
        this.enforcement = enforcement;
        this.listeners = listeners;
    }

    // ---- groups --------------------------------------------------------------------------------

    /** The group, read from the database if this relay has not read it yet (empty: no such group). */
    Future<Optional<GroupState>> group(Bytes groupId) {
        Optional<GroupState> cached = state.find(groupId);
        return cached.isPresent() ? Future.succeededFuture(cached) : read(groupId);
    }

    /** Reads the group again (one read at a time per group; callers meanwhile share it). */
    Future<Optional<GroupState>> read(Bytes groupId) {
        Future<Optional<GroupState>> pending = loading.get(groupId);
        if (pending != null) {
            return pending;
        }
        Future<Optional<GroupState>> f = groups.load(groupId).map(snapshot -> snapshot.map(this::install))
                .andThen(ar -> loading.remove(groupId));
        if (!f.isComplete()) {
            loading.put(groupId, f);
        }
        return f;
    }

    /**
     * The group as the database has it now, for an answer that must not lag another relay's accepted
     * Commit (FetchGroupInfo): its head is read, and the group itself again only if its version moved
     * (every change of its GroupInfo moves it); messages that advanced meanwhile wake its devices
     * ({@link #follow}, as {@link #check} does). A group this relay has not read yet is read.
     */
    Future<Optional<GroupState>> current(Bytes groupId) {
        if (state.find(groupId).isEmpty()) {
            return read(groupId);
        }
        return groups.heads(List.of(groupId)).compose(heads -> {
            PgGroups.Head head = heads.get(groupId);
            Optional<GroupState> cached = state.find(groupId); // it may have been read again meanwhile
            return head == null || cached.isEmpty() ? read(groupId) : follow(cached.get(), head);
        });
    }

    /**
     * Brings a cached group to the database's {@code head}: read again if its version moved, else
     * its devices woken if messages were made durable meanwhile.
     */
    private Future<Optional<GroupState>> follow(GroupState g, PgGroups.Head head) {
        if (head.version() > g.version) {
            return read(g.id);
        }
        advanced(g, head.nextSeq());
        return Future.succeededFuture(Optional.of(g));
    }

    private GroupState install(PgGroups.Snapshot s) {
        Bytes id = ((StoreRecord.GroupState) s.records().get(0)).groupId();
        Set<DeviceId> before = state.find(id).map(g -> Set.copyOf(g.access.keySet())).orElse(Set.of());
        GroupState g = state.replace(id, s.records());
        g.version = s.version();
        enforcement.loaded(g, s.fencedUsers());
        Set<DeviceId> changed = new HashSet<>(before);
        changed.addAll(g.access.keySet());
        listeners.later(() -> {
            changed.forEach(d -> listeners.device(d, l -> l.accessChanged(id)));
            listeners.groupAdvanced(g);
        });
        return g;
    }

    /**
     * Runs an operation of a group on its cached state, reading the group first if needed, and again
     * (then running the operation again) each time the database refuses the write as made on a
     * stale state or the message is of a later epoch than the cached one; a database that cannot be reached is {@code UNAVAILABLE}.
     */
    <T> Future<T> onGroup(Bytes groupId, Supplier<Future<T>> op) {
        return group(groupId).compose(g -> attempt(groupId, op, ATTEMPTS));
    }

    private <T> Future<T> attempt(Bytes groupId, Supplier<Future<T>> op, int left) {
        Future<T> run;
        try {
            run = op.get();
        } catch (RuntimeException e) {
            run = Future.failedFuture(e);
        }
        return run.recover(e -> {
            if ((stale(e) || behind(e)) && left > 1) {
                return read(groupId).compose(g -> attempt(groupId, op, left - 1));
            }
            return Future.failedFuture(e);
        });
    }

    /**
     * A message of an epoch after the cached one: another relay may have accepted the Commit that
     * began it, and the event saying so not arrived yet — the cache, not the sender, is behind.
     */
    static boolean behind(Throwable e) {
        return e instanceof RelayException r && r.code() == ErrorCode.FUTURE_EPOCH;
    }

    static boolean stale(Throwable e) {
        return e instanceof StoreException s
                && (s.reason() == StoreException.Reason.STALE || s.reason() == StoreException.Reason.EPOCH_TAKEN);
    }

    /** The team groups among {@code ids}, read if needed (roster changes act on them). */
    Future<Void> groups(Collection<Bytes> ids) {
        return Future.all(ids.stream().map(this::group).toList()).mapEmpty();
    }

    // ---- devices -------------------------------------------------------------------------------

    /** Reads what a connecting device has (cursors, mailbox) and the groups it receives. */
    Future<Void> device(DeviceId d) {
        return devices.load(d).compose(snapshot -> {
            apply(snapshot);
            devicesRead.add(d);
            return Future.all(snapshot.groups().stream().map(this::group).toList()).<Void>mapEmpty();
        });
    }

    private void apply(PgDevices.Snapshot snapshot) {
        for (StoreRecord r : snapshot.records()) {
            switch (r) {
                case StoreRecord.CursorMoved c -> mailboxes.advance(c.device(), c.groupId(), c.seq());
                case StoreRecord.MailboxAcked a -> mailboxes.ack(a.device(), a.seq());
                case StoreRecord.MailboxEntry m -> mailboxes.put(m.device(), new Mailboxes.Entry(m.mailboxSeq(),
                        m.groupId(), m.groupSeq(), m.welcome(), m.timestampMillis()));
                default -> { }
            }
        }
    }

    /** Reads the KeyPackages and registered keys of these users again. */
    Future<Void> users(Collection<String> userIds) {
        if (userIds.isEmpty()) {
            return Future.succeededFuture();
        }
        return devices.keysOf(Set.copyOf(userIds)).map(keys -> {
            keys.forEach((user, k) -> keyPackages.reloadUser(user, k.packages(), k.keys()));
            usersRead.addAll(keys.keySet());
            return null;
        });
    }

    /** The groups a user's devices receive, read (an erasure goes through all of them). */
    Future<Void> groupsOfUser(String userId) {
        return devices.groupsOf(userId).compose(this::groups);
    }

    // ---- what other relays tell ----------------------------------------------------------------

    /** Applies what other relay instances made durable (events may be late or lost: nothing depends on them). */
    void events(List<NodeEvent> events) {
        Map<Bytes, Long> reread = new HashMap<>();
        Set<DeviceId> mailboxes = new HashSet<>();
        Set<String> users = new HashSet<>();
        for (NodeEvent e : events) {
            if (e instanceof NodeEvent.GroupChanged c) {
                state.find(c.groupId()).filter(g -> c.epoch() > g.version)
                        .ifPresent(g -> reread.merge(g.id, c.epoch(), Math::max));
            }
        }
        // a group whose state moved is read again before its devices are woken: who may receive what
        // (a cut-off, a removal) comes with that state, and a device cut off on another node must
        // not be handed the relay's Remove proposal that followed the cut
        Map<Bytes, Long> afterReading = new HashMap<>();
        for (NodeEvent e : events) {
            switch (e) {
                case NodeEvent.GroupAdvanced a -> state.find(a.groupId()).ifPresent(g -> {
                    if (reread.containsKey(g.id) || loading.containsKey(g.id)) {
                        afterReading.merge(g.id, a.endSeq(), Math::max);
                    } else {
                        advanced(g, a.endSeq());
                    }
                });
                case NodeEvent.GroupChanged c -> { } // above
                case NodeEvent.AccessChanged a -> {
                    if (listeners.attached(a.device()) && state.find(a.groupId()).isEmpty()) {
                        reread.putIfAbsent(a.groupId(), 0L); // a group a connected device now receives
                    }
                }
                case NodeEvent.MailboxAdvanced m -> {
                    if (listeners.attached(m.device())) {
                        mailboxes.add(m.device());
                    }
                }
                case NodeEvent.DeviceKeysChanged k -> {
                    if (usersRead.contains(k.device().userId())) {
                        users.add(k.device().userId());
                    }
                }
                case NodeEvent.UserErased u -> {
                    if (usersRead.remove(u.userId())) {
                        keyPackages.removeUser(u.userId());
                    }
                }
                case NodeEvent.RosterChanged r -> { }
                case NodeEvent.RightsChanged r -> { } // the relay's history rights read it
            }
        }
        reread.forEach((id, version) -> readAtLeast(id, version)
                .onFailure(x -> LOG.warn("reading a group again failed: {}", x.getMessage())));
        afterReading.forEach((id, end) -> advancedAfterReading(id, reread.getOrDefault(id, 0L), end));
        for (DeviceId d : mailboxes) {
            devices.load(d).onSuccess(s -> {
                apply(s);
                listeners.device(d, DeliveryService.Listener::mailboxAdvanced);
            });
        }
        users(users).onFailure(x -> LOG.warn("reading KeyPackages again failed: {}", x.getMessage()));
    }

    /**
     * The group read at {@code version} or later: a read already under way may have started before
     * that version was written, and is then followed by another.
     */
    private Future<Optional<GroupState>> readAtLeast(Bytes groupId, long version) {
        Future<Optional<GroupState>> pending = loading.get(groupId);
        if (pending == null) {
            return read(groupId);
        }
        return pending.transform(ar -> ar.succeeded() && ar.result().map(g -> g.version >= version).orElse(false)
                ? Future.succeededFuture(ar.result()) : read(groupId));
    }

    /**
     * Wakes the group's devices for messages up to {@code endSeq - 1} once it has been read at
     * {@code version} or later and no other read of it is under way: with the state then installed.
     */
    private void advancedAfterReading(Bytes groupId, long version, long endSeq) {
        readAtLeast(groupId, version).onComplete(ar -> {
            if (loading.containsKey(groupId)) {
                advancedAfterReading(groupId, version, endSeq); // read again meanwhile: wait for that one
            } else {
                state.find(groupId).ifPresent(g -> advanced(g, endSeq));
            }
        });
    }

    /** The group's messages up to {@code endSeq - 1} are durable: its devices read on. */
    private void advanced(GroupState g, long endSeq) {
        if (endSeq > g.sequencer.durableEnd()) {
            g.sequencer.durable(endSeq - 1);
            listeners.groupAdvanced(g);
        }
    }

    /**
     * The safety net under lost events: the heads of every cached group, read in one query; a group
     * whose version moved is read again, one whose messages advanced wakes its devices.
     */
    Future<Void> check() {
        List<Bytes> ids = state.groups().stream().map(g -> g.id).toList();
        if (ids.isEmpty()) {
            return groups.ping().andThen(ar -> databaseUp(ar.succeeded(), ar.cause()));
        }
        return groups.heads(ids).andThen(ar -> databaseUp(ar.succeeded(), ar.cause())).map(heads -> {
            heads.forEach((id, head) -> state.find(id).ifPresent(g -> follow(g, head)));
            return null;
        });
    }

    private void databaseUp(boolean up, Throwable cause) {
        if (up != databaseUp) {
            if (up) {
                LOG.warn("the database answers again");
            } else {
                LOG.warn("the database does not answer: {}", String.valueOf(cause));
            }
        }
        databaseUp = up;
    }

    /** Whether the shared database answered the last check: the relay is ready only while it does. */
    boolean databaseUp() {
        return databaseUp;
    }

    /** A failure as the client is told it: the database unreachable or the group too busy is {@code UNAVAILABLE}. */
    static Throwable unavailable(Throwable e) {
        if (e instanceof StoreException s) {
            return switch (s.reason()) {
                case REPLAY -> new RelayException(ErrorCode.REPLAY, s.getMessage());
                case EXISTS -> new RelayException(ErrorCode.GROUP_EXISTS, "group id in use");
                default -> new RelayException(ErrorCode.UNAVAILABLE, "the relay's database is unavailable; retry", 1_000);
            };
        }
        return e;
    }
}
