package dev.ampoule.client;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.group.VerifiedProposal;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One group of this device: its MLS state, the last sequence number processed, the own
 * application messages not yet seen back from the relay, the own Commit in flight, the queue of
 * operations (one at a time per group), those waiting for the epoch to move or for the next
 * change, and when this device commits the relay's pending proposals. Confined to the client's
 * state thread.
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
    private final List<CompletableFuture<Void>> changeWaiters = new ArrayList<>();
    /** The epoch whose relay proposals this device has planned to commit; -1 for none. */
    long autoCommitEpoch = -1;
    /** When ({@link System#nanoTime()}) this device commits the relay proposals of that epoch itself. */
    long autoCommitDue;
    /** How many of this device's Commits of the relay's proposals the relay refused in an epoch. */
    long autoCommitRefusalsEpoch = -1;
    int autoCommitRefusals;
    /** The last epoch in which a message of this device met the relay's fence; -1 for none. */
    long fencedEpoch = -1;
    boolean resumeRequested;
    /** This device's history keys of the group. */
    HistoryKeys keys = new HistoryKeys();
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

    /** Completes at the next change of the group: a proposal or a Commit processed, or removal. */
    CompletableFuture<Void> nextChange() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        changeWaiters.add(f);
        return f;
    }

    /** Wakes those waiting for the next change. */
    void changed() {
        List<CompletableFuture<Void>> woken = List.copyOf(changeWaiters);
        changeWaiters.clear();
        woken.forEach(f -> f.complete(null));
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
        changeWaiters.forEach(f -> f.completeExceptionally(e));
        changeWaiters.clear();
        ownSent.values().forEach(f -> f.completeExceptionally(e));
        if (ownCommit != null) {
            ownCommit.outcome.completeExceptionally(e);
        }
    }

    /** The device of a member's credential, if it names one (a basic identity, or a device certificate's name). */
    static Optional<DeviceId> deviceOf(Credential credential) {
        return DeviceNames.deviceOf(credential);
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

    /** The members now, as {@code auth} identifies them. */
    List<MemberIdentity> identities(MemberAuthentication auth) {
        List<MemberIdentity> out = new ArrayList<>();
        if (group != null) {
            for (Member m : group.members()) {
                auth.identify(m.credential(), m.signatureKey(), group.suite().id()).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The member at a leaf of the current epoch, as {@code auth} identifies it. */
    Optional<MemberIdentity> identityAt(int leaf, MemberAuthentication auth) {
        return group == null ? Optional.empty() : group.publicGroup().member(leaf)
                .flatMap(m -> auth.identify(m.credential(), m.signatureKey(), group.suite().id()));
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

    // ---- pending proposals -----------------------------------------------------------------------

    /** Whether a pending proposal of {@code g} came from an external sender: the relay. */
    static boolean hasRelayProposals(Group g) {
        for (VerifiedProposal p : g.pendingProposals()) {
            if (p.sender() instanceof Sender.External) {
                return true;
            }
        }
        return false;
    }

    /** The leaves pending Remove proposals of {@code g} remove. */
    static Set<Integer> pendingRemovals(Group g) {
        Set<Integer> out = new HashSet<>();
        for (VerifiedProposal p : g.pendingProposals()) {
            if (p.proposal() instanceof RemoveProposal r && r.removed() <= Integer.MAX_VALUE) {
                out.add((int) r.removed());
            }
        }
        return out;
    }

    /** The devices pending Add proposals of {@code g} add. */
    static Set<DeviceId> pendingAdditions(Group g) {
        Set<DeviceId> out = new HashSet<>();
        for (VerifiedProposal p : g.pendingProposals()) {
            if (p.proposal() instanceof AddProposal a) {
                deviceOf(a.keyPackage().leafNode().credential()).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Whether a pending proposal removes this member: it must not commit (its Commit would leave that out). */
    static boolean removalPending(Group g) {
        return pendingRemovals(g).contains(g.ownLeafIndex());
    }

    /**
     * This member's place in line to commit the pending proposals: 0 when it has the lowest leaf
     * index among the members no pending proposal removes, 1 for the next one, and so on; -1 when a
     * pending proposal removes it.
     */
    static int commitRank(Group g) {
        Set<Integer> removed = pendingRemovals(g);
        int own = g.ownLeafIndex();
        if (removed.contains(own)) {
            return -1;
        }
        int rank = 0;
        for (Member m : g.members()) {
            if (m.leafIndex() >= own) {
                break;
            }
            if (!removed.contains(m.leafIndex())) {
                rank++;
            }
        }
        return rank;
    }
}
