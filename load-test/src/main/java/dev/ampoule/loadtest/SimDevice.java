package dev.ampoule.loadtest;

import dev.ampoule.mls.group.Processed;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocketClient;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * One simulated device: its connection, its MLS member, what it sends when the schedule says so,
 * and what it does with each delivery — identify it, decrypt it (full mode), check it with the
 * {@link DeliveryVerifier}, time it and acknowledge it (every {@code ackEvery} messages or
 * {@code ackInterval}). With churn (full mode) it also applies its group's Commits, leaves the group
 * when one removes it (or when its user leaves a care team's roster: {@link #cutOff}), and joins
 * again from a {@code WelcomeDelivery}; in a care team it keeps the relay's proposals for the Commit
 * that covers them and tells its team's committer of each ({@link #onProposals}). A message the
 * relay refused because a Commit came first, or while a roster removal fences the group, is
 * encrypted again in the new epoch, or, once the device is out of the group, handed to its team's
 * committer. Confined to one event-loop context; other threads go through {@link #on}.
 */
final class SimDevice {

    /** How often one message is sent at most when Commits keep making the relay refuse it. */
    private static final int MAX_ATTEMPTS = 5;

    final int index;
    final int team;
    final String user;
    final String deviceId;
    final boolean reconnecting;
    final Member member;
    private final Context context;
    private final WebSocketClient client;
    private final URI target;
    private final LoadContext run;
    private Bytes groupId;
    private Connection connection;
    private long connectedSince;
    private boolean load;
    private boolean closing;
    private boolean cycling;
    private boolean offline;
    private Future<Void> reconnection;
    private long ackTimer = -1;
    private int unacked;
    private long lastAck;
    private volatile DeliveryVerifier.Stream stream;
    private final ArrayDeque<byte[]> prepared = new ArrayDeque<>();
    /** The device of the team that commits its changes (this one, or another). */
    private SimDevice committer;
    /** Sequence numbers of this device's own accepted Commits (their echo is not applied again). */
    private final Set<Long> ownCommits = new HashSet<>();
    /** Messages refused for a stale epoch, to send again once a Commit has been applied: {k, attempt}. */
    private final ArrayDeque<long[]> awaitingEpoch = new ArrayDeque<>();
    /** Completes when the device has joined again after a removal. */
    private Promise<Void> rejoin;
    /** A Welcome that came before the device applied the Commit removing it. */
    private Frame.WelcomeDelivery heldWelcome;
    /** Told the sequence number of each relay proposal this device has processed (its team's committer). */
    private LongConsumer proposals;
    /** Told when a relay proposal does not verify. */
    private Consumer<RuntimeException> proposalFailed;
    private Promise<Void> joined = Promise.promise();
    private Promise<Long> echoAcked = Promise.promise();

    SimDevice(int index, int team, String user, String deviceId, boolean reconnecting, Member member, Context context,
            WebSocketClient client, URI target, LoadContext run) {
        this.index = index;
        this.team = team;
        this.user = user;
        this.deviceId = deviceId;
        this.reconnecting = reconnecting;
        this.member = member;
        this.context = context;
        this.client = client;
        this.target = target;
        this.run = run;
    }

    /** Runs {@code op} on this device's context. */
    <T> Future<T> on(Supplier<Future<T>> op) {
        Promise<T> p = Promise.promise();
        context.runOnContext(v -> {
            try {
                op.get().onComplete(p);
            } catch (RuntimeException e) {
                p.tryFail(e);
            }
        });
        return p.future();
    }

    void group(Bytes id) {
        this.groupId = id;
    }

    void committer(SimDevice c) {
        this.committer = c;
    }

    /**
     * Tells {@code processed} the sequence number of each relay proposal this device processes, and
     * {@code failed} of one that does not verify, on its context (null: no one).
     */
    void onProposals(LongConsumer processed, Consumer<RuntimeException> failed) {
        this.proposals = processed;
        this.proposalFailed = failed;
    }

    DeliveryVerifier.Stream stream() {
        return stream;
    }

    Bytes groupId() {
        return groupId;
    }

    Connection connection() {
        return connection;
    }

    /** Opens the connection and authenticates (and, against the ceiling server, subscribes to the group). */
    Future<Void> connect(boolean reconnection) {
        long begin = System.nanoTime();
        String token = run.tokens.apply(user);
        return Connection.open(context, client, target, token, deviceId, this::onPush, this::onClosed,
                        what -> run.verifier.corrupt(index, "undecodable frame: " + what))
                .compose(c -> {
                    if (!run.subscribeOnConnect) {
                        return Future.succeededFuture(c);
                    }
                    return c.request(new Frame.Resume(Optional.of(groupId), 1)).map(c);
                })
                .map(c -> {
                    connection = c;
                    connectedSince = System.nanoTime();
                    run.stats.connected(connectedSince - begin, reconnection);
                    if (load) {
                        startAckTimer();
                    }
                    return null;
                });
    }

    // ---- setup ---------------------------------------------------------------------------------

    /** Completes when this device has joined its group from a delivered Welcome. */
    Future<Void> joined() {
        return joined.future();
    }

    /** Completes with the sequence number of the creator's own Commit, once acknowledged. */
    Future<Long> echoAcked() {
        return echoAcked.future();
    }

    private void onSetupPush(Frame frame) {
        switch (frame) {
            case Frame.WelcomeDelivery w -> {
                try {
                    member.join(w.welcome().unsafeArray());
                } catch (RuntimeException e) {
                    joined.tryFail(e);
                    return;
                }
                connection.request(new Frame.AckMailbox(w.mailboxSeq()))
                        .onSuccess(a -> joined.tryComplete())
                        .onFailure(joined::tryFail);
            }
            case Frame.Deliver d when MessageFactory.isPublicMessage(d.message().unsafeArray())
                    && MessageFactory.isProposal(d.message().unsafeArray()) -> {
                // a care team forming: the relay proposes adding the rostered devices, the creator commits them
                try {
                    member.applyProposal(d.message().unsafeArray());
                } catch (RuntimeException e) {
                    if (proposalFailed != null) {
                        proposalFailed.accept(e);
                    }
                    return;
                }
                if (proposals != null) {
                    proposals.accept(d.seq());
                }
            }
            case Frame.Deliver d -> connection.request(new Frame.AckGroup(d.groupId(), d.seq())).onComplete(ar -> {
                if (ar.succeeded() && ar.result() instanceof Frame.Ok) {
                    echoAcked.tryComplete(d.seq());
                } else {
                    echoAcked.tryFail("acknowledgement refused: " + (ar.succeeded() ? ar.result() : ar.cause()));
                }
            });
            case Frame.Error e -> run.stats.error(e.code().name());
            default -> { }
        }
    }

    // ---- load ----------------------------------------------------------------------------------

    /** Switches to the load: deliveries are verified against {@code s} from now on. */
    void startLoad(DeliveryVerifier.Stream s) {
        stream = s;
        lastAck = s.contiguous();
        load = true;
        stream.connectionStarted();
        startAckTimer();
    }

    /** Keeps the relay-only message for this device's next due send. */
    void prepare(byte[] message) {
        prepared.add(message);
    }

    /** Hands message {@code k}, due now, to this device's context. */
    void dispatch(long k) {
        context.runOnContext(v -> sendDue(k));
    }

    /** Sends message {@code k}, due now (on this device's context). */
    private void sendDue(long k) {
        // a prepared message is taken even when it cannot go out, so the next one stays message k + senders
        byte[] preparedMessage = run.workload.mode() == Mode.RELAY_ONLY ? prepared.poll() : null;
        if (churning() && !member.active() && committer != this) {
            committer.handOver(k, 0); // out of the group: a member of the team sends it in its place
            return;
        }
        send(k, 0, preparedMessage);
    }

    /** Sends message {@code k} for a device of the team that is out of the group (on this device's context). */
    private void handOver(long k, int attempt) {
        context.runOnContext(v -> send(k, attempt, null));
    }

    private void notSentOrRejected(int attempt) {
        if (attempt == 0) {
            run.stats.notSent.increment();
        } else {
            run.stats.rejected.increment();
        }
    }

    /** Encrypts (full mode) and sends message {@code k}; {@code attempt} 0 is its first sending. */
    private void send(long k, int attempt, byte[] preparedMessage) {
        if (connection == null || !connection.isOpen()) {
            run.stats.error("SENDER_OFFLINE");
            notSentOrRejected(attempt);
            return;
        }
        if (run.workload.mode() == Mode.FULL && member.active() && member.pendingProposals() > 0) {
            // RFC 9420 §12.4: no application data while proposals of the epoch wait for their Commit
            // (the relay's, which the team's committer commits): sent once the Commit is applied
            run.churn.resent("PENDING_PROPOSALS");
            awaitingEpoch.add(new long[] {k, attempt});
            return;
        }
        byte[] message;
        long epoch;
        try {
            epoch = run.workload.mode() == Mode.RELAY_ONLY ? -1 : member.group().epoch();
            message = run.workload.mode() == Mode.RELAY_ONLY ? preparedMessage : run.messages.encrypt(member.group(), k, index);
        } catch (RuntimeException e) {
            run.stats.error("ENCRYPT_FAILED");
            notSentOrRejected(attempt);
            return;
        }
        if (message == null) {
            run.stats.error("NOT_PREPARED");
            run.stats.notSent.increment();
            return;
        }
        if (attempt == 0) {
            run.stats.sent.increment();
            run.latency.recordSendLag(System.nanoTime() - run.intendedNanos(k));
        }
        DeliveryVerifier.Ledger ledger = stream.ledger;
        connection.request(new Frame.SendApplication(groupId, Bytes.wrap(message))).onComplete(ar -> {
            if (ar.failed()) {
                run.stats.unanswered.increment();
                run.stats.error("CONNECTION_CLOSED");
            } else if (ar.result() instanceof Frame.Ok ok) {
                run.stats.accepted.increment();
                ledger.accepted(ok.seq(), k);
            } else if (ar.result() instanceof Frame.Error e && churning() && attempt < MAX_ATTEMPTS
                    && (e.code() == ErrorCode.STALE_EPOCH || e.code() == ErrorCode.FORBIDDEN
                            || e.code() == ErrorCode.GROUP_FENCED)) {
                run.churn.resent(e.code().name());
                resend(k, attempt + 1, epoch);
            } else {
                run.stats.rejected.increment();
                run.stats.error(ar.result() instanceof Frame.Error e ? e.code().name() : "UNEXPECTED_ANSWER");
            }
        });
    }

    /**
     * Sends message {@code k} again after a Commit made the relay refuse it: at once in a newer epoch
     * than {@code refusedEpoch}, by the committer when this device is out of the group, else once the
     * Commit has been applied.
     */
    private void resend(long k, int attempt, long refusedEpoch) {
        if (!member.active()) {
            committer.handOver(k, attempt);
        } else if (member.group().epoch() > refusedEpoch) {
            send(k, attempt, null);
        } else {
            awaitingEpoch.add(new long[] {k, attempt});
        }
    }

    /** After a Commit was applied (or the device joined): what waited for a new epoch goes out. */
    private void flushAwaitingEpoch() {
        long[] w;
        while ((w = awaitingEpoch.poll()) != null) {
            if (member.active()) {
                send(w[0], (int) w[1], null);
            } else {
                committer.handOver(w[0], (int) w[1]);
            }
        }
    }

    /** The device's team changes membership during the load. */
    private boolean churning() {
        return committer != null;
    }

    /** Notes this device's own Commit accepted as {@code seq} (on its context, before its echo arrives). */
    void ownCommit(long seq) {
        ownCommits.add(seq);
        flushAwaitingEpoch();
    }

    /**
     * The device's user left its care team's roster: the relay cut the device off and delivers it
     * nothing more of the group (not the proposal, not the Commit), so it leaves the group at once;
     * what waited to be sent again goes to the committer (on this device's context).
     */
    Future<Void> cutOff() {
        member.leave();
        heldWelcome = null;
        flushAwaitingEpoch();
        return Future.succeededFuture();
    }

    /**
     * Publishes a fresh KeyPackage to be added back to the group (on this device's context);
     * {@code joined} completes once the device has joined from the Welcome.
     */
    Future<Void> publishForRejoin(Promise<Void> joined) {
        if (connection == null || !connection.isOpen()) {
            return Future.failedFuture(new Churn.Failed("DEVICE_OFFLINE"));
        }
        rejoin = joined;
        return connection.request(publishKeyPackage())
                .compose(answer -> answer instanceof Frame.Ok ? Future.<Void>succeededFuture()
                        : Future.failedFuture(new Churn.Failed(answer instanceof Frame.Error e ? e.code().name()
                                : "UNEXPECTED_ANSWER")));
    }

    /** A fresh KeyPackage of this device (kept for joining), to publish. */
    Frame.PublishKeyPackages publishKeyPackage() {
        return new Frame.PublishKeyPackages(List.of(Bytes.wrap(member.keyPackage())), false);
    }

    private void onPush(Frame frame) {
        if (!load) {
            onSetupPush(frame);
            return;
        }
        switch (frame) {
            case Frame.Deliver d -> onDeliver(d);
            case Frame.WelcomeDelivery w -> onWelcome(w);
            case Frame.Error e -> run.stats.error(e.code().name());
            default -> { } // Reconnect: the relay closes the connection after it, and onClosed reconnects
        }
    }

    private void onWelcome(Frame.WelcomeDelivery w) {
        stream.welcomed(w.groupSeq());
        connection.request(new Frame.AckMailbox(w.mailboxSeq()));
        if (rejoin == null) {
            return; // not awaited (or delivered again): the verifier judges it
        }
        if (member.active()) {
            heldWelcome = w; // the Commit removing this device has not come yet: join after it
            return;
        }
        join(w);
    }

    private void join(Frame.WelcomeDelivery w) {
        Promise<Void> p = rejoin;
        rejoin = null;
        heldWelcome = null;
        try {
            member.join(w.welcome().unsafeArray());
        } catch (RuntimeException e) {
            p.tryFail(new Churn.Failed("JOIN_FAILED"));
            return;
        }
        flushAwaitingEpoch();
        p.tryComplete();
    }

    /** A Commit of the churn: checked like a message, then applied (full mode) unless it is this device's own. */
    private void onCommit(long seq, byte[] bytes) {
        boolean first = stream.delivered(seq, DeliveryVerifier.COMMIT).first();
        if (first && run.workload.mode() == Mode.FULL && !ownCommits.remove(seq) && member.active()) {
            try {
                if (!member.applyCommit(bytes) && heldWelcome != null) {
                    join(heldWelcome);
                }
            } catch (RuntimeException e) {
                run.verifier.undecryptable(index, "seq " + seq + ": the Commit does not apply: " + e.getClass().getSimpleName());
            }
            flushAwaitingEpoch();
        }
        counted();
    }

    /** A relay proposal (a care team's roster change): checked like a message, kept for the Commit that covers it. */
    private void onProposal(long seq, byte[] bytes) {
        boolean first = stream.delivered(seq, DeliveryVerifier.PROPOSAL).first();
        if (first && run.workload.mode() == Mode.FULL && member.active()) {
            try {
                member.applyProposal(bytes);
                if (proposals != null) {
                    proposals.accept(seq);
                }
            } catch (RuntimeException e) {
                run.verifier.undecryptable(index, "seq " + seq + ": the proposal does not verify: "
                        + e.getClass().getSimpleName());
                if (proposalFailed != null) {
                    proposalFailed.accept(e);
                }
            }
        }
        counted();
    }

    private void onDeliver(Frame.Deliver d) {
        long now = System.nanoTime();
        if (!d.groupId().equals(groupId)) {
            run.verifier.misrouted(index, "a delivery for another group, seq " + d.seq());
            return;
        }
        byte[] bytes = d.message().unsafeArray();
        if (MessageFactory.isPublicMessage(bytes)) {
            if (MessageFactory.isProposal(bytes)) {
                onProposal(d.seq(), bytes);
            } else {
                onCommit(d.seq(), bytes);
            }
            return;
        }
        Optional<MessageFactory.Label> label = MessageFactory.label(bytes);
        long k = label.map(MessageFactory.Label::k).orElse(-1L);
        if (label.isEmpty()) {
            run.verifier.corrupt(index, "seq " + d.seq() + " is no load message");
        }
        if (stream.delivered(d.seq(), k).first() && label.isPresent()) {
            if (run.workload.mode() == Mode.FULL && label.get().sender() != index && member.active()) {
                decrypt(bytes, k, d.seq());
            }
            run.stats.delivered.increment();
            long intended = run.intendedNanos(k);
            run.latency.record(now - intended, intended < connectedSince);
        }
        counted();
    }

    /** One more delivery to acknowledge: acknowledged once {@code ackEvery} are. */
    private void counted() {
        if (++unacked >= run.workload.ackEvery()) {
            ack();
        }
    }

    private void decrypt(byte[] bytes, long k, long seq) {
        try {
            Optional<Processed.ApplicationMessage> m = member.decrypt(bytes);
            if (m.isEmpty() || !run.messages.matches(m.get().data(), k)) {
                run.verifier.undecryptable(index, "seq " + seq + " decrypts to another message");
            }
        } catch (RuntimeException e) {
            run.verifier.undecryptable(index, "seq " + seq + ": " + e.getClass().getSimpleName());
        }
    }

    private void ack() {
        unacked = 0;
        long upTo = stream.contiguous();
        if (upTo <= lastAck || connection == null || !connection.isOpen()) {
            return;
        }
        lastAck = upTo;
        DeliveryVerifier.Stream s = stream;
        connection.request(new Frame.AckGroup(groupId, upTo)).onComplete(ar -> {
            if (ar.succeeded() && ar.result() instanceof Frame.Ok) {
                s.ackConfirmed(upTo);
            } else if (ar.succeeded() && ar.result() instanceof Frame.Error e) {
                run.stats.error(e.code().name());
            }
        });
    }

    private void startAckTimer() {
        if (ackTimer < 0) {
            ackTimer = context.owner().setPeriodic(run.workload.ackInterval().toMillis(), id -> {
                if (unacked > 0 || (churning() && stream.contiguous() > lastAck)) {
                    ack();
                }
            });
        }
    }

    private void stopAckTimer() {
        if (ackTimer >= 0) {
            context.owner().cancelTimer(ackTimer);
            ackTimer = -1;
        }
    }

    // ---- going offline, reconnecting, closing ----------------------------------------------------

    /** Starts alternating offline and online spells of {@code spellMillis}, the first after {@code delayMillis}. */
    void startCycling(long delayMillis, long spellMillis) {
        cycling = true;
        context.owner().setTimer(Math.max(1, delayMillis), id -> goOffline(spellMillis));
    }

    private void goOffline(long spellMillis) {
        if (!cycling || closing || connection == null) {
            return;
        }
        offline = true;
        stopAckTimer();
        Connection c = connection;
        connection = null;
        c.close();
        context.owner().setTimer(spellMillis, id -> {
            if (!cycling || closing) {
                return;
            }
            reconnect().onSuccess(v -> context.owner().setTimer(spellMillis, t -> goOffline(spellMillis)));
        });
    }

    /** Stops going offline; completes once the device is connected again. */
    Future<Void> stopCycling() {
        cycling = false;
        if (connection != null && connection.isOpen()) {
            return Future.succeededFuture();
        }
        return reconnect();
    }

    private Future<Void> reconnect() {
        if (reconnection != null) {
            return reconnection;
        }
        Future<Void> f = retry(20);
        reconnection = f;
        return f.andThen(ar -> {
            reconnection = null;
            offline = false;
        });
    }

    private Future<Void> retry(int attemptsLeft) {
        return connect(true).recover(e -> {
            run.stats.error("RECONNECT_FAILED");
            if (attemptsLeft <= 1 || closing) {
                return Future.failedFuture(e);
            }
            Promise<Void> later = Promise.promise();
            context.owner().setTimer(200, id -> retry(attemptsLeft - 1).onComplete(later));
            return later.future();
        });
    }

    private void onClosed(Connection c) {
        if (stream != null) {
            stream.connectionStarted(); // the next delivery comes on a new connection
        }
        if (c != connection) {
            return; // a connection this device closed on purpose
        }
        connection = null;
        stopAckTimer();
        if (closing || offline) {
            return;
        }
        run.stats.error("DISCONNECTED");
        if (load) {
            reconnect();
        }
    }

    /** Closes the connection for good. */
    Future<Void> close() {
        closing = true;
        cycling = false;
        stopAckTimer();
        Connection c = connection;
        connection = null;
        return c == null ? Future.succeededFuture() : c.close();
    }

    /** Acknowledges what is left unacknowledged (at the end of the drain). */
    void flushAck() {
        ack();
    }
}
