package dev.ampoule.client;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.Member;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One group of this device: its MLS state, the last sequence number processed, the own
 * application messages not yet seen back from the relay, the own Commit in flight, the queue of
 * operations (one at a time per group) and those waiting for the epoch to move. Confined to the
 * client's state thread.
 */
final class GroupSession {

    /** An own Commit sent (or about to be): resolved when a Commit of its epoch is merged. */
    static final class OwnCommit {
        final long epoch;
        /** The sequence number when the merged Commit was this one; -1 when another Commit won. */
        final CompletableFuture<Long> outcome = new CompletableFuture<>();

        OwnCommit(long epoch) {
            this.epoch = epoch;
        }
    }

    private record EpochWaiter(long epoch, CompletableFuture<Void> future) {
    }

    final Bytes id;
    final GroupId groupId;
    Group group;
    long processedSeq;
    /** SHA-256 of own application messages → resolved with their sequence number when seen back. */
    final Map<Bytes, CompletableFuture<Long>> ownSent = new LinkedHashMap<>();
    OwnCommit ownCommit;
    CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private final List<EpochWaiter> waiters = new ArrayList<>();
    boolean resumeRequested;
    /** A Welcome into this group that arrived before this device processed its removal from it. */
    Optional<Frame.WelcomeDelivery> pendingWelcome = Optional.empty();

    GroupSession(Bytes id, Group group, long processedSeq) {
        this.id = id;
        this.groupId = new GroupId(id);
        this.group = group;
        this.processedSeq = processedSeq;
    }

    boolean active() {
        return group != null && group.isActive();
    }

    /** Completes once the group's epoch is above {@code epoch} (fails if this device leaves the group). */
    CompletableFuture<Void> epochAbove(long epoch) {
        if (group == null || group.status() == Group.Status.REMOVED) {
            return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.NOT_A_MEMBER,
                    "this device was removed from " + groupId));
        }
        if (group.epoch() > epoch) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiters.add(new EpochWaiter(epoch, f));
        return f;
    }

    /** Wakes the waiters whose epoch has passed; fails them all once removed. */
    void epochChanged() {
        boolean removed = group == null || group.status() == Group.Status.REMOVED;
        Iterator<EpochWaiter> it = waiters.iterator();
        while (it.hasNext()) {
            EpochWaiter w = it.next();
            if (removed) {
                w.future().completeExceptionally(new AmpouleException(AmpouleException.Reason.NOT_A_MEMBER,
                        "this device was removed from " + groupId));
                it.remove();
            } else if (group.epoch() > w.epoch()) {
                w.future().complete(null);
                it.remove();
            }
        }
    }

    /** Fails every waiter (the client closes). */
    void failAll(AmpouleException e) {
        waiters.forEach(w -> w.future().completeExceptionally(e));
        waiters.clear();
        ownSent.values().forEach(f -> f.completeExceptionally(e));
        if (ownCommit != null) {
            ownCommit.outcome.completeExceptionally(e);
        }
    }

    /** The device of a member's credential, if it names one. */
    static Optional<DeviceId> deviceOf(Credential credential) {
        return credential instanceof Credential.Basic b ? DeviceId.fromIdentity(b.identity()) : Optional.empty();
    }

    static List<DeviceId> devices(List<Member> members) {
        List<DeviceId> out = new ArrayList<>();
        for (Member m : members) {
            deviceOf(m.credential()).ifPresent(out::add);
        }
        return out;
    }

    /** The member devices now. */
    List<DeviceId> members() {
        return group == null ? List.of() : devices(group.members());
    }

    /** The device at a leaf of the current epoch. */
    Optional<DeviceId> deviceAt(int leaf) {
        if (group == null) {
            return Optional.empty();
        }
        for (Member m : group.members()) {
            if (m.leafIndex() == leaf) {
                return deviceOf(m.credential());
            }
        }
        return Optional.empty();
    }
}
