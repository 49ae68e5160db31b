package dev.ampoule.relay.ds;

import static dev.ampoule.relay.ds.MlsInputs.checkEpoch;
import static dev.ampoule.relay.ds.MlsInputs.groupInfoOf;
import static dev.ampoule.relay.ds.MlsInputs.mlsOf;
import static dev.ampoule.relay.ds.MlsInputs.publicMessageOf;

import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.mailbox.Mailboxes;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.store.GroupMessage;
import dev.ampoule.relay.store.MessageKind;
import dev.ampoule.relay.store.StoreRecord;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Handshake messages (RFC 9750 §5.2, RFC 9420 §12): group creation, proposals and commits, each
 * validated with the group's public view ({@link PublicGroupView}, on worker threads) and the
 * care-team rules ({@link RosterEnforcement}), inside the group's sequencer — so exactly one commit
 * per epoch is accepted (first wins), stale and future epochs are refused, and a Welcome is
 * released only with its accepted commit. The relay's own proposals are stored here too, exactly
 * as a member's. Event-loop confined.
 */
final class HandshakeHandler {

    private final StateProjection state;
    private final Mailboxes mailboxes;
    private final DeliveryAccess access;
    private final Journal journal;
    private final Sequencing sequencing;
    private final Validation validation;
    private final Listeners listeners;
    private final RosterEnforcement enforcement;
    private final Retention retention;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    private final Clock clock;
    /** Group ids being registered (their validation running). */
    private final Set<Bytes> creating = new HashSet<>();

