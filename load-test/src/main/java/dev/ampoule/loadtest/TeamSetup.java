package dev.ampoule.loadtest;

import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Forms the teams before the load. Against a relay, for real: every device connects and
 * authenticates with its token, every device but the team's first publishes a KeyPackage, the
 * first creates the group ({@code CreateGroup}), claims the others' KeyPackages, commits adding
 * them all ({@code SendCommit} with the Welcome), and each added device joins from its
 * {@code WelcomeDelivery}. Against the ceiling server, which keeps no group, the same MLS groups
 * are formed in memory and the devices only connect. Care teams are formed through the admin API
 * and the relay's proposals ({@link #careTeamsOverRelay}).
 */
final class TeamSetup {

    /**
     * How the setup went: each team's last setup sequence number (the load's messages follow it),
     * how fast the devices connected, and each team's care team id (empty for ad hoc groups).
     */
    record Result(long[] bases, int connections, double connectSeconds, List<String> careTeamIds) {
    }

    private TeamSetup() {
    }

    /** Forms the teams through the relay. */
    static Result overRelay(Workload w, Vertx vertx, Population pop, Duration timeout) {
        double connectSeconds = connectAll(w, pop, timeout);
        List<SimDevice> joiners = pop.teams.stream().flatMap(t -> t.subList(1, t.size()).stream()).toList();
        Population.each(joiners, 256, timeout, d -> d.on(() -> d.connection()
                .request(d.publishKeyPackage())
                .compose(TeamSetup::ok)));
        long[] bases = new long[pop.teams.size()];
        List<Integer> teams = IntStream.range(0, pop.teams.size()).boxed().toList();
        Population.each(teams, Math.max(2, 2 * w.eventLoops()), timeout, t -> {
            List<SimDevice> team = pop.teams.get(t);
            SimDevice creator = team.get(0);
            return creator.on(() -> formGroup(w, vertx, creator, team)).compose(seq -> formed(team, bases, t, seq));
        });
        return new Result(bases, pop.devices.size(), connectSeconds, List.of());
    }

    /**
     * The team's group was formed by the Commit at {@code seq}: completes once every other device
     * has joined and the creator has acknowledged its Commit.
     */
    private static Future<?> formed(List<SimDevice> team, long[] bases, int t, long seq) {
        bases[t] = seq;
        List<Future<?>> joined = new ArrayList<>();
        team.subList(1, team.size()).forEach(d -> joined.add(d.joined()));
        if (team.size() > 1) {
            joined.add(team.get(0).echoAcked());
        }
        return Future.all(joined);
    }

    /**
     * Forms care teams through the relay, as a coordinator and the clients would: the team's first
     * user creates the team over the admin API (becoming its coordinator) and puts the other users
     * on its roster as practitioners; every device connects and publishes a KeyPackage (registering
     * its signature key); the first device creates the team's group with the relay as its external
     * sender; the relay proposes adding every other rostered device, the first device commits those
     * proposals by reference with the Welcome, and the others join from it.
     */
    static Result careTeamsOverRelay(Workload w, Vertx vertx, Population pop, RosterAdmin admin,
            Function<String, String> tokens, Duration timeout) {
        double connectSeconds = connectAll(w, pop, timeout);
        String[] ids = new String[pop.teams.size()];
        long[] bases = new long[pop.teams.size()];
        List<Integer> teams = IntStream.range(0, pop.teams.size()).boxed().toList();
        Population.each(teams, Math.max(2, 2 * w.eventLoops()), timeout, t -> {
            List<SimDevice> team = pop.teams.get(t);
            SimDevice creator = team.get(0);
            String token = tokens.apply(creator.user);
            List<String> others = team.stream().map(d -> d.user).distinct().filter(u -> !u.equals(creator.user)).toList();
            return admin.createTeam(token, "load " + w.runId() + " team " + t).compose(id -> {
                ids[t] = id;
                Bytes groupId = Bytes.wrap(id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                team.forEach(d -> d.group(groupId));
                Future<Void> rostered = Future.succeededFuture();
                for (String u : others) {
                    rostered = rostered.compose(v -> admin.putMember(token, id, u, "practitioner"));
                }
                return rostered;
            }).compose(v -> Future.all(team.stream().map(d -> d.on(() -> d.connection()
                    .request(d.publishKeyPackage())
                    .compose(TeamSetup::ok))).toList()))
                    .compose(v -> creator.on(() -> formCareTeamGroup(w, creator, team)))
                    .compose(seq -> formed(team, bases, t, seq));
        });
        return new Result(bases, pop.devices.size(), connectSeconds, List.of(ids));
    }

    /** The creator's part of forming a care team's group (on its context); the sequence number of its Commit. */
    private static Future<Long> formCareTeamGroup(Workload w, SimDevice creator, List<SimDevice> team) {
        Connection c = creator.connection();
        Bytes groupId = creator.groupId();
        return c.request(new Frame.FetchExternalSender(w.suite().wire())).compose(answer -> {
            if (!(answer instanceof Frame.ExternalSenderResult r)) {
                return Future.failedFuture("the relay names no external sender for suite " + w.suite().wire() + ": "
                        + answer);
            }
            ExternalSenders.ExternalSender relay = TlsReader.decodeExactly(r.externalSender().unsafeArray(),
                    ExternalSenders.ExternalSender::decode);
            Frame.CreateGroup create = new Frame.CreateGroup(groupId,
                    Bytes.wrap(creator.member.createCareTeam(groupId.toArray(), relay)), Optional.empty());
            if (team.size() == 1) {
                return c.request(create).compose(TeamSetup::ok);
            }
            // the relay proposes adding every other rostered device once the group exists
            Promise<Void> proposed = Promise.promise();
            int[] left = {team.size() - 1};
            creator.onProposals(seq -> {
                if (--left[0] == 0) {
                    proposed.tryComplete();
                }
            }, e -> proposed.tryFail("a proposal of the relay does not verify: " + e.getMessage()));
            return c.request(create).compose(TeamSetup::ok)
                    .compose(created -> proposed.future())
                    .compose(v -> {
                        creator.onProposals(null, null);
                        return c.request(commitFrame(groupId, creator.member.commitProposals())).compose(TeamSetup::ok);
                    })
                    .map(seq -> {
                        creator.member.merge();
                        return seq;
                    });
        });
    }

    private static Future<Long> formGroup(Workload w, Vertx vertx, SimDevice creator, List<SimDevice> team) {
        Connection c = creator.connection();
        Bytes groupId = creator.groupId();
        Frame.CreateGroup create = new Frame.CreateGroup(groupId, Bytes.wrap(creator.member.create(groupId.toArray())),
                Optional.empty());
        Future<Long> created = c.request(create).compose(TeamSetup::ok);
        if (team.size() == 1) {
            return created;
        }
        List<String> users = team.stream().map(d -> d.user).distinct()
                .filter(u -> !u.equals(creator.user) || w.devicesPerUser() > 1).toList();
        return created.compose(v -> {
            List<Future<List<KeyPackage>>> claims = new ArrayList<>();
            for (String u : users) {
                claims.add(claim(vertx, c, u, Optional.empty(), w.suite().wire(), 10));
            }
            return Future.all(claims);
        }).compose(all -> {
            List<KeyPackage> kps = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                List<KeyPackage> l = all.resultAt(i);
                kps.addAll(l);
            }
            return c.request(commitFrame(groupId, creator.member.add(kps))).compose(TeamSetup::ok);
        }).map(seq -> {
            creator.member.merge();
            return seq;
        });
    }

