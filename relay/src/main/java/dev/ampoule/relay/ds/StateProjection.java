package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.store.StoreRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Delivery Service's state as a projection of the store's records: the groups (their
 * {@link GroupState}), the devices' cursors and mailboxes, who receives what
 * ({@link DeliveryAccess}) and, through {@link KeyPackageService}, the KeyPackage directory.
 *
 * <p>Both directions live here, so they cannot drift apart: {@link #apply} rebuilds the state from
 * the records on recovery, and {@link #snapshot} writes the records that rebuild exactly this
 * state (a compaction checkpoint). The transitions live operations share with recovery
 * ({@link #created}, {@link #committed}, {@link #forgetUser}) are here too. Event-loop confined.
 */
final class StateProjection {

    private static final Logger LOG = LoggerFactory.getLogger(StateProjection.class);

    private final Map<Bytes, GroupState> groups = new HashMap<>();
    private final Mailboxes mailboxes;
    private final DeliveryAccess access;
    private final KeyPackageService keyPackages;

    StateProjection(Mailboxes mailboxes, DeliveryAccess access, KeyPackageService keyPackages) {
        this.mailboxes = mailboxes;
        this.access = access;
        this.keyPackages = keyPackages;
    }

    // ---- the groups ----------------------------------------------------------------------------

    Optional<GroupState> find(Bytes groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    /** The group, or {@code UNKNOWN_GROUP}. */
    GroupState require(Bytes groupId) {
        GroupState g = groups.get(groupId);
        if (g == null) {
            throw new RelayException(ErrorCode.UNKNOWN_GROUP, "unknown group");
        }
        return g;
    }

    boolean exists(Bytes groupId) {
        return groups.containsKey(groupId);
    }

    Collection<GroupState> groups() {
        return groups.values();
    }

    int count() {
        return groups.size();
    }

    // ---- recovery ------------------------------------------------------------------------------

    /** Applies one stored record (recovery, in append order). */
    void apply(StoreRecord record) {
        switch (record) {
            case StoreRecord.KeyPackageAdded r -> keyPackages.replay(r);
            case StoreRecord.KeyPackageTaken r -> keyPackages.replay(r);
            case StoreRecord.SignatureKeyRegistered r -> keyPackages.replay(r);
            case StoreRecord.GroupCreated r -> created(r, devicesOf(r.groupInfo(), r.ratchetTree()));
            case StoreRecord.GroupState r -> {
                GroupState g = new GroupState(r.groupId(), r.creator());
                setState(g, r.epoch(), r.stateSeq(), r.groupInfo(), r.ratchetTree());
                g.sequencer.restart(r.nextSeq());
                groups.put(g.id, g);
            }
            case StoreRecord.MessageAccepted r -> {
                GroupMessage m = r.message();
                GroupState g = groups.get(m.groupId());
                if (g != null) {
                    Bytes digest = !r.digest().isEmpty() ? r.digest()
                            : m.message().isEmpty() ? null : GroupSequencer.digest(m.message());
                    g.sequencer.recovered(m.seq(), digest);
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
                    g.sequencer.recovered(m.seq(), GroupSequencer.digest(m.message()));
                    setState(g, m.epoch() + 1, m.seq(), r.groupInfo(), r.ratchetTree());
                    committed(g, r, g.devices);
                } else if (g != null) {
                    g.sequencer.recovered(m.seq(), null);
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
            case StoreRecord.UserErased r -> forgetUser(r.userId());
        }
    }

    /** After the last record: every assigned number is durable, and every device receives its groups. */
    void recovered() {
        groups.values().forEach(g -> {
            g.sequencer.recoveryDone();
            g.devices.forEach(d -> g.access.computeIfAbsent(d, x -> new GroupState.Access(0)));
            g.access.keySet().forEach(d -> access.receive(d, g.id));
        });
    }

    /** Every record the current state needs (a store checkpoint: {@link #apply} on them rebuilds this state). */
    List<StoreRecord> snapshot() {
        List<StoreRecord> out = new ArrayList<>(keyPackages.liveRecords());
        for (GroupState g : groups.values()) {
            out.add(new StoreRecord.GroupState(g.id, g.creator, g.epoch, g.stateSeq, g.sequencer.next(), g.groupInfo,
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

    // ---- transitions shared by live operations and recovery ------------------------------------

    /** A group registered with these devices (its creation's record); returns its state. */
    GroupState created(StoreRecord.GroupCreated r, Set<DeviceId> devices) {
        GroupState g = new GroupState(r.groupId(), r.creator());
        g.epoch = r.epoch();
        g.groupInfo = r.groupInfo();
        g.ratchetTree = r.ratchetTree();
        g.devices = devices;
        g.devices.forEach(d -> g.access.put(d, new GroupState.Access(0)));
        groups.put(g.id, g);
        return g;
    }

    /**
     * An accepted commit (its record) took the group to {@code devicesAfter}: its GroupInfo and
     * tree become current, the joiners start after it (with their Welcome in their mailbox), the
     * removed devices depart at it.
     */
    void committed(GroupState g, StoreRecord.CommitAccepted r, Set<DeviceId> devicesAfter) {
        GroupMessage m = r.commit();
        long seq = m.seq();
        g.stateSeq = seq;
        g.groupInfo = r.groupInfo();
        g.ratchetTree = r.ratchetTree();
        g.pendingProposals.clear();
        g.devices = devicesAfter;
        for (StoreRecord.Joined j : r.joined()) {
            access.joined(g, j.device(), seq);
            if (j.mailboxSeq() > 0) {
                mailboxes.put(j.device(), new Mailboxes.Entry(j.mailboxSeq(), g.id, seq, r.welcome(), m.timestampMillis()));
            }
        }
        r.departed().forEach(d -> access.departed(g, d, seq, m.timestampMillis()));
    }

    /**
     * Forgets a user (erasure): their KeyPackages, their devices' mailboxes and cursors, and their
     * devices' share of every group — except a device still in a tree and cut off, which keeps its
     * cut-off cursor until the commit removing its leaf lands.
     */
    Forgotten forgetUser(String userId) {
        keyPackages.removeUser(userId);
        Set<DeviceId> devices = new HashSet<>(mailboxes.removeUser(userId));
        Set<Bytes> touched = new HashSet<>();
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
                touched.add(g.id);
            }
        }
        Map<DeviceId, Set<Bytes>> left = new HashMap<>();
        for (DeviceId d : devices) {
            left.put(d, access.forget(d));
        }
        return new Forgotten(touched, left);
    }

    /** What erasing a user changed: the groups whose delivery state changed, and per device the groups it left. */
    record Forgotten(Set<Bytes> groups, Map<DeviceId, Set<Bytes>> left) {
    }

    /** Sets a group's epoch state from stored GroupInfo and tree, deriving the devices without re-verifying. */
    private static void setState(GroupState g, long epoch, long stateSeq, Bytes groupInfo, Bytes tree) {
        g.epoch = epoch;
        g.stateSeq = stateSeq;
        g.groupInfo = groupInfo;
        g.ratchetTree = tree;
        g.pendingProposals.clear();
        g.view = null;
        g.devices = devicesOf(groupInfo, tree);
    }

    /** The devices with a leaf in a stored tree (not re-verified: it was when accepted). */
    private static Set<DeviceId> devicesOf(Bytes groupInfo, Bytes tree) {
        try {
            GroupInfo gi = MlsInputs.groupInfoOf(groupInfo);
            CipherSuite suite = BcCipherSuites.require(gi.groupContext().cipherSuite());
            RatchetTree t = RatchetTree.decode(suite, tree.unsafeArray());
            Set<DeviceId> devices = new HashSet<>();
            for (int leaf : t.occupiedLeaves()) {
                t.leaf(leaf).flatMap(l -> PublicGroupView.deviceOf(l.credential())).ifPresent(devices::add);
            }
            return Set.copyOf(devices);
        } catch (MlsException | RelayException e) {
            LOG.error("stored state of a group does not decode", e);
            return Set.of();
        }
    }
}
