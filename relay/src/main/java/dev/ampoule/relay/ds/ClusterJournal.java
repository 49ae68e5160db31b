package dev.ampoule.relay.ds;

import dev.ampoule.relay.cluster.NodeEvent;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.store.PgDevices;
import dev.ampoule.relay.store.PgGroups;
import dev.ampoule.relay.store.StoreException;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The journal of a cluster's relay: the database every node shares ({@link PgGroups},
 * {@link PgDevices}). The database numbers each group's messages and each device's mailbox; a write
 * names the version of the group it was validated against and fails ({@code STALE},
 * {@code EPOCH_TAKEN}) when the group changed since — the caller reads the group again. After each
 * durable write the other relay instances are told ({@link NodeEvent}s), so that they wake the
 * devices they serve and drop what they cached. A cut-off fences the group for every node until a
 * Commit leaves the cut-off users without leaves. Event-loop confined.
 */
final class ClusterJournal implements Journal {

    private final PgGroups groups;
    private final PgDevices devices;
    private final Consumer<NodeEvent> tell;
    private final RelayMetrics metrics;

    ClusterJournal(PgGroups groups, PgDevices devices, Consumer<NodeEvent> tell, RelayMetrics metrics) {
        this.groups = groups;
        this.devices = devices;
        this.tell = tell;
        this.metrics = metrics;
    }

    private <T> Future<T> timed(Future<T> write) {
        long t0 = System.nanoTime();
        return write.andThen(ar -> metrics.storeLatency("append", Duration.ofNanos(System.nanoTime() - t0)));
    }

    @Override
    public Future<Void> append(StoreRecord record) {
        return timed(switch (record) {
            case StoreRecord.CursorMoved r -> devices.moveCursor(r.device(), r.groupId(), r.seq()).<Void>mapEmpty();
            case StoreRecord.MailboxAcked r -> devices.ackMailbox(r.device(), r.seq());
            case StoreRecord.KeyPackageAdded r -> devices.addKeyPackages(List.of(r))
                    .andThen(ar -> tell.accept(new NodeEvent.DeviceKeysChanged(r.device())));
            case StoreRecord.KeyPackageTaken r -> devices.take(r.device(), r.ref()).compose(taken -> {
                tell.accept(new NodeEvent.DeviceKeysChanged(r.device()));
                return taken ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(StoreException.refused(
                        StoreException.Reason.CONFLICT, "another relay handed this KeyPackage out"));
            });
            case StoreRecord.SignatureKeyRegistered r -> devices.registerKey(r.device(), r.signatureKey())
                    .andThen(ar -> tell.accept(new NodeEvent.DeviceKeysChanged(r.device())));
            case StoreRecord.UserErased r -> devices.eraseUser(r.userId())
                    .andThen(ar -> tell.accept(new NodeEvent.UserErased(r.userId())));
            default -> Future.failedFuture(new IllegalArgumentException("not a device record: "
                    + record.getClass().getSimpleName()));
        });
    }

    @Override
    public Future<Long> message(GroupState g, StoreRecord.MessageAccepted record) {
        GroupMessage m = record.message();
        Bytes digest = record.digest().isEmpty() ? GroupSequencer.digest(m.message()) : record.digest();
        if (m.kind() == MessageKind.APPLICATION) {
            return timed(groups.appendApplication(g.id, g.version, m.epoch(), m.timestampMillis(), digest, m.message()))
                    .andThen(ar -> {
                        if (ar.succeeded()) {
                            tell.accept(new NodeEvent.GroupAdvanced(g.id, ar.result() + 1));
                        }
                    });
        }
        return timed(groups.appendProposal(g.id, g.version, m.epoch(), m.timestampMillis(), digest, m.message()))
                .map(a -> {
                    g.version = a.version();
                    tell.accept(new NodeEvent.GroupChanged(g.id, a.version()));
                    tell.accept(new NodeEvent.GroupAdvanced(g.id, a.seq() + 1));
                    return a.seq();
                });
    }

    @Override
    public Future<Long> created(StoreRecord.GroupCreated record, Set<DeviceId> members) {
        return timed(groups.create(record, members)).recover(e -> Future.failedFuture(
                e instanceof StoreException s && s.reason() == StoreException.Reason.EXISTS
                        ? new dev.ampoule.relay.protocol.RelayException(dev.ampoule.relay.protocol.ErrorCode.GROUP_EXISTS,
                                "group id in use")
                        : e)).map(version -> {
            members.forEach(d -> tell.accept(new NodeEvent.AccessChanged(record.groupId(), d)));
            return version;
        });
    }

    @Override
    public Future<StoreRecord.CommitAccepted> commit(GroupState g, StoreRecord.CommitAccepted r,
            Set<DeviceId> devicesAfter) {
        GroupMessage m = r.commit();
        Set<DeviceId> welcomed = new HashSet<>();
        r.joined().stream().filter(j -> j.mailboxSeq() > 0).forEach(j -> welcomed.add(j.device()));
        Set<String> usersAfter = new HashSet<>();
        devicesAfter.forEach(d -> usersAfter.add(d.userId()));
        PgGroups.Commit c = new PgGroups.Commit(m, GroupSequencer.digest(m.message()), m.epoch() + 1, r.groupInfo(),
                r.ratchetTree(), r.welcome(), r.joined().stream().map(StoreRecord.Joined::device).toList(), welcomed,
                r.departed(), usersAfter);
        return timed(groups.appendCommit(g.id, g.version, c)).map(done -> {
            g.version = done.version();
            GroupMessage stored = new GroupMessage(m.groupId(), done.seq(), m.epoch(), m.kind(), m.timestampMillis(),
                    m.message());
            tell.accept(new NodeEvent.GroupChanged(g.id, done.version()));
            tell.accept(new NodeEvent.GroupAdvanced(g.id, done.seq() + 1));
            for (StoreRecord.Joined j : done.joined()) {
                tell.accept(new NodeEvent.AccessChanged(g.id, j.device()));
                if (j.mailboxSeq() > 0) {
                    tell.accept(new NodeEvent.MailboxAdvanced(j.device()));
                }
            }
            r.departed().forEach(d -> tell.accept(new NodeEvent.AccessChanged(g.id, d)));
            return new StoreRecord.CommitAccepted(stored, r.groupInfo(), r.ratchetTree(), r.welcome(), done.joined(),
                    r.departed());
        });
    }

    @Override
    public Future<Long> cutOff(GroupState g, Set<DeviceId> cut, long until, long now) {
        Set<String> users = new HashSet<>();
        cut.forEach(d -> users.add(d.userId()));
        return timed(groups.cutOff(g.id, cut, users, now)).map(done -> {
            g.version = done.version();
            tell.accept(new NodeEvent.GroupChanged(g.id, done.version()));
            cut.forEach(d -> tell.accept(new NodeEvent.AccessChanged(g.id, d)));
            return done.seq();
        });
    }
}