    HandshakeHandler(StateProjection state, Mailboxes mailboxes, DeliveryAccess access, Journal journal,
            Sequencing sequencing, Validation validation, Listeners listeners, RosterEnforcement enforcement, Retention retention,
            RelayConfig config, RelayMetrics metrics, Clock clock) {
        this.state = state;
        this.mailboxes = mailboxes;
        this.access = access;
        this.journal = journal;
        this.sequencing = sequencing;
        this.validation = validation;
        this.listeners = listeners;
        this.enforcement = enforcement;
        this.retention = retention;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    // ---- the group's view ----------------------------------------------------------------------

    /** The group's validation view, built from its GroupInfo, tree and pending proposals when it has none. */
    Future<GroupView> view(GroupState g) {
        if (g.view != null) {
            return Future.succeededFuture(g.view);
        }
        Bytes gi = g.groupInfo;
        Bytes tree = g.ratchetTree;
        List<GroupMessage> proposals = List.copyOf(g.pendingProposals);
        return validation.offLoop(() -> {
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

    // ---- creation ------------------------------------------------------------------------------

    /** Registers a group from its GroupInfo and tree; the sender must be one of its devices. */
    Future<Long> createGroup(DeviceId device, Frame.CreateGroup frame) {
        Bytes id = frame.groupId();
        if (id.isEmpty() || id.length() > 255) {
            return Future.failedFuture(new RelayException(ErrorCode.INVALID_MESSAGE, "group id of 1..255 bytes"));
        }
        if (state.exists(id) || !creating.add(id)) {
            return Future.failedFuture(new RelayException(ErrorCode.GROUP_EXISTS, "group id in use"));
        }
        return validation.offLoop(() -> {
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
                return Future.failedFuture(Validation.translate(e));
            }
            if (view.memberCount() > config.maxGroupSize) {
                metrics.limitExceeded("group_size");
                return Future.failedFuture(new RelayException(ErrorCode.LIMIT_EXCEEDED,
                        "at most " + config.maxGroupSize + " members"));
            }
            StoreRecord.GroupCreated rec = new StoreRecord.GroupCreated(id, device, view.epoch(), frame.groupInfo(),
                    view.ratchetTree(), clock.millis());
            return journal.append(rec).map(v -> {
                GroupState g = state.created(rec, view.devices());
                g.view = view;
                g.devices.forEach(d -> {
                    access.receive(d, id);
                    listeners.device(d, l -> l.accessChanged(id));
                });
                metrics.accepted("create_group");
                enforcement.groupCreated(g, device);
                return 0L;
            });
        }).andThen(ar -> creating.remove(id));
    }

    // ---- proposals -----------------------------------------------------------------------------

    /** Validates a proposal with the group's view, then sequences and stores it. */
    Future<Long> sendProposal(DeviceId device, Frame.SendProposal frame) {
        GroupState g;
        Bytes hash;
        try {
            g = state.require(frame.groupId());
            if (!g.active(device)) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            enforcement.checkProposalOpen(g);
            hash = GroupSequencer.digest(frame.proposal());
            g.sequencer.checkReplay(hash);
        } catch (RuntimeException e) {
            return Future.failedFuture(Validation.translate(e));
        }
        return sequencing.inOrder(g, () -> view(g).compose(view -> validation.offLoop(() -> {
            PublicMessage pm = publicMessageOf(frame.proposal());
            if (!Arrays.equals(pm.content().groupId(), g.id.unsafeArray())) {
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
                return Future.failedFuture(Validation.translate(e));
            }
            return validation.offLoop(() -> {
                view.processProposal(bundle.message());
                return bundle.message().content().epoch();
            });
        })).compose(epoch -> {
            g.sequencer.checkReplay(hash);
            metrics.accepted("proposal");
            return storeProposal(g, frame.proposal(), hash, epoch, true);
        }));
    }

    /**
     * Sequences and stores a proposal of the relay (already validated by the group's view, inside
     * the group's sequencer), exactly as {@link #sendProposal} does for a member's.
     */
    Future<Long> storeRelayProposal(GroupState g, Bytes proposal, long epoch) {
        metrics.accepted("relay_proposal");
        return storeProposal(g, proposal, GroupSequencer.digest(proposal), epoch, false);
    }

    private Future<Long> storeProposal(GroupState g, Bytes proposal, Bytes hash, long epoch, boolean withDigest) {
        long seq;
        try {
            seq = g.sequencer.assign(hash);
        } catch (RelayException e) {
            g.view = null; // it processed the proposal: rebuilt from the stored ones when next needed
            return Future.failedFuture(e);
        }
        GroupMessage m = new GroupMessage(g.id, seq, epoch, MessageKind.PROPOSAL, clock.millis(), proposal);
        g.pendingProposals.add(m);
        StoreRecord rec = withDigest ? new StoreRecord.MessageAccepted(m, hash) : new StoreRecord.MessageAccepted(m);
        return sequencing.store(g, m, hash, rec, () -> {
            g.pendingProposals.remove(m);
            g.view = null; // it processed the proposal: rebuilt from the stored ones when next needed
        });
    }

    private record ProposalBundle(PublicMessage message, GroupView.ProposalFacts facts) {
    }

    private record StagedBundle(GroupView.Staged staged, long epoch, Optional<Welcome> welcome) {
    }

    // ---- commits -------------------------------------------------------------------------------

    /**
     * Validates a commit bundle with the group's view and, if it is the first commit of its epoch,
     * sequences and stores it, advances the group, then releases the Welcome.
     */
    Future<Long> sendCommit(DeviceId device, Frame.SendCommit frame) {
        GroupState g;
        Bytes hash;
        try {
            g = state.require(frame.groupId());
            if (!g.active(device) && !g.hasUser(device.userId())) {
                throw new RelayException(ErrorCode.FORBIDDEN, "not a member of the group");
            }
            hash = GroupSequencer.digest(frame.commit());
            g.sequencer.checkReplay(hash);
        } catch (RuntimeException e) {
            RelayException refused = Validation.translate(e);
            enforcement.commitRefused(frame.groupId(), device, refused);
            return Future.failedFuture(refused);
        }
        return sequencing.inOrder(g, () -> view(g).compose(view -> validation.offLoop(() -> stage(g, view, device, frame)))
                .compose(bundle -> {
                    try {
                        enforcement.checkCommit(g, device, bundle.staged());
                    } catch (RuntimeException e) {
                        return Future.failedFuture(Validation.translate(e));
                    }
                    return acceptCommit(g, frame, hash, bundle)
                            .onSuccess(seq -> enforcement.commitAccepted(g, device, seq, bundle.staged()));
                }))
                .onFailure(e -> {
                    if (e instanceof RelayException r && r.code() == ErrorCode.LIMIT_EXCEEDED) {
                        metrics.limitExceeded("group_size");
                    }
                    enforcement.commitRefused(g.id, device, Validation.translate(e));
                });
    }

    /** Validates the commit bundle with the view (worker thread): the staged commit, its epoch and Welcome. */
    private StagedBundle stage(GroupState g, GroupView view, DeviceId device, Frame.SendCommit frame) {
        PublicMessage pm = publicMessageOf(frame.commit());
        if (!Arrays.equals(pm.content().groupId(), g.id.unsafeArray())) {
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
    }

    private Future<Long> acceptCommit(GroupState g, Frame.SendCommit frame, Bytes hash, StagedBundle bundle) {
        GroupView.Staged staged = bundle.staged();
        long seq;
        try {
            seq = g.sequencer.assign(hash);
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        long now = clock.millis();
        long epochBefore = g.epoch;
        g.epoch = staged.newEpoch();
        boolean hasWelcome = bundle.welcome().isPresent();
        List<StoreRecord.Joined> joined = new ArrayList<>();
        for (DeviceId d : staged.added()) {
            boolean external = staged.external() && staged.committer().equals(Optional.of(d));
            // reserve the mailbox slot now so that concurrent commits never share it
            long mailboxSeq = hasWelcome && !external ? mailboxes.reserve(d) : 0;
            joined.add(new StoreRecord.Joined(d, mailboxSeq));
        }
        GroupMessage m = new GroupMessage(g.id, seq, bundle.epoch(), MessageKind.COMMIT, now, frame.commit());
        StoreRecord.CommitAccepted rec = new StoreRecord.CommitAccepted(m, frame.groupInfo(), staged.ratchetTreeAfter(),
                frame.welcome().orElse(Bytes.EMPTY), joined, List.copyOf(staged.removed()));
        metrics.accepted("commit");
        return journal.append(rec).recover(e -> {
            // nothing of the commit is visible: the group stays in its epoch, the number is taken back
            g.sequencer.failed(seq, hash);
            g.epoch = epochBefore;
            return Future.failedFuture(e);
        }).map(v -> {
            g.view.merge(staged);
            state.committed(g, rec, staged.devicesAfter());
            g.sequencer.durable(seq);
            joined.forEach(j -> access.receive(j.device(), g.id));
            retention.dirty(g.id);
            return seq;
        }).andThen(ar -> {
            if (ar.succeeded()) {
                listeners.later(() -> {
                    listeners.groupAdvanced(g);
                    staged.removed().forEach(d -> listeners.device(d, l -> l.accessChanged(g.id)));
                    for (StoreRecord.Joined j : joined) {
                        listeners.device(j.device(), l -> {
                            l.accessChanged(g.id);
                            l.mailboxAdvanced();
                        });
                    }
                });
            }
        });
    }
}
