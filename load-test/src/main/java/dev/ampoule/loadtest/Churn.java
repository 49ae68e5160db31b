package dev.ampoule.loadtest;

import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.relay.protocol.Frame;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Membership churn during the load (full mode): change {@code j} (1, 2, …) is due at
 * {@code start + j / churnPerMinute} minutes, whatever happened to earlier ones (open loop), and
 * goes to the eligible teams in turn. In each team the changes alternate: a Remove of the team's
 * next device in rotation, then the Add of that device back. Each change is an MLS Commit by the
 * team's committer (its first device that stays online), sent to the relay as {@code SendCommit}:
 * <ul>
 *   <li>Remove: the committer commits the removal, merges it on {@code Ok(seq)}, and the verifier
 *       learns that the device is owed nothing after {@code seq};</li>
 *   <li>Add: the device publishes a fresh KeyPackage, the committer claims it, commits the Add with
 *       a Welcome, merges on {@code Ok(seq)} (the device is owed from {@code seq + 1} on), and the
 *       change is done when the device has joined from its {@code WelcomeDelivery}.</li>
 * </ul>
 * A team's changes run one at a time on its committer's event loop (a change due while the
 * previous one is still running waits, and its add latency counts from its due time). Devices that
 * go offline and come back are neither committers nor removed.
 */
final class Churn implements Runnable {

    private static final long MAX_PARK_NANOS = 1_000_000;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

    private final LoadContext run;
    private final Vertx vertx;
    private final List<Team> teams = new ArrayList<>();
    private final AtomicLong unfinished = new AtomicLong();
    private volatile boolean stopped;

    /** A change that did not happen, with the relay's error code or the generator-side cause. */
    static final class Failed extends RuntimeException {
        final String code;

        Failed(String code) {
            this(code, code);
        }

        Failed(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    Churn(Population pop, LoadContext run, Vertx vertx) {
        this.run = run;
        this.vertx = vertx;
        for (List<SimDevice> team : pop.teams) {
            List<SimDevice> steady = team.stream().filter(d -> !d.reconnecting).toList();
            if (steady.size() >= 2 && run.workload.churnPerMinute() > 0) {
                teams.add(new Team(steady.get(0), steady.subList(1, steady.size())));
                team.forEach(d -> d.committer(steady.get(0)));
            }
        }
        if (teams.isEmpty() && run.workload.churnPerMinute() > 0) {
            throw new Population.SetupException("--churn needs a team with at least two devices that stay online");
        }
    }

    /** Teams whose membership changes. */
    int teams() {
        return teams.size();
    }

    @Override
    public void run() {
        long total = run.workload.totalChurn();
        long j = 1;
        while (j <= total && !stopped) {
            long due = run.intendedNanos(0) + run.workload.churnOffsetNanos(j);
            long now = System.nanoTime();
            if (now < due) {
                LockSupport.parkNanos(Math.min(MAX_PARK_NANOS, due - now));
                continue;
            }
            Team t = teams.get((int) ((j - 1) % teams.size()));
            run.churn.scheduled.increment();
            unfinished.incrementAndGet();
            t.committer.on(() -> {
                t.due(due);
                return Future.succeededFuture();
            });
            j++;
        }
    }

    void stop() {
        stopped = true;
    }

    /** No change is waiting or running. */
    boolean idle() {
        return unfinished.get() == 0;
    }

    /** One team's changes; confined to its committer's event loop. */
    private final class Team {
        final SimDevice committer;
        final List<SimDevice> rotation;
        final ArrayDeque<SimDevice> out = new ArrayDeque<>();
        final ArrayDeque<Long> waiting = new ArrayDeque<>();
        int next;
        boolean busy;

        Team(SimDevice committer, List<SimDevice> rotation) {
            this.committer = committer;
            this.rotation = List.copyOf(rotation);
        }

        void due(long intendedNanos) {
            waiting.add(intendedNanos);
            if (!busy) {
                startNext();
            }
        }

        private void startNext() {
            Long intended = waiting.poll();
            if (intended == null) {
                return;
            }
            busy = true;
            Future<Void> change;
            if (out.isEmpty()) {
                SimDevice victim = rotation.get(next++ % rotation.size());
                change = remove(victim);
            } else {
                change = add(out.poll(), intended);
            }
            change.onComplete(ar -> committer.on(() -> {
                if (ar.failed()) {
                    run.churn.failed(ar.cause() instanceof Failed f ? f.code : ar.cause().getClass().getSimpleName());
                }
                busy = false;
                unfinished.decrementAndGet();
                startNext();
                return Future.succeededFuture();
            }));
        }

        private Future<Void> remove(SimDevice victim) {
            PendingCommit pending;
            try {
                pending = committer.member.remove(victim.user, victim.deviceId);
            } catch (RuntimeException e) {
                return Future.failedFuture(new Failed("COMMIT_NOT_BUILT"));
            }
            return commit(pending).map(seq -> {
                victim.stream().removed(seq);
                out.add(victim);
                run.churn.removes.increment();
                return null;
            });
        }

        private Future<Void> add(SimDevice device, long intended) {
            Promise<Void> joined = Promise.promise();
            boolean[] inGroup = {false};
            long timer = vertx.setTimer(JOIN_TIMEOUT.toMillis(), id -> joined.tryFail(new Failed("JOIN_TIMEOUT")));
            Future<Void> done = device.on(() -> device.publishForRejoin(joined))
                    .compose(v -> committer.on(() -> TeamSetup.claim(vertx, committer.connection(), device.user,
                            Optional.of(device.deviceId), run.workload.suite().wire(), 10)))
                    .compose(kps -> committer.on(() -> {
                        PendingCommit pending;
                        try {
                            pending = committer.member.add(kps);
                        } catch (RuntimeException e) {
                            return Future.failedFuture(new Failed("COMMIT_NOT_BUILT"));
                        }
                        return commit(pending);
                    }))
                    .compose(seq -> {
                        inGroup[0] = true;
                        device.stream().added(seq);
                        return joined.future();
                    })
                    .andThen(ar -> vertx.cancelTimer(timer));
            return done.transform(ar -> committer.on(() -> {
                if (ar.succeeded()) {
                    run.churn.adds.increment();
                    run.churn.joined(System.nanoTime() - intended);
                    return Future.succeededFuture();
                }
                if (!inGroup[0]) {
                    out.addFirst(device); // not added: the next change of the team tries again
                }
                return Future.failedFuture(ar.cause());
            }));
        }

        /** Sends the pending Commit; merges it and records it on {@code Ok(seq)}, drops it otherwise. On the committer's loop. */
        private Future<Long> commit(PendingCommit pending) {
            Connection c = committer.connection();
            if (c == null || !c.isOpen()) {
                committer.member.discard();
                return Future.failedFuture(new Failed("COMMITTER_OFFLINE"));
            }
            Frame.SendCommit frame = TeamSetup.commitFrame(committer.groupId(), pending);
            long sent = System.nanoTime();
            return c.request(frame).transform(ar -> {
                if (ar.succeeded() && ar.result() instanceof Frame.Ok ok) {
                    run.churn.commitAccepted(System.nanoTime() - sent);
                    committer.member.merge();
                    committer.ownCommit(ok.seq());
                    committer.stream().ledger.committed(ok.seq());
                    return Future.succeededFuture(ok.seq());
                }
                committer.member.discard();
                String code = ar.failed() ? "CONNECTION_CLOSED"
                        : ar.result() instanceof Frame.Error e ? e.code().name() : "UNEXPECTED_ANSWER";
                return Future.failedFuture(new Failed(code));
            });
        }
    }
}
