package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignaturePrivateKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.MlsException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
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
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.roster.RosterListener;
import dev.ampoule.relay.roster.RosterView;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import dev.ampoule.relay.store.GroupMessage;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
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
import java.util.regex.Pattern;
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
 *   <li>Addition to the roster: the relay claims one KeyPackage per device of the user (not rate
 *       limited) and sends external Add proposals; a device that publishes KeyPackages later while
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
 * <p>Event-loop confined, like the Delivery Service that owns it.
 */
public final class RosterEnforcement implements RosterListener {

    private static final Logger LOG = LoggerFactory.getLogger(RosterEnforcement.class);
    private static final Pattern TEAM_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** The actor of what the relay does by itself, in audit entries. */
    public static final String RELAY_ACTOR = "relay";

    private final DeliveryService ds;
    private final CareTeamPolicy policy;
    private RosterView roster = RosterView.EMPTY;
    private AuditSink audit = AuditSink.NONE;
    private Optional<ExternalSenderKeys> keys = Optional.empty();
    private boolean adHocGroups = true;
    /** Group id → the team id it would be (cached for existing groups; empty when it cannot be one). */
    private final Map<Bytes, Optional<String>> teamIds = new HashMap<>();
    private final Map<Bytes, Track> tracks = new HashMap<>();

    /** What the relay is doing about one team group's roster. */
    private static final class Track {
        /** Users taken off the roster who still have leaves: the group is fenced while there is one. */
        final Set<String> removals = new TreeSet<>();
        /** The epoch of the relay's proposals below (-1: none). */
        long epoch = -1;
        /** Leaves the relay proposed to remove in {@link #epoch}. */
        final Set<Integer> removeLeaves = new HashSet<>();
        /** Devices the relay proposed to add in {@link #epoch}, with the KeyPackage of each proposal. */
        final Map<DeviceId, KeyPackage> adds = new HashMap<>();
        /** Users whose devices the next synchronisation tries to add. */
        final Set<String> addHints = new TreeSet<>();
        /** The next synchronisation considers every rostered user (after the group's creation). */
        boolean wholeRoster;
        /** A synchronisation is queued in the group's sequencer and has not started. */
        boolean queued;
        Future<Void> pending = Future.succeededFuture();
    }

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

    RosterEnforcement(DeliveryService ds, CareTeamPolicy policy) {
        this.ds = ds;
        this.policy = policy;
    }

    // ---- configuration -------------------------------------------------------------------------

    public void setRosterView(RosterView roster) {
        this.roster = roster;
    }

    public void setAuditSink(AuditSink audit) {
        this.audit = audit;
    }

    /** The relay's external sender keys; without them team groups cannot be created. */
    public void setExternalSenderKeys(ExternalSenderKeys keys) {
        this.keys = Optional.of(keys);
    }

    /** Whether groups that are not a team's may be created (default true; RelayConfig {@code adHocGroups}). */
    public void setAdHocGroups(boolean allowed) {
        this.adHocGroups = allowed;
    }

    /** Whether the group is fenced by a pending roster removal. */
    public boolean fenced(Bytes groupId) {
        return ds.groupState(groupId).map(g -> g.fenced).orElse(false);
    }

    /** The users whose removal from the group is pending (fencing it). */
    public Set<String> pendingRemovals(Bytes groupId) {
        Track t = tracks.get(groupId);
        return t == null ? Set.of() : Set.copyOf(t.removals);
    }

    // ---- FetchExternalSender -------------------------------------------------------------------

    Frame.ExternalSenderResult fetchExternalSender(int cipherSuite) {
        return keys.flatMap(k -> k.encodedExternalSender(cipherSuite)).map(Frame.ExternalSenderResult::new)
                .orElseThrow(() -> new RelayException(ErrorCode.INVALID_MESSAGE,
                        "no external sender for cipher suite " + cipherSuite));
    }

    // ---- teams ---------------------------------------------------------------------------------

    /** The team id a group id would be: its UTF-8 text, when that is a well-formed team id. */
    static Optional<String> teamIdOf(Bytes groupId) {
        if (groupId.length() > 64) {
            return Optional.empty();
        }
        String s = new String(groupId.unsafeArray(), StandardCharsets.UTF_8);
        return TEAM_ID.matcher(s).matches() ? Optional.of(s) : Optional.empty();
    }

    /** The group id of a team's group. */
    public static Bytes groupIdOf(String teamId) {
        return Bytes.wrap(teamId.getBytes(StandardCharsets.UTF_8));
    }

    /** The retention period of the care team whose group this is, if it sets one. */
    Optional<java.time.Duration> retention(Bytes groupId) {
        return teamOf(groupId).flatMap(Team::retention);
    }

