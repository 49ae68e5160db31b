package dev.ampoule.client;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupRule;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The operations that change a group or send into it, each run on the state thread and, per group,
 * one after another. Every frame is sent until the relay gives a definitive answer: after a drop
 * the same bytes go again (the relay answers REPLAY if it had accepted them), and transient
 * refusals (RATE_LIMITED, UNAVAILABLE, GROUP_FENCED, INTERNAL) are retried after the hint.
 *
 * <p>Commits: a Commit is built on the current epoch, persisted as the group's pending Commit,
 * then sent. If another member's Commit won the epoch (COMMIT_CONFLICT, or STALE_EPOCH when this
 * device is further behind), the operation waits until a Commit of that epoch has been processed
 * from the group's messages: if it was this one after all (a resend whose first copy the relay had
 * accepted), the operation succeeds; otherwise the group merged the winner, which discarded this
 * pending Commit, and the operation is planned again on the new epoch.
 *
 * <p>The relay's proposals: when a coordinator changes a care team's roster, the relay (the group's
 * external sender) sends Add and Remove proposals. Each member plans a Commit of them: the member
 * with the lowest leaf index among those no pending proposal removes commits at once, the others
 * after the configured delay (the second in line after one delay, the rest after two or three) if
 * the proposals are still pending in the same epoch. A member whose own removal is pending never
 * commits. Such a Commit covers every pending proposal by reference (with a Welcome for the added
 * devices); when another member's Commit wins, nothing is left to commit and nothing is retried.
 *
 * <p>Application messages and the fence: while a roster removal waits for its Commit, the relay
 * refuses application messages of the old epoch (GROUP_FENCED). The plaintext then waits in memory
 * until the group's epoch moves on, a proposal arrives, or the relay's retry hint elapses, and is
 * encrypted again for the epoch of that moment — for at most the configured fence timeout.
 */
final class GroupOperations {

    private static final int MAX_ATTEMPTS = 50;
    private static final int MAX_TRANSIENT_RETRIES = 30;
    private static final int MAX_AUTO_COMMIT_REFUSALS = 5;
    private static final long RETRY_AFTER_REFUSAL_MILLIS = 200;
    /** How long the first in line waits for more of the relay's proposals before committing them. */
    static final long SETTLE_MILLIS = 50;

    /** The relay's answer and how many times the frame was sent. */
    record Answer(Frame.RelayFrame frame, int sends) {
    }

    /** What a Commit will do. */
    private record Plan(CommitOptions.Builder options, List<DeviceId> added, List<DeviceId> removed) {
    }

    private final ClientEngine engine;

    GroupOperations(ClientEngine engine) {
        this.engine = engine;
    }

    // ---- sending until definitive -------------------------------------------------------------

    CompletableFuture<Answer> sendDefinitive(Frame.ClientFrame frame) {
        return sendDefinitive(frame, 0, 0);
    }

