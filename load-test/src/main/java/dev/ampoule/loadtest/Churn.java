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
 * next device (or, in a care team, user) in rotation, then the Add of it back. Each change is an
 * MLS Commit by the team's committer (its first device that stays online), sent to the relay as
 * {@code SendCommit}. In an ad hoc group the committer makes the change itself:
 * <ul>
 *   <li>Remove: the committer commits the removal, merges it on {@code Ok(seq)}, and the verifier
 *       learns that the device is owed nothing after {@code seq};</li>
 *   <li>Add: the device publishes a fresh KeyPackage, the committer claims it, commits the Add with
 *       a Welcome, merges on {@code Ok(seq)} (the device is owed from {@code seq + 1} on), and the
 *       change is done when the device has joined from its {@code WelcomeDelivery}.</li>
 * </ul>
 * In a care team the team's coordinator changes the roster through the admin API and the relay
 * proposes the change (PROTOCOL.md, care teams):
 * <ul>
 *   <li>Remove: {@code DELETE} of the user; the relay cuts the user's devices off at once (the
 *       verifier places the cut between what was sequenced before the call and the relay's first
 *       Remove proposal), fences the group and proposes removing each of their leaves; the
 *       committer commits the proposals by reference, which lifts the fence;</li>
 *   <li>Add: the user's devices publish fresh KeyPackages, {@code PUT} of the user; the relay claims
 *       them and proposes adding each device; the committer commits the proposals by reference with
 *       the Welcome, and the change is done when every device has joined.</li>
 * </ul>
 * A team's changes run one at a time on its committer's event loop (a change due while the
 * previous one is still running waits, and its add latency counts from its due time). Devices that
 * go offline and come back are neither committers nor removed (in a care team, no user with such a
 * device, nor the coordinator, is removed).
 */
final class Churn implements Runnable {

    private static final long MAX_PARK_NANOS = 1_000_000;
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

    private final LoadContext run;
    private final Vertx vertx;
    private final Optional<RosterAdmin> admin;
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

