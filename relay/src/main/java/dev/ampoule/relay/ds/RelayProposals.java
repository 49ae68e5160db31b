package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.ExternalProposals;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.store.GroupMessage;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's own proposals in care teams' groups (RFC 9420 §12.1.8, the relay as external
 * sender): Removes for every leaf of a user whose removal is pending, Adds for rostered devices
 * (with KeyPackages the relay claims for them) and Adds a commit left out, proposed again in the
 * next epoch with the same KeyPackage. Signed and validated by the group's view off the event
 * loop, then sequenced and stored like a member's, inside the group's sequencer (through the
 * {@link RosterEnforcement.Port}); after a restart they are found again among the stored proposals
 * of the current epoch ({@link #derivePending}). Event-loop confined.
 */
final class RelayProposals {

    private static final Logger LOG = LoggerFactory.getLogger(RelayProposals.class);

    /** A proposal the relay is about to send. */
    private sealed interface Action {
        DeviceId device();

        record RemoveLeaf(int leaf, DeviceId device) implements Action {
        }

        record AddDevice(DeviceId device, KeyPackage keyPackage) implements Action {
        }
    }

    private record Built(Action action, Bytes message) {
    }

    private final RosterEnforcement.Port port;
    private final CareTeams teams;
    private final Optional<ExternalSenderKeys> keys;
    private final AuditSink audit;
    private final RelayConfig config;
    private final RelayMetrics metrics;
    /** Per team: the relay's own claims (roster put/remove cycles must not drain KeyPackages without bound). */
    private final Map<String, TokenBucket> claimBudgets = new HashMap<>();

    RelayProposals(RosterEnforcement.Port port, CareTeams teams, Optional<ExternalSenderKeys> keys, AuditSink audit,
            RelayConfig config, RelayMetrics metrics) {
        this.port = port;
        this.teams = teams;
        this.keys = keys;
        this.audit = audit;
        this.config = config;
        this.metrics = metrics;
    }

    /**
     * Brings the relay's proposals of a team group up to date, in the group's sequencer: Removes for
     * every leaf of a user whose removal is pending, Adds for rostered users' devices (hinted, or the
     * whole roster after creation), Adds left out by the last commit again. Coalesced: a
     * synchronisation that has not started yet serves every caller.
     */
    Future<Void> sync(GroupState g, RosterTrack t) {
        if (t.queued) {
            return t.pending;
        }
        t.queued = true;
        Future<Void> f = port.inSequence(g, () -> {
            t.queued = false;
            return port.view(g).compose(view -> syncNow(g, t, view));
        });
        if (t.queued) {
            if (f.isComplete()) {
                t.queued = false;
            } else {
                t.pending = f;
            }
        }
        return f.onFailure(e -> LOG.warn("the relay's proposals for a group failed: {}", e.getMessage()));
    }

    private Future<Void> syncNow(GroupState g, RosterTrack t, GroupView view) {
        Optional<Team> team = teams.teamOf(g.id);
        if (team.isEmpty() || team.get().archived() || keys.isEmpty()) {
            t.addHints.clear();
            return Future.succeededFuture();
        }
        String teamId = team.get().id();
        int suite = view.cipherSuite();
        OptionalInt sender = keys.get().indexIn(view.externalSenders(), suite);
        if (sender.isEmpty()) {
            LOG.warn("a care-team group does not list the relay as its external sender");
            return Future.succeededFuture();
        }
        long epoch = view.epoch();
        // Adds not stored before, with the KeyPackages claimed for them, and (in a new epoch) those
        // the last Commit left out are proposed again with the same packages
        Map<DeviceId, KeyPackage> carried = new TreeMap<>(t.unsent);
        t.unsent.clear();
        if (t.epoch != epoch) {
            carried.putAll(t.adds);
            t.adds.clear();
            t.removeLeaves.clear();
            t.epoch = epoch;
        }
        List<Action> actions = new ArrayList<>();
        Map<Integer, DeviceId> leaves = view.leavesOf(t.removals);
        t.removals.retainAll(RosterTrack.usersOf(Set.copyOf(leaves.values())));
        t.fence(g);
        leaves.forEach((leaf, device) -> {
            if (!t.removeLeaves.contains(leaf)) {
                actions.add(new Action.RemoveLeaf(leaf, device));
            }
        });

        // per device: a rostered user's device not in the group is proposed (one Add per device and epoch)
        Set<DeviceId> in = view.devices();
        Set<DeviceId> skip = new HashSet<>(t.adds.keySet());
        skip.addAll(in);
        carried.forEach((device, kp) -> {
            String user = device.userId();
            if (teams.rostered(teamId, user) && !in.contains(device) && !t.removals.contains(user)) {
                actions.add(new Action.AddDevice(device, kp));
                skip.add(device);
            }
        });
        Set<String> candidates = new TreeSet<>(t.addHints);
        t.addHints.clear();
        if (t.wholeRoster) {
            t.wholeRoster = false;
            teams.members(teamId).forEach(m -> candidates.add(m.userId()));
        }
        for (String u : candidates) {
            if (t.removals.contains(u) && teams.rostered(teamId, u)) {
                t.addHints.add(u); // put back on the roster before its removal landed: added after it
            }
        }
        candidates.removeIf(u -> !teams.rostered(teamId, u) || t.removals.contains(u));
        // the group never grows past maxGroupSize through the relay's Adds: the ones that do not fit
        // wait (removals are never held back, so a fence always lifts with the next commit)
        int[] room = {config.maxGroupSize - view.memberCount() - t.adds.size()};
        boolean full = actions.removeIf(a -> a instanceof Action.AddDevice && room[0]-- <= 0);
        room[0] = Math.max(0, room[0]);
        List<KeyPackageService.RelayClaims> claims = claimWithinBudget(g, t, teamId, candidates, suite, skip, room);
        if (full || room[0] < 0) {
            metrics.limitExceeded("group_size");
        }
        return Future.all(claims.stream().map(KeyPackageService.RelayClaims::durable).toList()).compose(done -> {
            for (KeyPackageService.RelayClaims claimed : claims) {
                List<KeyPackageDirectory.Claim> list = claimed.claims();
                for (KeyPackageDirectory.Claim c : list) {
                    keyPackageOf(c).ifPresent(kp -> actions.add(new Action.AddDevice(c.device(), kp)));
                }
                if (!list.isEmpty()) {
                    audit(new AuditEvent(AuditType.KEY_PACKAGE_CLAIMED, Optional.of(RosterEnforcement.RELAY_ACTOR), Optional.of(teamId),
                            Optional.of(list.get(0).device().userId()), Map.of("devices", Integer.toString(list.size()))));
                }
            }
            if (actions.isEmpty()) {
                return Future.succeededFuture();
            }
            return send(g, t, view, teamId, suite, sender.getAsInt(), epoch, actions);
        });
    }

    /**
     * Claims KeyPackages for the candidates while the team's budget lasts (each claimed package
     * takes a token); the others stay hinted and are tried again once the budget refills.
     */
    private List<KeyPackageService.RelayClaims> claimWithinBudget(GroupState g, RosterTrack t, String teamId,
            Set<String> candidates, int suite, Set<DeviceId> skip, int[] room) {
        long now = System.nanoTime();
        TokenBucket budget = claimBudgets.computeIfAbsent(teamId, id -> new TokenBucket(
                config.relayClaimsPerTeamPerMinute / 60.0, config.relayClaimsPerTeamPerMinute, now));
        List<KeyPackageService.RelayClaims> claims = new ArrayList<>();
        boolean deferred = false;
        for (String user : candidates) {
            if (room[0] <= 0) {
                t.addHints.add(user); // tried again after a commit (which may make room)
                room[0] = -1;
                continue;
            }
            if (budget.millisUntilNext(now) > 0) {
                t.addHints.add(user);
                deferred = true;
                continue;
            }
            KeyPackageService.RelayClaims claimed = port.claimForRelay(user, suite, skip, room[0]);
            room[0] -= claimed.claims().size();
            claimed.claims().forEach(c -> budget.tryTake(now));
            claims.add(claimed);
        }
        if (deferred) {
            metrics.limitExceeded("relay_claims");
            retryLater(g, t, budget.millisUntilNext(now));
        }
        return claims;
    }

    /** Synchronises the group again after {@code delayMillis} (once, however often asked meanwhile). */
    private void retryLater(GroupState g, RosterTrack t, long delayMillis) {
        if (!t.retryScheduled) {
            t.retryScheduled = true;
            port.later(delayMillis, () -> {
                t.retryScheduled = false;
                sync(g, t);
            });
        }
    }

    private static Optional<KeyPackage> keyPackageOf(KeyPackageDirectory.Claim c) {
        try {
            if (MlsInputs.mlsOf(c.keyPackage().keyPackage()) instanceof MlsMessage.OfKeyPackage k) {
                return Optional.of(k.keyPackage());
            }
        } catch (MlsException e) {
            LOG.warn("a stored KeyPackage does not decode");
        }
        return Optional.empty();
    }

    /** Signs and validates the proposals off the event loop, then sequences and stores them, one after the other. */
    private Future<Void> send(GroupState g, RosterTrack t, GroupView view, String teamId, int suite, int senderIndex,
            long epoch, List<Action> actions) {
        SignaturePrivateKey key = keys.orElseThrow().signingKey(suite);
        byte[] groupId = g.id.toArray();
        return port.offLoop(() -> {
            CipherSuite cs = BcCipherSuites.require(suite);
            List<Built> out = new ArrayList<>();
            for (Action a : actions) {
                MlsMessage m = switch (a) {
                    case Action.RemoveLeaf r -> ExternalProposals.remove(cs, groupId, epoch, senderIndex, key, r.leaf());
                    case Action.AddDevice d -> ExternalProposals.add(cs, groupId, epoch, senderIndex, key, d.keyPackage());
                };
                if (!(m instanceof MlsMessage.OfPublicMessage pm)) {
                    continue;
                }
                try {
                    view.processProposal(pm.message());
                    out.add(new Built(a, Bytes.wrap(m.toBytes())));
                } catch (ValidationException e) {
                    LOG.warn("the relay's proposal for a device was not valid: {}", e.rule().name());
                }
            }
            return out;
        }).compose(built -> {
            for (Built b : built) {
                switch (b.action()) {
                    case Action.RemoveLeaf r -> t.removeLeaves.add(r.leaf());
                    case Action.AddDevice d -> t.adds.put(d.device(), d.keyPackage());
                }
            }
            return storeInTurn(g, t, teamId, epoch, built, 0);
        });
    }

    /**
     * Stores the built proposals one after the other, from {@code i}: each takes the group's next
     * sequence number, and on PostgreSQL each advances the group's row, which the next one's write
     * checks — written at once, all but the first would be refused as a concurrent change. When one
     * is not stored, neither are those after it: they are proposed again once the store writes
     * again (an Add with the KeyPackage already claimed for it).
     */
    private Future<Void> storeInTurn(GroupState g, RosterTrack t, String teamId, long epoch, List<Built> built, int i) {
        if (i == built.size()) {
            return Future.succeededFuture();
        }
        Built b = built.get(i);
        return port.storeRelayProposal(g, b.message(), epoch).transform(ar -> {
            if (ar.succeeded()) {
                DeviceId device = b.action().device();
                String kind = b.action() instanceof Action.RemoveLeaf ? "remove" : "add";
                audit(new AuditEvent(AuditType.PROPOSAL_SENT, Optional.of(RosterEnforcement.RELAY_ACTOR),
                        Optional.of(teamId), Optional.of(device.userId()), Map.of("kind", kind, "device",
                                device.deviceId(), "seq", Long.toString(ar.result()), "epoch", Long.toString(epoch))));
                return storeInTurn(g, t, teamId, epoch, built, i + 1);
            }
            for (Built rest : built.subList(i, built.size())) {
                switch (rest.action()) {
                    case Action.RemoveLeaf r -> t.removeLeaves.remove(r.leaf());
                    case Action.AddDevice d -> {
                        t.adds.remove(d.device());
                        t.unsent.put(d.device(), d.keyPackage());
                    }
                }
            }
            retryLater(g, t, Journal.RETRY_MILLIS);
            return Future.failedFuture(ar.cause());
        });
    }

    /** The relay's own proposals among the stored proposals of the current epoch. */
    void derivePending(GroupState g, RosterTrack t) {
        if (g.pendingProposals.isEmpty() || keys.isEmpty()) {
            return;
        }
        try {
            GroupInfo gi = MlsInputs.groupInfoOf(g.groupInfo);
            int suite = gi.groupContext().cipherSuite();
            OptionalInt index = keys.get().indexIn(PublicGroupView.externalSendersOf(gi.groupContext().extensions()), suite);
            if (index.isEmpty()) {
                return;
            }
            RatchetTree tree = null;
            for (GroupMessage m : g.pendingProposals) {
                PublicMessage pm = MlsInputs.publicMessageOf(m.message());
                if (!(pm.content().sender() instanceof Sender.External e) || e.senderIndex() != index.getAsInt()
                        || !(pm.content().content() instanceof Content.ProposalContent pc)) {
                    continue;
                }
                switch (pc.proposal()) {
                    case RemoveProposal r -> {
                        if (tree == null) {
                            tree = RatchetTree.decode(BcCipherSuites.require(suite), g.ratchetTree.unsafeArray());
                        }
                        int leaf = (int) r.removed();
                        Optional<DeviceId> d = tree.leaf(leaf).flatMap(l -> PublicGroupView.deviceOf(l.credential()));
                        if (d.isPresent()) {
                            t.removeLeaves.add(leaf);
                            t.removals.add(d.get().userId());
                        }
                    }
                    case AddProposal a -> PublicGroupView.deviceOf(a.keyPackage().leafNode().credential())
                            .ifPresent(d -> t.adds.put(d, a.keyPackage()));
                    default -> {
                    }
                }
            }
        } catch (MlsException | RelayException e) {
            LOG.error("the stored proposals of a group do not decode", e);
        }
    }

    private void audit(AuditEvent event) {
        RosterEnforcement.audit(audit, event);
    }
}
