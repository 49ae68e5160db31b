package dev.ampoule.relay.ds;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import dev.ampoule.relay.support.FakeRoster;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A care team whose group is formed the way clients form it: the creator lists the relay's
 * external sender (fetched with FetchExternalSender), registers the group alone, the relay proposes
 * adding every other rostered device, and the creator commits those proposals by reference.
 */
final class CareTeamFixture implements AutoCloseable {

    final RelayHarness relay;
    final FakeRoster roster;
    final String teamId;
    final Bytes groupId;
    final List<MlsMember> members = new ArrayList<>();
    final List<TestDevice> devices = new ArrayList<>();
    long formedSeq;

    private CareTeamFixture(RelayHarness relay, FakeRoster roster, String teamId) {
        this.relay = relay;
        this.roster = roster;
        this.teamId = teamId;
        this.groupId = RosterEnforcement.groupIdOf(teamId);
    }

    /** The relay's external sender for suite 1, as a device fetches it. */
    static ExternalSenders.ExternalSender externalSender(TestDevice d) {
        return MlsMember.externalSender(d);
    }

    static List<Extension> relayAsExternalSender(TestDevice d) {
        return MlsMember.relayAsExternalSender(d);
    }

    /** Forms the team on a test roster: the first user is its coordinator, the others practitioners. */
    static CareTeamFixture form(RelayHarness relay, FakeRoster roster, String teamId, String... userDevices) {
        roster.addTeam(teamId);
        for (int i = 0; i < userDevices.length; i++) {
            roster.put(teamId, userDevices[i].split("#")[0], i == 0 ? TeamMember.COORDINATOR : "practitioner");
        }
        return formGroup(relay, roster, teamId, userDevices);
    }

    /** Forms the group of a team whose roster already holds these users (the relay's own roster: {@code roster} null). */
    static CareTeamFixture formGroup(RelayHarness relay, FakeRoster roster, String teamId, String... userDevices) {
        CareTeamFixture t = new CareTeamFixture(relay, roster, teamId);
        for (int i = 0; i < userDevices.length; i++) {
            String[] parts = userDevices[i].split("#");
            MlsMember m = new MlsMember(parts[0], parts[1]);
            TestDevice d = relay.connect(parts[0], parts[1]);
            // publishing registers the device's signature key with the relay (the creator's too)
            d.ok(new Frame.PublishKeyPackages(m.keyPackages(2, false), false));
            t.members.add(m);
            t.devices.add(d);
        }
        MlsMember creator = t.members.get(0);
        TestDevice c = t.devices.get(0);
        assertEquals(0, c.ok(creator.create(t.groupId, relayAsExternalSender(c))));
        if (userDevices.length > 1) {
            // the relay proposes adding every other rostered device
            t.receiveProposals(0, userDevices.length - 1);
            t.formedSeq = t.commit(0, CommitOptions.builder());
            for (int i = 1; i < t.members.size(); i++) {
                t.join(i);
            }
        }
        return t;
    }

    MlsMember member(int i) {
        return members.get(i);
    }

    TestDevice device(int i) {
        return devices.get(i);
    }

    Team team() {
        return roster.team(teamId).orElseThrow();
    }

    /** Receives {@code n} proposals with member {@code i}, checks each is a proposal, acknowledges them. */
    List<Frame.Deliver> receiveProposals(int i, int n) {
        List<Frame.Deliver> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Frame.Deliver d = device(i).next(Frame.Deliver.class);
            assertInstanceOf(Processed.ProposalMessage.class,
                    member(i).group.process(MlsMessage.fromBytes(d.message().toArray())));
            out.add(d);
        }
        if (!out.isEmpty()) {
            device(i).ok(new Frame.AckGroup(groupId, out.get(out.size() - 1).seq()));
        }
        return out;
    }

    /** Member {@code i} commits (Ok expected), merges, and acknowledges the echo. */
    long commit(int i, CommitOptions.Builder options) {
        long seq = device(i).ok(member(i).commit(options));
        member(i).group.mergePendingCommit();
        Frame.Deliver echo;
        do {
            echo = device(i).next(Frame.Deliver.class);
        } while (echo.seq() < seq);
        assertEquals(seq, echo.seq());
        device(i).ok(new Frame.AckGroup(groupId, seq));
        return seq;
    }

    /** Member {@code i} sends an application message (Ok expected) and acknowledges its echo. */
    long send(int i, String text) {
        long seq = device(i).ok(member(i).message(text));
        Frame.Deliver echo;
        do {
            echo = device(i).next(Frame.Deliver.class);
        } while (echo.seq() < seq);
        device(i).ok(new Frame.AckGroup(groupId, seq));
        return seq;
    }

    /** Member {@code i} joins from its Welcome. */
    void join(int i) {
        Frame.WelcomeDelivery w = device(i).next(Frame.WelcomeDelivery.class);
        member(i).join(w, (Frame.GroupInfoResult) device(i).call(new Frame.FetchGroupInfo(groupId)));
        device(i).ok(new Frame.AckMailbox(w.mailboxSeq()));
    }

    /** Member {@code i} receives the next Deliver, processes it (merging a commit) and acknowledges it. */
    Frame.Deliver receive(int i) {
        return receive(device(i), member(i));
    }

    Frame.Deliver receive(TestDevice d, MlsMember m) {
        Frame.Deliver f = d.next(Frame.Deliver.class);
        m.receive(f);
        d.ok(new Frame.AckGroup(groupId, f.seq()));
        return f;
    }

    /** A roster removal, as the roster tells the relay (awaits its consequences). */
    void removeFromRoster(String userId) {
        roster.remove(teamId, userId);
        Team team = team();
        await(relay.verticle().onContext(ds -> ds.enforcement().memberRemoved(team, userId)));
    }

    /** A roster addition, as the roster tells the relay (awaits its consequences). */
    void addToRoster(String userId, String role) {
        TeamMember m = roster.put(teamId, userId, role);
        Team team = team();
        await(relay.verticle().onContext(ds -> ds.enforcement().memberAdded(team, m, true)));
    }

    /** What the relay holds of the group: its epoch, its devices and the next sequence number it assigns. */
    record Held(long epoch, java.util.Set<dev.ampoule.relay.protocol.DeviceId> devices, long nextSeq) {
    }

    Held held() {
        return await(relay.verticle().onContext(ds -> {
            GroupState g = ds.groupState(groupId).orElseThrow();
            return Future.succeededFuture(new Held(g.epoch, g.devices, g.sequencer.next()));
        }));
    }

    /** The leaf of a device in member {@code i}'s view of the group. */
    int leafOf(int i, String identity) {
        return member(i).group.members().stream()
                .filter(m -> PublicGroupView.deviceOf(m.credential()).map(d -> d.toString().equals(identity)).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError(identity + " is not in the group")).leafIndex();
    }

    boolean fenced() {
        return await(relay.verticle().onContext(ds -> Future.succeededFuture(ds.enforcement().fenced(groupId))));
    }

    /** Member {@code i} receives the next Deliver and returns its plaintext (empty for a handshake message). */
    Optional<String> read(int i) {
        Frame.Deliver f = device(i).next(Frame.Deliver.class);
        Optional<String> text = member(i).receive(f);
        device(i).ok(new Frame.AckGroup(groupId, f.seq()));
        return text;
    }

    @Override
    public void close() {
        devices.forEach(TestDevice::close);
    }
}