    /**
     * @param careTeamIds each team's care team id (empty: the teams are ad hoc groups)
     * @param admin the relay's admin API (care teams)
     */
    Churn(Population pop, LoadContext run, Vertx vertx, List<String> careTeamIds, Optional<RosterAdmin> admin) {
        this.run = run;
        this.vertx = vertx;
        this.admin = admin;
        for (int t = 0; t < pop.teams.size() && run.workload.churnPerMinute() > 0; t++) {
            List<SimDevice> team = pop.teams.get(t);
            List<SimDevice> steady = team.stream().filter(d -> !d.reconnecting).toList();
            if (steady.isEmpty()) {
                continue;
            }
            SimDevice committer = steady.get(0);
            List<List<SimDevice>> rotation = new ArrayList<>();
            if (careTeamIds.isEmpty()) {
                steady.subList(1, steady.size()).forEach(d -> rotation.add(List.of(d)));
            } else {
                // whole users: the coordinator's and those with a device that goes offline stay
                java.util.Map<String, List<SimDevice>> byUser = new java.util.LinkedHashMap<>();
                team.forEach(d -> byUser.computeIfAbsent(d.user, u -> new ArrayList<>()).add(d));
                byUser.forEach((user, devices) -> {
                    if (!user.equals(committer.user) && devices.stream().noneMatch(d -> d.reconnecting)) {
                        rotation.add(List.copyOf(devices));
                    }
                });
            }
            if (!rotation.isEmpty()) {
                Team churned = new Team(committer, rotation, careTeamIds.isEmpty() ? null : careTeamIds.get(t));
                teams.add(churned);
                team.forEach(d -> d.committer(committer));
                if (churned.careTeam != null) {
                    committer.onProposals(churned::proposal, churned::proposalFailed);
                }
            }
        }
        if (teams.isEmpty() && run.workload.churnPerMinute() > 0) {
            throw new Population.SetupException(careTeamIds.isEmpty()
                    ? "--churn needs a team with at least two devices that stay online"
                    : "--churn needs a care team with a user other than its coordinator whose devices all stay online");
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
        /** What a change removes and adds back: one device, or (care team) one user's devices. */
        final List<List<SimDevice>> rotation;
        /** The care team's id (null: an ad hoc group). */
        final String careTeam;
        final ArrayDeque<List<SimDevice>> out = new ArrayDeque<>();
        final ArrayDeque<Long> waiting = new ArrayDeque<>();
        int next;
        boolean busy;
        /** The relay proposals the running change waits for, and how many are still to come. */
        private Promise<List<Long>> awaited;
        private final List<Long> proposed = new ArrayList<>();
        private int stillToCome;

        Team(SimDevice committer, List<List<SimDevice>> rotation, String careTeam) {
            this.committer = committer;
            this.rotation = List.copyOf(rotation);
            this.careTeam = careTeam;
        }

        /** The committer processed a relay proposal at {@code seq}. */
        void proposal(long seq) {
            if (awaited == null) {
                return; // none awaited: the next Commit of the team covers it anyway
            }
            proposed.add(seq);
            if (--stillToCome == 0) {
                Promise<List<Long>> p = awaited;
                awaited = null;
                p.tryComplete(List.copyOf(proposed));
            }
        }

        /** The committer could not process a relay proposal: the running change fails. */
        void proposalFailed(RuntimeException e) {
            Promise<List<Long>> p = awaited;
            awaited = null;
            if (p != null) {
                p.tryFail(new Failed("PROPOSAL_INVALID"));
            }
        }

        /** A roster call failed: no proposal is awaited any more (on the committer's loop). */
        private <T> Future<T> notAwaited(Throwable e) {
            return committer.on(() -> {
                awaited = null;
                return Future.failedFuture(e);
            });
        }

        /** Completes with the sequence numbers of the next {@code n} relay proposals the committer processes. */
        private Future<List<Long>> expectProposals(int n) {
            Promise<List<Long>> p = Promise.promise();
            awaited = p;
            proposed.clear();
            stillToCome = n;
            long timer = vertx.setTimer(JOIN_TIMEOUT.toMillis(), id -> committer.on(() -> {
                if (awaited == p) {
                    awaited = null;
                }
                p.tryFail(new Failed("PROPOSAL_TIMEOUT"));
                return Future.succeededFuture();
            }));
            return p.future().andThen(ar -> vertx.cancelTimer(timer));
        }

        private String coordinatorToken() {
            return run.tokens.apply(committer.user);
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
                List<SimDevice> victims = rotation.get(next++ % rotation.size());
                change = careTeam != null ? leaveRoster(victims) : remove(victims.get(0));
            } else {
                List<SimDevice> back = out.poll();
                change = careTeam != null ? joinRoster(back, intended) : add(back.get(0), intended);
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
                out.add(List.of(victim));
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
            return added(done, intended, inGroup, List.of(device));
        }

        /** Counts an add that is done; one that failed before its Commit is tried again by the team's next change. */
        private Future<Void> added(Future<Void> done, long intended, boolean[] committed, List<SimDevice> devices) {
            return done.transform(ar -> committer.on(() -> {
                if (ar.succeeded()) {
                    run.churn.adds.increment();
                    run.churn.joined(System.nanoTime() - intended);
                    return Future.succeededFuture();
                }
                if (!committed[0]) {
                    out.addFirst(devices);
                }
                return Future.failedFuture(ar.cause());
            }));
        }

        /**
         * A user leaves the care team's roster: the coordinator's {@code DELETE}, the relay's cut-off
         * and Remove proposals, the committer's Commit of them.
         */
        private Future<Void> leaveRoster(List<SimDevice> victims) {
            String user = victims.get(0).user;
            long low = committer.stream().ledger.maxSeq();
            long called = System.nanoTime();
            Future<List<Long>> proposals = timed(expectProposals(victims.size()), called);
            return admin.orElseThrow().removeMember(coordinatorToken(), careTeam, user)
                    .compose(v -> committer.on(() -> {
                        run.churn.rosterCallAnswered(System.nanoTime() - called);
                        out.add(victims); // off the roster: the next change puts the user back, whatever happens now
                        victims.forEach(d -> d.stream().cutOff(low));
                        victims.forEach(d -> d.on(d::cutOff));
                        return proposals;
                    }), this::notAwaited)
                    .compose(seqs -> committer.on(() -> {
                        long first = seqs.stream().mapToLong(Long::longValue).min().orElseThrow();
                        victims.forEach(d -> d.stream().proposedRemoval(first));
                        return commitProposals();
                    }))
                    .map(seq -> {
                        run.churn.removes.increment();
                        return null;
                    });
        }

        /**
         * A user is put back on the care team's roster: their devices publish fresh KeyPackages, the
         * coordinator's {@code PUT}, the relay's Add proposals, the committer's Commit of them with
         * the Welcome; done when every device has joined.
         */
        private Future<Void> joinRoster(List<SimDevice> devices, long intended) {
            String user = devices.get(0).user;
            List<Promise<Void>> joins = new ArrayList<>();
            List<Future<Void>> published = new ArrayList<>();
            for (SimDevice d : devices) {
                Promise<Void> joined = Promise.promise();
                joins.add(joined);
                published.add(d.on(() -> d.publishForRejoin(joined)));
            }
            boolean[] committed = {false};
            long timer = vertx.setTimer(JOIN_TIMEOUT.toMillis(),
                    id -> joins.forEach(j -> j.tryFail(new Failed("JOIN_TIMEOUT"))));
            Future<List<Long>> proposals = expectProposals(devices.size());
            long[] called = {0};
            Future<Void> done = Future.all(published)
                    .compose(v -> {
                        called[0] = System.nanoTime();
                        return admin.orElseThrow().putMember(coordinatorToken(), careTeam, user, "practitioner");
                    })
                    .compose(v -> {
                        run.churn.rosterCallAnswered(System.nanoTime() - called[0]);
                        return timed(proposals, called[0]);
                    }, this::notAwaited)
                    .compose(seqs -> committer.on(this::commitProposals))
                    .compose(seq -> {
                        committed[0] = true;
                        devices.forEach(d -> d.stream().added(seq));
                        return Future.all(joins.stream().map(Promise::future).toList()).<Void>mapEmpty();
                    })
                    .andThen(ar -> vertx.cancelTimer(timer));
            return added(done, intended, committed, devices);
        }

        /** {@code proposals}, its arrival recorded as {@code called} → proposals processed. */
        private Future<List<Long>> timed(Future<List<Long>> proposals, long called) {
            return proposals.andThen(ar -> {
                if (ar.succeeded()) {
                    run.churn.proposed(System.nanoTime() - called);
                }
            });
        }

        /** Commits the relay's pending proposals (by reference). On the committer's loop. */
        private Future<Long> commitProposals() {
            PendingCommit pending;
            try {
                pending = committer.member.commitProposals();
            } catch (RuntimeException e) {
                return Future.failedFuture(new Failed("COMMIT_NOT_BUILT"));
            }
            return commit(pending);
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
