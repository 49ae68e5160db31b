package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.relay.audit.AuditEvent;
import dev.ampoule.relay.audit.AuditSink;
import dev.ampoule.relay.audit.AuditType;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.metrics.RelayMetrics;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.RosterListener;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay as the MLS external sender of care-team groups (RFC 9420 §12.1.8): a team's group
 * (group id = UTF-8 bytes of the team id) follows the team's roster.
 * <ul>
 *   <li>Creation: the team must not be archived, the creator and every initial member must be
 *       devices of rostered users, and the group's external_senders must be exactly the relay's
 *       sender for the group's suite. Then the relay proposes adding every rostered user not in it.</li>
 *   <li>Removal from the roster: the user's devices are cut off at once, the relay sends one
 *       external Remove proposal per leaf of the user, and the group is <em>fenced</em>
 *       (application messages get {@code GROUP_FENCED}) until a commit removes every such leaf.
 *       A commit that leaves one of them is refused ({@link RosterRule#REMOVAL_OMITTED}).</li>
 *   <li>Addition to the roster: the relay claims one KeyPackage per device of the user (within the
 *       team's budget of {@code relayClaimsPerTeamPerMinute}; the rest when it refills) and sends external Add proposals; a device that publishes KeyPackages later while
 *       its user is rostered and not in the group is proposed then. Proposals a commit left out are
 *       proposed again in the next epoch with the same KeyPackage.</li>
 *   <li>Who may change the group — creation, every proposal and Commit — is decided by the
 *       {@link CareTeamPolicy} injected at construction; a commit may not drop the relay from
 *       external_senders. An archived team's group takes no more application messages, proposals
 *       or commits ({@code FORBIDDEN}).</li>
 *   <li>Self-repair: after every accepted Commit, the relay proposes every rostered device with a
 *       KeyPackage that is not in the group (one Add per device and epoch); a device its own user
 *       removed has its KeyPackages withdrawn first.</li>
 * </ul>
 * The relay's proposals are validated by the group's view and sequenced and stored like a
 * member's, inside the group's sequencer, so they survive a restart; the fence and the pending
 * proposals are derived again on recovery from the stored proposals of the current epoch and the
 * roster. Audited: PROPOSAL_SENT, COMMIT_ACCEPTED, COMMIT_REFUSED, KEY_PACKAGE_CLAIMED,
 * GROUP_CREATED, DELIVERED (identifiers only).
 *
 * <p>It is given its rules at construction ({@link CareTeamSetup}) and reaches the Delivery Service
 * only through its narrow {@link Port}. Event-loop confined, like the Delivery Service that owns it.
 */
public final class RosterEnforcement implements RosterListener {

    private static final Logger LOG = LoggerFactory.getLogger(RosterEnforcement.class);
    /** The actor of what the relay does by itself, in audit entries. */
    public static final String RELAY_ACTOR = "relay";

    private final Port port;
    private final CareTeamPolicy policy;
    private final CareTeams teams;
    private final AuditSink audit;
    private final Optional<ExternalSenderKeys> keys;
    private final boolean adHocGroups;
    private final RelayProposals proposals;
    private final Map<Bytes, RosterTrack> tracks = new HashMap<>();

    /**
     * What roster enforcement may do with the Delivery Service: find its groups, run in a group's
     * sequencer with the group's validation view, store the relay's own proposals there, read and
     * claim KeyPackages for them, cut devices off, erase a user.
     */
    interface Port {
        Optional<GroupState> group(Bytes groupId);

        Collection<GroupState> groups();

        /** Runs {@code op} in the group's sequencer, after its earlier handshake operations. */
        <T> Future<T> inSequence(GroupState g, Supplier<Future<T>> op);

        /** The group's validation view (inside its sequencer). */
        Future<GroupView> view(GroupState g);

        /** Work off the event loop, failures mapped to relay error codes. */
        <T> Future<T> offLoop(Callable<T> work);

        /**
         * Sequences and stores a proposal of the relay, already validated by the group's view
         * inside the group's sequencer, as a member's would be.
         */
        Future<Long> storeRelayProposal(GroupState g, Bytes proposal, long epoch);

        /** Whether the device registered the signature key (published a KeyPackage with it). */
        boolean keyRegistered(DeviceId device, SignaturePublicKey key);

        /** Withdraws a device's KeyPackages, durably. */
        Future<Void> withdrawKeyPackages(DeviceId device);

        /** One KeyPackage of the suite for each device of the user except {@code skip}, for the relay's Adds. */
        KeyPackageService.RelayClaims claimForRelay(String userId, int cipherSuite, Set<DeviceId> skip, int max);

        /** Runs {@code action} on the event loop after {@code delayMillis}. */
        void later(long delayMillis, Runnable action);

        /** Stops delivering the group to the devices at once; completes once durable. */
        Future<Void> cutOff(Bytes groupId, Set<DeviceId> devices);

        /** Erases a user (GDPR). */
        Future<Void> eraseUser(String userId);
    }

    RosterEnforcement(Port port, CareTeamSetup setup, RelayConfig config, RelayMetrics metrics) {
        this.port = port;
        this.policy = setup.policy();
        this.teams = new CareTeams(setup.roster());
        this.audit = setup.audit();
        this.keys = setup.keys();
        this.adHocGroups = setup.adHocGroups();
        this.proposals = new RelayProposals(port, teams, keys, audit, config, metrics);
    }

    /** Whether the group is fenced by a pending roster removal. */
    public boolean fenced(Bytes groupId) {
        return port.group(groupId).map(g -> g.fenced).orElse(false);
    }

    /** The users whose removal from the group is pending (fencing it). */
    public Set<String> pendingRemovals(Bytes groupId) {
        RosterTrack t = tracks.get(groupId);
        return t == null ? Set.of() : Set.copyOf(t.removals);
    }

    // ---- FetchExternalSender -------------------------------------------------------------------

    Frame.ExternalSenderResult fetchExternalSender(int cipherSuite) {
        return keys.flatMap(k -> k.encodedExternalSender(cipherSuite)).map(Frame.ExternalSenderResult::new)
                .orElseThrow(() -> new RelayException(ErrorCode.INVALID_MESSAGE,
                        "no external sender for cipher suite " + cipherSuite));
    }

    // ---- teams ---------------------------------------------------------------------------------

    /** The group id of a team's group. */
    public static Bytes groupIdOf(String teamId) {
        return CareTeams.groupIdOf(teamId);
    }

    /** The retention period of the care team whose group this is, if it sets one. */
    Optional<Duration> retention(Bytes groupId) {
        return teams.retention(groupId);
    }

    private Optional<Team> teamOf(Bytes groupId) {
        return teams.teamOf(groupId);
    }

    private boolean rostered(String teamId, String userId) {
        return teams.rostered(teamId, userId);
    }

    /** The team as the policy reads it: roles from the roster, keys from the devices' registrations. */
    private CareTeamPolicy.Team policyTeam(String teamId) {
        return new CareTeamPolicy.Team() {
            @Override
            public Optional<String> role(String userId) {
                return teams.role(teamId, userId);
            }

            @Override
            public boolean registered(DeviceId device, SignaturePublicKey key) {
                return port.keyRegistered(device, key);
            }
        };
    }

    private RosterTrack track(Bytes groupId) {
        return tracks.computeIfAbsent(groupId, id -> new RosterTrack());
    }

    // ---- checks (Delivery Service hooks, event loop) -------------------------------------------

    /** A group being registered (its view built and verified): team rules, or whether ad hoc groups are allowed. */
    void checkCreate(DeviceId creator, Bytes groupId, GroupView view) {
        Optional<Team> team = teams.teamOfNew(groupId);
        if (team.isEmpty()) {
            if (!adHocGroups) {
                throw new RelayException(ErrorCode.FORBIDDEN, "only care-team groups may be created on this relay");
            }
            return;
        }
        String teamId = team.get().id();
        if (team.get().archived()) {
            throw new RelayException(ErrorCode.FORBIDDEN, "the team is archived");
        }
        List<CareTeamPolicy.LeafKey> leaves = view.leaves();
        CareTeamPolicy.Team t = policyTeam(teamId);
        policy.checkCreate(t, creator, leaves);
        checkExternalSenders(view.externalSenders(), view.cipherSuite());
        policy.checkCreateKeys(t, leaves);
    }

    private void checkExternalSenders(List<ExternalSender> senders, int cipherSuite) {
        Optional<ExternalSender> own = keys.flatMap(k -> k.externalSender(cipherSuite));
        if (own.isEmpty() || !senders.contains(own.get())) {
            throw new ValidationException(RosterRule.EXTERNAL_SENDER_REQUIRED);
        }
        for (ExternalSender s : senders) {
            if (!s.equals(own.get())) {
                throw new ValidationException(RosterRule.FOREIGN_EXTERNAL_SENDER);
            }
        }
    }

    /** An application message for an archived team's group is refused. */
    void checkApplication(GroupState g) {
        requireOpen(g);
    }

    private void requireOpen(GroupState g) {
        if (teamOf(g.id).map(Team::archived).orElse(false)) {
            throw new RelayException(ErrorCode.FORBIDDEN, "the team is archived");
        }
    }

    /** A member's proposal, before it is validated: an archived team's group takes none. */
    void checkProposalOpen(GroupState g) {
        if (teamOf(g.id).isPresent()) {
            requireOpen(g);
        }
    }

    /** A member's proposal, decoded by the group's view: the care-team policy (ad hoc groups: nothing). */
    void checkProposal(GroupState g, GroupView.ProposalFacts facts) {
        Optional<Team> team = teamOf(g.id);
        if (team.isPresent()) {
            policy.checkProposal(policyTeam(team.get().id()), facts.proposed(), facts.leaves());
        }
    }

    /**
     * A commit staged by the group's view, before it is accepted: an archived team takes none;
     * every device it adds (an external joiner included) must be of a rostered user; no leaf of a
     * user whose removal is pending may remain; the relay must stay the group's external sender.
     */
    void checkCommit(GroupState g, DeviceId device, GroupView.Staged staged) {
        RosterTrack t = tracks.get(g.id);
        if (t != null && !t.removals.isEmpty()) {
            for (DeviceId d : staged.devicesAfter()) {
                if (t.removals.contains(d.userId())) {
                    throw new ValidationException(RosterRule.REMOVAL_OMITTED);
                }
            }
        }
        Optional<Team> team = teamOf(g.id);
        if (team.isEmpty()) {
            return;
        }
        requireOpen(g);
        // the relay's own Add of a user removed from the roster meanwhile passes: the user is then
        // cut off and removed again at once (see commitAccepted)
        policy.checkCommit(policyTeam(team.get().id()), staged.policyFacts());
        if (g.view != null) {
            checkExternalSenders(staged.externalSendersAfter(), g.view.cipherSuite());
        }
    }

    // ---- events (Delivery Service hooks, event loop) -------------------------------------------

    void groupCreated(GroupState g, DeviceId creator) {
        Optional<Team> team = teamOf(g.id);
        record(AuditType.GROUP_CREATED, creator.userId(), g, null, Map.of("device", creator.deviceId(),
                "epoch", Long.toString(g.epoch)));
        if (team.isPresent()) {
            track(g.id).wholeRoster = true;
            sync(g);
        }
    }

    void commitAccepted(GroupState g, DeviceId device, long seq, GroupView.Staged staged) {
        record(AuditType.COMMIT_ACCEPTED, device.userId(), g, null, Map.of("device", device.deviceId(),
                "seq", Long.toString(seq), "epoch", Long.toString(staged.newEpoch())));
        Optional<Team> team = teamOf(g.id);
        RosterTrack existing = tracks.get(g.id);
        if (existing != null && !existing.removals.isEmpty()) {
            existing.removals.retainAll(RosterTrack.usersOf(staged.devicesAfter()));
            existing.fence(g);
        }
        if (team.isEmpty()) {
            return;
        }
        String teamId = team.get().id();
        RosterTrack t = track(g.id);
        Map<String, Set<DeviceId>> unrostered = new TreeMap<>();
        for (DeviceId d : staged.devicesAfter()) {
            if (!rostered(teamId, d.userId())) {
                unrostered.computeIfAbsent(d.userId(), u -> new HashSet<>()).add(d);
            }
        }
        unrostered.forEach((user, devices) -> {
            if (t.removals.add(user)) {
                cutOff(g.id, devices);
            }
        });
        t.fence(g);
        withdrawSelfRemoved(staged.policyFacts());
        // self-repair: every rostered device with KeyPackages that is not in the group (left out,
        // or an Add the commit did not cover) is proposed for the new epoch; removals still pending
        t.wholeRoster = true;
        sync(g);
    }

    /**
     * Devices a user removed from the group themselves (a member's Remove of a device of its own
     * user): their KeyPackages are withdrawn, so that the relay does not propose them again.
     */
    private void withdrawSelfRemoved(CareTeamPolicy.Commit commit) {
        for (CareTeamPolicy.Proposed p : commit.proposals()) {
            if (p.proposal() instanceof RemoveProposal && p.origin() instanceof CareTeamPolicy.Origin.Member m
                    && m.device().isPresent() && p.subject().isPresent()
                    && m.device().get().userId().equals(p.subject().get().userId())) {
                DeviceId removed = p.subject().get();
                port.withdrawKeyPackages(removed).onFailure(e -> LOG.warn(
                        "withdrawing the KeyPackages of a removed device failed: {}", e.getMessage()));
            }
        }
    }

    void commitRefused(Bytes groupId, DeviceId device, RelayException e) {
        Map<String, String> details = Map.of("device", device.deviceId(), "code", e.code().name());
        Optional<GroupState> g = port.group(groupId);
        if (g.isPresent()) {
            record(AuditType.COMMIT_REFUSED, device.userId(), g.get(), null, details);
        }
    }

    void keyPackagesClaimed(DeviceId claimer, String userId, int count) {
        audit(new AuditEvent(AuditType.KEY_PACKAGE_CLAIMED, Optional.of(claimer.userId()), Optional.empty(),
                Optional.of(userId), Map.of("devices", Integer.toString(count))));
    }

    void delivered(GroupState g, DeviceId device, long seq) {
        record(AuditType.DELIVERED, device.userId(), g, null, Map.of("device", device.deviceId(), "seq",
                Long.toString(seq)));
    }

    /** New KeyPackages of a device: propose it to the team groups where its user is rostered and it is absent. */
    void keyPackagesPublished(DeviceId device) {
        for (GroupState g : List.copyOf(port.groups())) {
            Optional<Team> team = teamOf(g.id);
            if (team.isEmpty() || team.get().archived() || g.devices.contains(device)
                    || !rostered(team.get().id(), device.userId())) {
                continue;
            }
            RosterTrack t = track(g.id);
            if (t.adds.containsKey(device) || t.removals.contains(device.userId())) {
                continue;
            }
            t.addHints.add(device.userId());
            sync(g);
        }
    }

    /** After the store's replay: fences and the relay's pending proposals, from the stored proposals and the roster. */
    void recovered() {
        for (GroupState g : List.copyOf(port.groups())) {
            RosterTrack t = new RosterTrack();
            t.epoch = g.epoch;
            // the relay's own pending proposals fence the group even when its roster is unknown
            proposals.derivePending(g, t);
            t.removals.retainAll(RosterTrack.usersOf(g.devices));
            Optional<Team> team = teamOf(g.id);
            if (team.isEmpty()) {
                if (!t.removals.isEmpty() || !t.adds.isEmpty()) {
                    tracks.put(g.id, t);
                    t.fence(g);
                }
                continue;
            }
            tracks.put(g.id, t);
            String teamId = team.get().id();
            Map<String, Set<DeviceId>> unrostered = new TreeMap<>();
            for (DeviceId d : g.devices) {
                if (!rostered(teamId, d.userId())) {
                    unrostered.computeIfAbsent(d.userId(), u -> new HashSet<>()).add(d);
                }
            }
            unrostered.forEach((user, devices) -> {
                if (t.removals.add(user)) {
                    cutOff(g.id, devices); // taken off the roster, but the relay stopped before it acted
                }
            });
            t.fence(g);
            if (!t.removals.isEmpty() && !team.get().archived()) {
                sync(g);
            }
        }
    }

    // ---- RosterListener ------------------------------------------------------------------------

    @Override
    public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
        Optional<GroupState> g = port.group(groupIdOf(team.id()));
        if (g.isEmpty() || !newMember || team.archived()) {
            return Future.succeededFuture();
        }
        track(g.get().id).addHints.add(member.userId());
        return sync(g.get());
    }

    @Override
    public Future<Void> memberRemoved(Team team, String userId) {
        Optional<GroupState> og = port.group(groupIdOf(team.id()));
        if (og.isEmpty()) {
            return Future.succeededFuture();
        }
        GroupState g = og.get();
        RosterTrack t = track(g.id);
        t.addHints.remove(userId);
        Set<DeviceId> devices = new HashSet<>();
        for (DeviceId d : g.devices) {
            if (d.userId().equals(userId)) {
                devices.add(d);
            }
        }
        if (devices.isEmpty()) {
            return Future.succeededFuture(); // not in the group (a pending relay Add is dealt with when committed)
        }
        t.removals.add(userId);
        t.fence(g);
        return cutOff(g.id, devices).compose(v -> sync(g));
    }

    @Override
    public Future<Void> teamArchived(Team team) {
        RosterTrack t = tracks.get(groupIdOf(team.id()));
        if (t != null) {
            t.addHints.clear();
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> userErased(String userId) {
        for (RosterTrack t : tracks.values()) {
            t.addHints.remove(userId);
        }
        return port.eraseUser(userId);
    }

    // ---- the relay's proposals -----------------------------------------------------------------

    /** Brings the relay's proposals of a team group up to date ({@link RelayProposals#sync}). */
    private Future<Void> sync(GroupState g) {
        return proposals.sync(g, track(g.id));
    }

    /** Stops delivering to the devices at once (nothing after the last durable message, no more sending). */
    private Future<Void> cutOff(Bytes groupId, Set<DeviceId> devices) {
        return port.cutOff(groupId, devices)
                .onFailure(e -> LOG.error("cutting devices off a group failed: {}", e.getMessage()));
    }

    // ---- audit ---------------------------------------------------------------------------------

    /** An audit entry about a group: its team, or its id in the details for an ad hoc group. */
    private void record(AuditType type, String actor, GroupState g, String user, Map<String, String> details) {
        Optional<String> team = teamOf(g.id).map(Team::id);
        Map<String, String> d = details;
        if (team.isEmpty()) {
            d = new HashMap<>(details);
            d.put("group", g.id.hex());
        }
        audit(new AuditEvent(type, Optional.ofNullable(actor), team, Optional.ofNullable(user), d));
    }

    private void audit(AuditEvent event) {
        audit(audit, event);
    }

    /** Records an event; a failure to write it is logged (by its kind only). */
    static void audit(AuditSink sink, AuditEvent event) {
        sink.record(event).onFailure(e -> LOG.warn("an audit entry could not be written: {}",
                e.getClass().getSimpleName()));
    }
}