    private Optional<Team> teamOf(Bytes groupId) {
        return teamIds.computeIfAbsent(groupId, RosterEnforcement::teamIdOf).flatMap(roster::team);
    }

    private boolean rostered(String teamId, String userId) {
        return roster.role(teamId, userId).isPresent();
    }

    /** The team as the policy reads it: roles from the roster, keys from the devices' registrations. */
    private CareTeamPolicy.Team policyTeam(String teamId) {
        return new CareTeamPolicy.Team() {
            @Override
            public Optional<String> role(String userId) {
                return roster.role(teamId, userId);
            }

            @Override
            public boolean registered(DeviceId device, dev.ampoule.mls.crypto.SignaturePublicKey key) {
                return ds.keyRegistered(device, key);
            }
        };
    }

    private Track track(Bytes groupId) {
        return tracks.computeIfAbsent(groupId, id -> new Track());
    }

    private static void updateFence(GroupState g, Track t) {
        g.fenced = !t.removals.isEmpty();
    }

    // ---- checks (Delivery Service hooks, event loop) -------------------------------------------

    /** A group being registered (its view built and verified): team rules, or whether ad hoc groups are allowed. */
    void checkCreate(DeviceId creator, Bytes groupId, GroupView view) {
        Optional<Team> team = teamIdOf(groupId).flatMap(roster::team);
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
        Track t = tracks.get(g.id);
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
        Track existing = tracks.get(g.id);
        if (existing != null && !existing.removals.isEmpty()) {
            existing.removals.retainAll(usersOf(staged.devicesAfter()));
            updateFence(g, existing);
        }
        if (team.isEmpty()) {
            return;
        }
        String teamId = team.get().id();
        Track t = track(g.id);
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
        updateFence(g, t);
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
                ds.withdrawKeyPackages(removed).onFailure(e -> LOG.warn(
                        "withdrawing the KeyPackages of a removed device failed: {}", e.getMessage()));
            }
        }
    }

    void commitRefused(Bytes groupId, DeviceId device, RelayException e) {
        Map<String, String> details = Map.of("device", device.deviceId(), "code", e.code().name());
        Optional<GroupState> g = ds.groupState(groupId);
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
        for (GroupState g : List.copyOf(ds.groupStates())) {
            Optional<Team> team = teamOf(g.id);
            if (team.isEmpty() || team.get().archived() || g.devices.contains(device)
                    || !rostered(team.get().id(), device.userId())) {
                continue;
            }
            Track t = track(g.id);
            if (t.adds.containsKey(device) || t.removals.contains(device.userId())) {
                continue;
            }
            t.addHints.add(device.userId());
            sync(g);
        }
    }

    /** After the store's replay: fences and the relay's pending proposals, from the stored proposals and the roster. */
    void recovered() {
        for (GroupState g : List.copyOf(ds.groupStates())) {
            Track t = new Track();
            t.epoch = g.epoch;
            // the relay's own pending proposals fence the group even when its roster is unknown
            derivePending(g, t);
            t.removals.retainAll(usersOf(g.devices));
            Optional<Team> team = teamOf(g.id);
            if (team.isEmpty()) {
                if (!t.removals.isEmpty() || !t.adds.isEmpty()) {
                    tracks.put(g.id, t);
                    updateFence(g, t);
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
            updateFence(g, t);
            if (!t.removals.isEmpty() && !team.get().archived()) {
                sync(g);
            }
        }
    }

    private static Set<String> usersOf(Set<DeviceId> devices) {
        Set<String> out = new HashSet<>();
        devices.forEach(d -> out.add(d.userId()));
        return out;
    }

    /** The relay's own proposals among the stored proposals of the current epoch. */
    private void derivePending(GroupState g, Track t) {
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

    // ---- RosterListener ------------------------------------------------------------------------

    @Override
    public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
        Optional<GroupState> g = ds.groupState(groupIdOf(team.id()));
        if (g.isEmpty() || !newMember || team.archived()) {
            return Future.succeededFuture();
        }
        track(g.get().id).addHints.add(member.userId());
        return sync(g.get());
    }

    @Override
    public Future<Void> memberRemoved(Team team, String userId) {
        Optional<GroupState> og = ds.groupState(groupIdOf(team.id()));
        if (og.isEmpty()) {
            return Future.succeededFuture();
        }
        GroupState g = og.get();
        Track t = track(g.id);
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
        updateFence(g, t);
        return cutOff(g.id, devices).compose(v -> sync(g));
    }

    @Override
    public Future<Void> teamArchived(Team team) {
        Track t = tracks.get(groupIdOf(team.id()));
        if (t != null) {
            t.addHints.clear();
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> userErased(String userId) {
        for (Track t : tracks.values()) {
            t.addHints.remove(userId);
        }
        return ds.eraseUser(userId);
    }

    // ---- the relay's proposals -----------------------------------------------------------------

    /**
     * Brings the relay's proposals of a team group up to date, in the group's sequencer: Removes for
     * every leaf of a user whose removal is pending, Adds for rostered users' devices (hinted, or the
     * whole roster after creation), Adds left out by the last commit again. Coalesced: a
     * synchronisation that has not started yet serves every caller.
     */
    private Future<Void> sync(GroupState g) {
        Track t = track(g.id);
        if (t.queued) {
            return t.pending;
        }
        t.queued = true;
        Future<Void> f = ds.inSequence(g, () -> {
            t.queued = false;
            return ds.viewOf(g).compose(view -> syncNow(g, t, view));
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

    private Future<Void> syncNow(GroupState g, Track t, GroupView view) {
        Optional<Team> team = teamOf(g.id);
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
        Map<DeviceId, KeyPackage> carried = Map.of();
        if (t.epoch != epoch) {
            carried = new TreeMap<>(t.adds);
            t.adds.clear();
            t.removeLeaves.clear();
            t.epoch = epoch;
        }
        List<Action> actions = new ArrayList<>();
        Map<Integer, DeviceId> leaves = view.leavesOf(t.removals);
        t.removals.retainAll(usersOf(Set.copyOf(leaves.values())));
        updateFence(g, t);
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
            if (rostered(teamId, user) && !in.contains(device) && !t.removals.contains(user)) {
                actions.add(new Action.AddDevice(device, kp));
                skip.add(device);
            }
        });
        Set<String> candidates = new TreeSet<>(t.addHints);
        t.addHints.clear();
        if (t.wholeRoster) {
            t.wholeRoster = false;
            roster.members(teamId).forEach(m -> candidates.add(m.userId()));
        }
        for (String u : candidates) {
            if (t.removals.contains(u) && rostered(teamId, u)) {
                t.addHints.add(u); // put back on the roster before its removal landed: added after it
            }
        }
        candidates.removeIf(u -> !rostered(teamId, u) || t.removals.contains(u));
        List<Future<List<KeyPackageDirectory.Claim>>> claims = new ArrayList<>();
        for (String user : candidates) {
            claims.add(ds.claimForRelay(user, suite, skip));
        }
        return Future.all(claims).compose(done -> {
            for (int i = 0; i < claims.size(); i++) {
                List<KeyPackageDirectory.Claim> list = claims.get(i).result();
                for (KeyPackageDirectory.Claim c : list) {
                    keyPackageOf(c).ifPresent(kp -> actions.add(new Action.AddDevice(c.device(), kp)));
                }
                if (!list.isEmpty()) {
                    audit(new AuditEvent(AuditType.KEY_PACKAGE_CLAIMED, Optional.of(RELAY_ACTOR), Optional.of(teamId),
                            Optional.of(list.get(0).device().userId()), Map.of("devices", Integer.toString(list.size()))));
                }
            }
            if (actions.isEmpty()) {
                return Future.succeededFuture();
            }
            return send(g, t, view, teamId, suite, sender.getAsInt(), epoch, actions);
        });
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

    /** Signs and validates the proposals off the event loop, then sequences and stores them. */
    private Future<Void> send(GroupState g, Track t, GroupView view, String teamId, int suite, int senderIndex,
            long epoch, List<Action> actions) {
        SignaturePrivateKey key = keys.orElseThrow().signingKey(suite);
        byte[] groupId = g.id.toArray();
        return ds.offLoop(() -> {
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
            List<Future<Long>> stored = new ArrayList<>();
            for (Built b : built) {
                String kind = switch (b.action()) {
                    case Action.RemoveLeaf r -> {
                        t.removeLeaves.add(r.leaf());
                        yield "remove";
                    }
                    case Action.AddDevice d -> {
                        t.adds.put(d.device(), d.keyPackage());
                        yield "add";
                    }
                };
                DeviceId device = b.action().device();
                stored.add(ds.storeRelayProposal(g, b.message(), epoch).onSuccess(seq -> audit(new AuditEvent(
                        AuditType.PROPOSAL_SENT, Optional.of(RELAY_ACTOR), Optional.of(teamId),
                        Optional.of(device.userId()),
                        Map.of("kind", kind, "device", device.deviceId(), "seq", Long.toString(seq),
                                "epoch", Long.toString(epoch))))));
            }
            return Future.all(stored).mapEmpty();
        });
    }

    /** Stops delivering to the devices at once (nothing after the last durable message, no more sending). */
    private Future<Void> cutOff(Bytes groupId, Set<DeviceId> devices) {
        return ds.cutOff(groupId, devices)
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
        audit.record(event).onFailure(e -> LOG.warn("an audit entry could not be written: {}",
                e.getClass().getSimpleName()));
    }
}