    /** The {@code SendCommit} of a pending Commit: the Commit, its Welcome if any, and the GroupInfo. */
    static Frame.SendCommit commitFrame(Bytes groupId, PendingCommit pending) {
        return new Frame.SendCommit(groupId, Bytes.wrap(pending.commit().toBytes()),
                pending.welcome().map(m -> Bytes.wrap(m.toBytes())),
                Bytes.wrap(new MlsMessage.OfGroupInfo(pending.groupInfo().orElseThrow()).toBytes()));
    }

    /**
     * One KeyPackage of {@code device}, or of each device of {@code user}; a rate-limited claim is
     * retried after its hint.
     */
    static Future<List<KeyPackage>> claim(Vertx vertx, Connection c, String user, Optional<String> device, int suite,
            int attempts) {
        if (c == null || !c.isOpen()) {
            return Future.failedFuture(new Churn.Failed("COMMITTER_OFFLINE"));
        }
        return c.request(new Frame.ClaimKeyPackages(user, device, suite)).compose(answer -> {
            if (answer instanceof Frame.KeyPackages kps) {
                return Future.succeededFuture(kps.entries().stream()
                        .map(e -> Member.decodeKeyPackage(e.keyPackage().unsafeArray())).toList());
            }
            if (answer instanceof Frame.Error e && e.code() == ErrorCode.RATE_LIMITED && attempts > 1) {
                Promise<List<KeyPackage>> later = Promise.promise();
                vertx.setTimer(Math.max(10, e.retryAfterMillis()),
                        id -> claim(vertx, c, user, device, suite, attempts - 1).onComplete(later));
                return later.future();
            }
            if (answer instanceof Frame.Error e) {
                return Future.failedFuture(new Churn.Failed(e.code().name(),
                        "claiming the KeyPackages of a device failed: " + answer));
            }
            return Future.failedFuture("claiming the KeyPackages of a device failed: " + answer);
        });
    }

    private static Future<Long> ok(Frame answer) {
        return answer instanceof Frame.Ok ok ? Future.succeededFuture(ok.seq())
                : Future.failedFuture("the relay refused a setup request: " + answer);
    }

    /** Forms the groups in memory, then connects every device (to the ceiling server). */
    static Result locally(Workload w, Population pop, Duration timeout) {
        pop.teams.parallelStream().forEach(team -> {
            SimDevice creator = team.get(0);
            creator.member.create(creator.groupId().toArray());
            if (team.size() == 1) {
                return;
            }
            List<KeyPackage> kps = new ArrayList<>();
            for (SimDevice d : team.subList(1, team.size())) {
                kps.add(Member.decodeKeyPackage(d.member.keyPackage()));
            }
            PendingCommit pending = creator.member.add(kps);
            creator.member.merge();
            MlsMessage.OfWelcome welcome = (MlsMessage.OfWelcome) pending.welcome().orElseThrow();
            for (SimDevice d : team.subList(1, team.size())) {
                d.member.join(welcome.welcome());
            }
        });
        double connectSeconds = connectAll(w, pop, timeout);
        return new Result(new long[pop.teams.size()], pop.devices.size(), connectSeconds, List.of());
    }

    /** Connects every device, {@code connectConcurrency} at a time; the seconds it took. */
    private static double connectAll(Workload w, Population pop, Duration timeout) {
        long begin = System.nanoTime();
        Population.each(pop.devices, w.connectConcurrency(), timeout, d -> d.on(() -> d.connect(false)));
        return (System.nanoTime() - begin) / 1e9;
    }
}