    private CompletableFuture<Answer> sendDefinitive(Frame.ClientFrame frame, int sends, int transientRetries) {
        return engine.conn.request(frame).handleAsync((answer, err) -> {
            if (err != null) {
                AmpouleException e = ClientEngine.failure(err);
                if (e.reason() == AmpouleException.Reason.DISCONNECTED && !engine.isClosed()) {
                    return sendDefinitive(frame, sends + 1, transientRetries);
                }
                return CompletableFuture.<Answer>failedFuture(e);
            }
            if (answer instanceof Frame.Error e && transientCode(e.code())
                    && !(e.code() == ErrorCode.GROUP_FENCED && carriesMessage(frame))
                    && transientRetries < MAX_TRANSIENT_RETRIES) {
                long delay = Math.min(5_000, Math.max(100, e.retryAfterMillis()));
                return CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS, engine.exec))
                        .thenComposeAsync(v -> sendDefinitive(frame, sends + 1, transientRetries + 1), engine.exec);
            }
            return CompletableFuture.completedFuture(new Answer(answer, sends + 1));
        }, engine.exec).thenCompose(Function.identity());
    }

    /** Frames that carry an application message: a fence makes their sender encrypt it again (see {@link #send}). */
    private static boolean carriesMessage(Frame.ClientFrame frame) {
        return frame instanceof Frame.SendApplication || frame instanceof Frame.GrantHistory;
    }

    private static boolean transientCode(ErrorCode code) {
        return code == ErrorCode.RATE_LIMITED || code == ErrorCode.UNAVAILABLE || code == ErrorCode.GROUP_FENCED
                || code == ErrorCode.INTERNAL;
    }

    /** The relay's refusal as an exception. */
    AmpouleException refusal(Frame.RelayFrame answer) {
        if (answer instanceof Frame.Error e) {
            return AmpouleException.relay(e.code(), e.detail(), e.retryAfterMillis());
        }
        return new AmpouleException(AmpouleException.Reason.RELAY_ERROR, "unexpected answer " + answer);
    }

    private static Optional<ErrorCode> code(Answer a) {
        return a.frame() instanceof Frame.Error e ? Optional.of(e.code()) : Optional.empty();
    }

    // ---- per-group queue ------------------------------------------------------------------------

    /** Runs {@code op} on the state thread after the group's earlier operations. */
    <T> CompletableFuture<T> onGroup(GroupId groupId, Function<GroupSession, CompletableFuture<T>> op) {
        return engine.onState(() -> {
            GroupSession s = engine.groups.get(groupId.bytes());
            if (s == null) {
                throw new AmpouleException(AmpouleException.Reason.NOT_A_MEMBER, "this device is not in " + groupId);
            }
            return enqueue(s, () -> {
                requireActive(s);
                return op.apply(s);
            });
        });
    }

    private <T> CompletableFuture<T> enqueue(GroupSession s, Supplier<CompletableFuture<T>> op) {
        CompletableFuture<T> result = new CompletableFuture<>();
        s.tail = s.tail.handleAsync((v, e) -> {
            CompletableFuture<T> f;
            try {
                f = op.get();
            } catch (RuntimeException e2) {
                f = CompletableFuture.failedFuture(e2);
            }
            return f.handle((r, e3) -> {
                if (e3 != null) {
                    result.completeExceptionally(ClientEngine.failure(e3));
                } else {
                    result.complete(r);
                }
                return (Void) null;
            });
        }, engine.exec).thenCompose(Function.identity());
        return result;
    }

    private static void requireActive(GroupSession s) {
        if (!s.active()) {
            throw new AmpouleException(AmpouleException.Reason.NOT_A_MEMBER,
                    "this device is no longer in " + s.groupId);
        }
    }

    /** A device whose removal is pending neither commits (its Commit would leave that out) nor sends. */
    private static void requireNoRemovalPending(GroupSession s) {
        if (GroupSession.removalPending(s.group)) {
            throw new AmpouleException(AmpouleException.Reason.NOT_A_MEMBER,
                    "a pending proposal removes this device from " + s.groupId);
        }
    }

    // ---- KeyPackages ---------------------------------------------------------------------------

    /** Publishes {@code n} new KeyPackages (0: only asks how many the relay holds); the relay's count. */
    CompletableFuture<Long> publish(int n) {
        List<Bytes> fresh = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fresh.add(engine.newKeyPackage(false).message());
        }
        if (n > 0) {
            try {
                engine.persistDevice(); // the private keys are on disk before the relay can hand them out
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return sendDefinitive(new Frame.PublishKeyPackages(fresh, false)).thenApplyAsync(a -> {
            if (!(a.frame() instanceof Frame.Ok ok)) {
                throw refusal(a.frame());
            }
            if (n > 0) {
                engine.emit(new ClientEvent.KeyPackagesPublished(n, ok.seq()));
                engine.flushSoon();
            }
            return ok.seq();
        }, engine.exec);
    }

    // ---- creating a group ------------------------------------------------------------------------

    /**
     * The relay's external sender for groups of {@code suite} (asked once per suite, then cached);
     * empty when the relay has none for that suite.
     */
    CompletableFuture<Optional<ExternalSenders.ExternalSender>> relayExternalSender(int suite) {
        Optional<ExternalSenders.ExternalSender> cached = engine.externalSenders.get(suite);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        return sendDefinitive(new Frame.FetchExternalSender(suite)).thenApplyAsync(a -> {
            Optional<ExternalSenders.ExternalSender> sender = switch (a.frame()) {
                case Frame.ExternalSenderResult r -> {
                    try {
                        yield Optional.of(TlsReader.decodeExactly(r.externalSender().unsafeArray(),
                                ExternalSenders.ExternalSender::decode));
                    } catch (DecodeException e) {
                        throw new AmpouleException(AmpouleException.Reason.RELAY_ERROR,
                                "the relay's external sender does not decode", e);
                    }
                }
                // a relay that is no group's external sender for this suite
                case Frame.Error e when e.code() == ErrorCode.INVALID_MESSAGE -> Optional.empty();
                default -> throw refusal(a.frame());
            };
            engine.externalSenders.put(suite, sender);
            return sender;
        }, engine.exec);
    }

    CompletableFuture<GroupId> createGroup(String teamId) {
        GroupId gid = GroupId.ofTeam(teamId);
        return engine.onState(() -> relayExternalSender(engine.suite.id().wire())
                .thenComposeAsync(sender -> createGroup(gid, sender), engine.exec));
    }

    /** Creates the group with the relay as its external sender (when it is one) and registers it at the relay. */
    private CompletableFuture<GroupId> createGroup(GroupId gid, Optional<ExternalSenders.ExternalSender> sender) {
        engine.requireReady();
        GroupSession existing = engine.groups.get(gid.bytes());
        if (existing != null && existing.active()) {
            throw new AmpouleException(AmpouleException.Reason.INVALID_REQUEST, "already a member of " + gid);
        }
        List<Extension> extensions = sender.map(e -> List.of(new ExternalSenders(List.of(e)).toExtension()))
                .orElse(List.of());
        Group group = Group.create(engine.groupConfig, engine.suite, gid.bytes().toArray(), engine.credential,
                engine.device.keys, extensions);
        Bytes info = Bytes.wrap(new MlsMessage.OfGroupInfo(group.groupInfo(true)).toBytes());
        GroupSession s = new GroupSession(gid.bytes(), group, 0);
        try {
            engine.persist(s);
        } catch (IOException e) {
            throw new AmpouleException(AmpouleException.Reason.STORAGE, e.getMessage(), e);
        }
        return sendDefinitive(new Frame.CreateGroup(gid.bytes(), info, Optional.empty()))
                .thenComposeAsync(a -> {
                    if (a.frame() instanceof Frame.Ok) {
                        return CompletableFuture.completedFuture(true);
                    }
                    if (code(a).orElse(null) == ErrorCode.GROUP_EXISTS && a.sends() > 1) {
                        // sent again after a drop: was the first copy accepted?
                        return sendDefinitive(new Frame.FetchGroupInfo(gid.bytes())).thenApply(f ->
                                f.frame() instanceof Frame.GroupInfoResult r && r.groupInfo().equals(info));
                    }
                    return CompletableFuture.<Boolean>failedFuture(refusal(a.frame()));
                }, engine.exec)
                .handleAsync((ours, e) -> {
                    if (e == null && ours) {
                        engine.adopt(s);
                        engine.flushSoon();
                        return gid;
                    }
                    try {
                        engine.deleteGroupState(s);
                    } catch (IOException io) {
                        engine.emit(new ClientEvent.Problem("cannot delete the state of " + gid));
                    }
                    throw e != null ? ClientEngine.failure(e)
                            : AmpouleException.relay(ErrorCode.GROUP_EXISTS, "group id in use", 0);
                }, engine.exec);
    }

    // ---- membership ------------------------------------------------------------------------------

    /** A claimed KeyPackage of one device. */
    private record Claimed(DeviceId device, KeyPackage keyPackage) {
    }

    CompletableFuture<CommitResult> addMembers(GroupId groupId, Collection<String> userIds) {
        List<String> users = List.copyOf(new LinkedHashSet<>(userIds));
        return onGroup(groupId, s -> claimAll(s, users, 0, new ArrayList<>())
                .thenComposeAsync(claimed -> attemptCommit(s, g -> planAdds(g, claimed), 0), engine.exec));
    }

    /** Claims one KeyPackage for each device of each user (this device excluded). */
    private CompletableFuture<List<Claimed>> claimAll(GroupSession s, List<String> users, int i, List<Claimed> out) {
        if (i == users.size()) {
            return CompletableFuture.completedFuture(out);
        }
        String user = users.get(i);
        if (!DeviceId.validUser(user)) {
            return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.INVALID_REQUEST,
                    "not a valid user id"));
        }
        int suite = s.group.suite().id().wire();
        return sendDefinitive(new Frame.ClaimKeyPackages(user, Optional.empty(), suite)).thenComposeAsync(a -> {
            if (!(a.frame() instanceof Frame.KeyPackages kps)) {
                return CompletableFuture.<List<Claimed>>failedFuture(refusal(a.frame()));
            }
            for (Frame.KeyPackageEntry e : kps.entries()) {
                Optional<DeviceId> d = DeviceId.of(e.userId(), e.deviceId());
                if (d.isEmpty() || d.get().equals(engine.settings.self())) {
                    continue;
                }
                try {
                    if (MlsMessage.fromBytes(e.keyPackage().unsafeArray()) instanceof MlsMessage.OfKeyPackage kp
                            && trusted(s, d.get(), kp.keyPackage())) {
                        out.add(new Claimed(d.get(), kp.keyPackage()));
                    }
                } catch (MlsException ex) {
                    // a KeyPackage the relay accepted but that does not decode: leave that device out
                }
            }
            return claimAll(s, users, i + 1, out);
        }, engine.exec);
    }

    /**
     * Whether a KeyPackage the relay handed out for {@code device} may be added: its credential passes
     * this device's Authentication Service and names that device. Otherwise it is left out and the
     * listener hears {@link ClientEvent.UntrustedMember} — the relay's directory served a member
     * nobody vouches for.
     */
    private boolean trusted(GroupSession s, DeviceId device, KeyPackage kp) {
        try {
            engine.auth.validate(kp.leafNode().credential(), kp.leafNode().signatureKey(), s.group.suite().id(),
                    CredentialContext.KEY_PACKAGE);
            if (!GroupSession.deviceOf(kp.leafNode().credential()).equals(Optional.of(device))) {
                throw new ValidationException(MemberRule.DEVICE_MISMATCH);
            }
            return true;
        } catch (ValidationException refused) {
            engine.emit(new ClientEvent.UntrustedMember(s.groupId, 0, Optional.empty(), true, Optional.of(device),
                    refused.rule().name(), refused.rule().description()));
            engine.flushSoon();
            return false;
        }
    }

    private Optional<Plan> planAdds(Group g, List<Claimed> claimed) {
        Set<DeviceId> members = new HashSet<>(GroupSession.devices(g.members()));
        members.addAll(GroupSession.pendingAdditions(g)); // the relay's Adds, covered by reference
        CommitOptions.Builder b = CommitOptions.builder();
        List<DeviceId> added = new ArrayList<>();
        for (Claimed c : claimed) {
            if (members.add(c.device())) {
                b.add(c.keyPackage());
                added.add(c.device());
            }
        }
        return added.isEmpty() ? Optional.empty() : Optional.of(new Plan(b, added, List.of()));
    }

    CompletableFuture<CommitResult> removeMembers(GroupId groupId, Collection<String> userIds) {
        Set<String> users = Set.copyOf(userIds);
        return onGroup(groupId, s -> attemptCommit(s, g -> planRemoves(g, users), 0));
    }

    private Optional<Plan> planRemoves(Group g, Set<String> users) {
        CommitOptions.Builder b = CommitOptions.builder();
        List<DeviceId> removed = new ArrayList<>();
        Set<Integer> pending = GroupSession.pendingRemovals(g); // the relay's Removes, covered by reference
        for (Member m : g.members()) {
            Optional<DeviceId> d = GroupSession.deviceOf(m.credential());
            if (d.isPresent() && users.contains(d.get().userId()) && !d.get().equals(engine.settings.self())
                    && !pending.contains(m.leafIndex())) {
                b.remove(m.leafIndex());
                removed.add(d.get());
            }
        }
        return removed.isEmpty() ? Optional.empty() : Optional.of(new Plan(b, List.of(), removed));
    }

    // ---- the commit loop -------------------------------------------------------------------------

    private static Frame.SendCommit commitFrame(GroupSession s, PendingCommit pc) {
        return new Frame.SendCommit(s.id, Bytes.wrap(pc.commit().toBytes()),
                pc.welcome().map(w -> Bytes.wrap(w.toBytes())),
                Bytes.wrap(new MlsMessage.OfGroupInfo(pc.groupInfo().orElseThrow()).toBytes()));
    }

    private CompletableFuture<CommitResult> attemptCommit(GroupSession s, Function<Group, Optional<Plan>> planner,
            int conflicts) {
        requireActive(s);
        requireNoRemovalPending(s);
        if (conflicts >= MAX_ATTEMPTS) {
            return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.RELAY_ERROR,
                    "lost the race for " + conflicts + " epochs in a row"));
        }
        if (s.group.pendingCommit().isPresent()) {
            return resolveLeftoverCommit(s).thenComposeAsync(v -> attemptCommit(s, planner, conflicts), engine.exec);
        }
        Optional<Plan> plan = planner.apply(s.group);
        if (plan.isEmpty()) {
            return CompletableFuture.completedFuture(new CommitResult(s.groupId, false, s.processedSeq, s.group.epoch(),
                    List.of(), List.of(), conflicts));
        }
        PendingCommit pc = s.group.commit(plan.get().options().groupInfoForExternalJoin(true).build());
        GroupSession.OwnCommit oc = new GroupSession.OwnCommit(s.group.epoch());
        s.ownCommit = oc;
        try {
            engine.persist(s); // a restart recognises the Commit when it comes back
        } catch (IOException e) {
            discardOwn(s, oc);
            return CompletableFuture.failedFuture(e);
        }
        return sendDefinitive(commitFrame(s, pc)).thenComposeAsync(a -> {
            ErrorCode code = code(a).orElse(null);
            if (code == null || code == ErrorCode.REPLAY) {
                return oc.outcome.thenApply(seq -> {
                    if (seq < 0) {
                        throw new AmpouleException(AmpouleException.Reason.RELAY_ERROR,
                                "the relay accepted the Commit but another one was delivered for its epoch");
                    }
                    return result(s, plan.get(), seq, conflicts);
                });
            }
            if (code == ErrorCode.COMMIT_CONFLICT || code == ErrorCode.STALE_EPOCH) {
                return oc.outcome.thenComposeAsync(seq -> seq >= 0
                        ? CompletableFuture.completedFuture(result(s, plan.get(), seq, conflicts))
                        : attemptCommit(s, planner, conflicts + 1), engine.exec);
            }
            discardOwn(s, oc);
            return CompletableFuture.<CommitResult>failedFuture(refusal(a.frame()));
        }, engine.exec);
    }

    private CommitResult result(GroupSession s, Plan plan, long seq, int conflicts) {
        return new CommitResult(s.groupId, true, seq, s.group.epoch(), plan.added(), plan.removed(), conflicts);
    }

    /** Drops an own Commit the relay refused for good. */
    private void discardOwn(GroupSession s, GroupSession.OwnCommit oc) {
        if (s.group.pendingCommit().isPresent()) {
            s.group.discardPendingCommit();
        }
        if (s.ownCommit == oc) {
            s.ownCommit = null;
        }
        oc.outcome.complete(-1L);
        engine.markDirty(s);
        engine.flushSoon();
    }

    /**
     * Settles a pending Commit whose outcome is unknown (restored after a restart): sends it again
     * and waits for the Commit of its epoch, or discards it if the relay refuses it.
     */
    CompletableFuture<Void> resolveLeftoverCommit(GroupSession s) {
        if (s.ownCommit != null) {
            return s.ownCommit.outcome.thenApply(x -> (Void) null).exceptionally(e -> null);
        }
        PendingCommit pc = s.group.pendingCommit().orElseThrow();
        GroupSession.OwnCommit oc = new GroupSession.OwnCommit(s.group.epoch());
        s.ownCommit = oc;
        return sendDefinitive(commitFrame(s, pc)).thenComposeAsync(a -> {
            ErrorCode code = code(a).orElse(null);
            if (code == null || code == ErrorCode.REPLAY || code == ErrorCode.COMMIT_CONFLICT
                    || code == ErrorCode.STALE_EPOCH) {
                return oc.outcome.thenApply(x -> (Void) null);
            }
            discardOwn(s, oc);
            return CompletableFuture.completedFuture((Void) null);
        }, engine.exec);
    }

    // ---- the relay's proposals -------------------------------------------------------------------

    /**
     * Plans this device's Commit of the relay's pending proposals, after a proposal was processed
     * (or a group was restored with some pending). First in line, it commits once the relay's
     * proposals stop arriving ({@link #SETTLE_MILLIS} after the last one: the relay sends a roster
     * change's proposals together, and one Commit should cover them all); otherwise after its delay,
     * unless a Commit has ended the epoch by then. A later proposal of the same epoch may bring the
     * Commit forward (a removal can put this device first in line), never put it back.
     */
    void relayProposalsPending(GroupSession s) {
        if (!s.active() || !GroupSession.hasRelayProposals(s.group)) {
            return;
        }
        long epoch = s.group.epoch();
        int rank = GroupSession.commitRank(s.group);
        long delay = rank < 0 ? -1
                : rank == 0 ? SETTLE_MILLIS : engine.settings.autoCommitDelay().toMillis() * Math.min(rank, 3);
        long due = delay < 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
        if (s.autoCommitEpoch == epoch && s.autoCommitDue - due <= 0 && rank != 0) {
            return; // planned already, as early or earlier
        }
        s.autoCommitEpoch = epoch;
        s.autoCommitDue = due;
        if (delay < 0) {
            return; // a pending proposal removes this device: others commit
        }
        Runnable commit = () -> {
            if (s.active() && s.group.epoch() == epoch && s.autoCommitEpoch == epoch
                    && System.nanoTime() - s.autoCommitDue >= 0 && GroupSession.hasRelayProposals(s.group)) {
                enqueue(s, () -> commitRelayProposals(s, epoch));
            }
        };
        try {
            engine.exec.schedule(commit, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Commits the pending proposals of {@code epoch} unless a Commit ended it or this device is being removed. */
    private CompletableFuture<Void> commitRelayProposals(GroupSession s, long epoch) {
        if (!s.active() || s.group.epoch() != epoch || !GroupSession.hasRelayProposals(s.group)
                || GroupSession.removalPending(s.group)) {
            return CompletableFuture.completedFuture(null);
        }
        return attemptCommit(s, GroupOperations::planPending, 0).handleAsync((r, e) -> {
            if (e == null || engine.isClosed() || !s.active()) {
                return (Void) null;
            }
            AmpouleException f = ClientEngine.failure(e);
            if (s.autoCommitRefusalsEpoch != epoch) {
                s.autoCommitRefusalsEpoch = epoch;
                s.autoCommitRefusals = 0;
            }
            if (f.reason() == AmpouleException.Reason.RELAY_ERROR && s.group.epoch() == epoch
                    && ++s.autoCommitRefusals <= MAX_AUTO_COMMIT_REFUSALS) {
                // refused, e.g. for leaving out a removal the relay proposed after it was built: plan again,
                // with the proposals that have arrived since
                s.autoCommitEpoch = -1;
                timer(RETRY_AFTER_REFUSAL_MILLIS).thenRunAsync(() -> relayProposalsPending(s), engine.exec);
            } else {
                engine.emit(new ClientEvent.Problem("the relay's proposals for " + s.groupId + " were not committed: "
                        + f.getMessage()));
                engine.flushSoon();
            }
            return (Void) null;
        }, engine.exec);
    }

    /** A Commit of every pending proposal (by reference), or nothing when none is pending or this device is being removed. */
    private static Optional<Plan> planPending(Group g) {
        if (g.pendingProposals().isEmpty() || GroupSession.removalPending(g)) {
            return Optional.empty();
        }
        return Optional.of(new Plan(CommitOptions.builder(), List.of(), List.of()));
    }

    // ---- application messages -------------------------------------------------------------------

    /**
     * A message on its way: the plaintext (in memory only, wiped once the send is over), until when
     * it may wait out a fence, and how many times the epoch moved under it.
     */
    private static final class Outgoing {
        /** The plaintext, or null when it is built for each epoch ({@link #build}). */
        final byte[] data;
        /** Builds the plaintext for the group's state at the moment of encrypting (keys sealed to its leaves). */
        final Function<GroupSession, byte[]> build;
        /** The frame that carries the encrypted message, from the group id and the message. */
        final java.util.function.BiFunction<Bytes, Bytes, Frame.ClientFrame> frame;
        final long deadline;
        int epochMoves;

        Outgoing(byte[] data, long deadline) {
            this(data, null, Frame.SendApplication::new, deadline);
        }

        Outgoing(byte[] data, Function<GroupSession, byte[]> build,
                java.util.function.BiFunction<Bytes, Bytes, Frame.ClientFrame> frame, long deadline) {
            this.data = data;
            this.build = build;
            this.frame = frame;
            this.deadline = deadline;
        }

        /** The plaintext for the group now (a built one is the caller's to wipe). */
        byte[] plaintext(GroupSession s) {
            return data != null ? data : build.apply(s);
        }

        long millisLeft() {
            return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        }

        void wipe() {
            if (data != null) {
                Arrays.fill(data, (byte) 0);
            }
        }
    }

    CompletableFuture<SentMessage> send(GroupId groupId, Content content) {
        Outgoing out = new Outgoing(Payloads.encode(content), System.nanoTime() + engine.settings.fenceTimeout().toNanos());
        return onGroup(groupId, s -> attemptSend(s, out)).whenComplete((r, e) -> out.wipe());
    }

    /**
     * Sends a message whose plaintext depends on the group's state when it is encrypted (keys sealed
     * to members' leaf keys), in the given frame (e.g. {@code GrantHistory}); fenced, retried and
     * re-encrypted on a new epoch like {@link #send}.
     */
    CompletableFuture<SentMessage> sendBuilt(GroupId groupId, Function<GroupSession, byte[]> build,
            java.util.function.BiFunction<Bytes, Bytes, Frame.ClientFrame> frame) {
        Outgoing out = new Outgoing(null, build, frame, System.nanoTime() + engine.settings.fenceTimeout().toNanos());
        return onGroup(groupId, s -> attemptSend(s, out));
    }

    private CompletableFuture<SentMessage> attemptSend(GroupSession s, Outgoing out) {
        requireActive(s);
        if (out.epochMoves >= MAX_ATTEMPTS) {
            return CompletableFuture.failedFuture(new AmpouleException(AmpouleException.Reason.RELAY_ERROR,
                    "the group's epoch kept moving"));
        }
        if (s.group.pendingCommit().isPresent()) {
            return resolveLeftoverCommit(s).thenComposeAsync(v -> attemptSend(s, out), engine.exec);
        }
        MlsMessage message;
        byte[] plain = out.plaintext(s);
        try {
            message = s.group.encrypt(plain, new byte[0]);
        } catch (ValidationException e) {
            if (e.rule() == GroupRule.PENDING_PROPOSALS) {
                // proposals must be committed before application data (RFC 9420 §12.4)
                return settlePending(s, out).thenComposeAsync(v -> attemptSend(s, out), engine.exec);
            }
            throw e;
        } finally {
            if (plain != out.data) {
                Arrays.fill(plain, (byte) 0);
            }
        }
        Bytes bytes = Bytes.wrap(message.toBytes());
        Bytes hash = ClientEngine.sha256(bytes);
        CompletableFuture<Long> echoed = new CompletableFuture<>();
        s.ownSent.put(hash, echoed);
        long epoch = s.group.epoch();
        try {
            engine.persist(s); // the ratchet moved: never reuse its key after a crash
        } catch (IOException e) {
            s.ownSent.remove(hash);
            return CompletableFuture.failedFuture(e);
        }
        return sendDefinitive(out.frame.apply(s.id, bytes)).thenComposeAsync(a -> {
            if (a.frame() instanceof Frame.Ok ok) {
                // sent again after a drop, a first copy may have been delivered already: it counts
                long seq = a.sends() > 1 && echoed.isDone() && !echoed.isCompletedExceptionally() ? echoed.join()
                        : ok.seq();
                return CompletableFuture.completedFuture(new SentMessage(s.groupId, seq, epoch, bytes));
            }
            ErrorCode code = code(a).orElse(null);
            if (code == ErrorCode.REPLAY) {
                // accepted before a drop: its sequence number comes with its echo
                return echoed.thenApply(seq -> new SentMessage(s.groupId, seq, epoch, bytes));
            }
            if (code == ErrorCode.GROUP_FENCED || code == ErrorCode.STALE_EPOCH) {
                CompletableFuture<Void> waited = code == ErrorCode.GROUP_FENCED
                        ? waitOutFence(s, out, epoch, (Frame.Error) a.frame()) : catchUp(s, out, epoch);
                return waited.thenComposeAsync(v -> {
                    if (echoed.isDone() && !echoed.isCompletedExceptionally()) {
                        // a copy sent before a drop had been accepted after all
                        SentMessage earlier = new SentMessage(s.groupId, echoed.join(), epoch, bytes);
                        return CompletableFuture.completedFuture(earlier);
                    }
                    s.ownSent.remove(hash);
                    engine.markDirty(s);
                    return attemptSend(s, out);
                }, engine.exec).whenCompleteAsync((r, e) -> {
                    if (e != null) {
                        s.ownSent.remove(hash);
                        engine.markDirty(s);
                        engine.flushSoon();
                    }
                }, engine.exec);
            }
            s.ownSent.remove(hash);
            engine.markDirty(s);
            engine.flushSoon();
            return CompletableFuture.<SentMessage>failedFuture(refusal(a.frame()));
        }, engine.exec);
    }

    /**
     * The relay fences the group (a roster removal waits for its Commit): keep the message until the
     * group changes (the relay's proposal arrives, a Commit lands) or the relay's hint elapses, then
     * encrypt it again.
     */
    private CompletableFuture<Void> waitOutFence(GroupSession s, Outgoing out, long epoch, Frame.Error e) {
        if (s.fencedEpoch != epoch) {
            s.fencedEpoch = epoch;
            engine.emit(new ClientEvent.GroupFenced(s.groupId, epoch, e.retryAfterMillis()));
            engine.flushSoon();
        }
        long left = out.millisLeft();
        if (left == 0) {
            return CompletableFuture.failedFuture(fenceTimeout(s, "the group stayed fenced (a roster removal "
                    + "was not committed)"));
        }
        long wait = Math.min(left, Math.min(5_000, Math.max(100, e.retryAfterMillis())));
        return firstOf(s.nextChange(), timer(wait));
    }

    /** A Commit moved the group on: wait until this device has processed it (then encrypt again). */
    private CompletableFuture<Void> catchUp(GroupSession s, Outgoing out, long epoch) {
        CompletableFuture<Void> above = s.epochAbove(epoch);
        return firstOf(above, timer(out.millisLeft())).thenApplyAsync(v -> {
            if (!above.isDone() && s.active()) {
                throw fenceTimeout(s, "this device did not catch up with the group's epoch");
            }
            out.epochMoves++;
            return (Void) null;
        }, engine.exec);
    }

    private AmpouleException fenceTimeout(GroupSession s, String why) {
        return new AmpouleException(AmpouleException.Reason.FENCED, "message to " + s.groupId + " not sent: " + why
                + " within the fence timeout of " + engine.settings.fenceTimeout());
    }

    /**
     * Proposals are pending, so no application message can be encrypted: commit them — at once for
     * other members' proposals or when this device's turn has come for the relay's, else after
     * waiting for a Commit of the device first in line (up to this device's turn, and within the
     * message's fence timeout: the relay fences the group until its removals are committed).
     */
    private CompletableFuture<Void> settlePending(GroupSession s, Outgoing out) {
        requireNoRemovalPending(s);
        boolean relay = GroupSession.hasRelayProposals(s.group);
        if (relay) {
            relayProposalsPending(s);
        }
        long wait = relay ? Math.max(0, TimeUnit.NANOSECONDS.toMillis(s.autoCommitDue - System.nanoTime())) : 0;
        if (wait == 0) {
            out.epochMoves++;
            return attemptCommit(s, GroupOperations::planPending, 0).handleAsync((r, e) -> {
                if (e == null) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                AmpouleException f = ClientEngine.failure(e);
                if (relay && f.reason() == AmpouleException.Reason.RELAY_ERROR
                        && out.millisLeft() > RETRY_AFTER_REFUSAL_MILLIS) {
                    // refused, e.g. for leaving out a removal proposed meanwhile: again, with what has arrived
                    return timer(RETRY_AFTER_REFUSAL_MILLIS);
                }
                return CompletableFuture.<Void>failedFuture(f);
            }, engine.exec).thenCompose(Function.identity());
        }
        long left = out.millisLeft();
        CompletableFuture<Void> committed = s.epochAbove(s.group.epoch());
        return firstOf(committed, timer(Math.min(wait, left))).thenApplyAsync(v -> {
            if (!committed.isDone() && wait >= left && s.active()) {
                throw fenceTimeout(s, "the relay's proposals were not committed");
            }
            return (Void) null;
        }, engine.exec);
    }

    /** Completes (normally) when either completes, however it completes. */
    private static CompletableFuture<Void> firstOf(CompletableFuture<?> a, CompletableFuture<?> b) {
        return CompletableFuture.anyOf(a, b).handle((x, e) -> (Void) null);
    }

    /** Completes after {@code millis} on the state thread. */
    private CompletableFuture<Void> timer(long millis) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        try {
            engine.exec.schedule(() -> f.complete(null), millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(new AmpouleException(AmpouleException.Reason.CLOSED, "closed"));
        }
        return f;
    }

    // ---- snapshots -------------------------------------------------------------------------------

    CompletableFuture<GroupSnapshot> snapshot(GroupId groupId) {
        return engine.onState(() -> {
            GroupSession s = engine.groups.get(groupId.bytes());
            if (s == null) {
                throw new AmpouleException(AmpouleException.Reason.NOT_A_MEMBER, "this device is not in " + groupId);
            }
            return CompletableFuture.completedFuture(engine.snapshot(s));
        });
    }

    CompletableFuture<List<GroupSnapshot>> snapshots() {
        return engine.onState(() -> CompletableFuture.completedFuture(
                engine.groups.values().stream().map(engine::snapshot).toList()));
    }
}
