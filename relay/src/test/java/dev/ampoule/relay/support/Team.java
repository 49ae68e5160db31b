package dev.ampoule.relay.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A care team for tests: members with their connections; the first creates the group and adds
 * the others (claiming their KeyPackages, one commit), everyone joins from the delivered Welcome
 * and catches up to the same epoch.
 */
public final class Team implements AutoCloseable {

    public final Bytes groupId;
    public final List<MlsMember> members = new ArrayList<>();
    public final List<TestDevice> devices = new ArrayList<>();
    /** The sequence number of the commit that added the members. */
    public long addSeq;

    private Team(Bytes groupId) {
        this.groupId = groupId;
    }

    public static Team form(RelayHarness relay, Bytes groupId, String... userDevices) {
        return form(relay::connect, groupId, userDevices);
    }

    public static Team form(java.util.function.BiFunction<String, String, TestDevice> connect, Bytes groupId,
            String... userDevices) {
        Team t = new Team(groupId);
        for (String ud : userDevices) {
            String[] parts = ud.split("#");
            MlsMember m = new MlsMember(parts[0], parts[1]);
            TestDevice d = connect.apply(parts[0], parts[1]);
            t.members.add(m);
            t.devices.add(d);
            if (t.members.size() > 1) {
                d.ok(new Frame.PublishKeyPackages(m.keyPackages(1, false), false));
            }
        }
        MlsMember creator = t.members.get(0);
        TestDevice c = t.devices.get(0);
        assertEquals(0, c.ok(creator.create(groupId)));
        if (t.members.size() > 1) {
            CommitOptions.Builder add = CommitOptions.builder();
            for (MlsMember m : t.members.subList(1, t.members.size())) {
                Frame.KeyPackages kp = (Frame.KeyPackages) c.call(
                        new Frame.ClaimKeyPackages(m.id.userId(), Optional.of(m.id.deviceId()), 1));
                add.add(MlsMember.keyPackage(kp.entries().get(0).keyPackage()));
            }
            t.addSeq = c.ok(creator.commit(add));
            creator.group.mergePendingCommit();
            for (int i = 1; i < t.members.size(); i++) {
                TestDevice d = t.devices.get(i);
                Frame.WelcomeDelivery w = d.next(Frame.WelcomeDelivery.class);
                t.members.get(i).join(w, (Frame.GroupInfoResult) d.call(new Frame.FetchGroupInfo(groupId)));
                d.ok(new Frame.AckMailbox(w.mailboxSeq()));
            }
            // the creator receives its own commit back; acknowledge it
            Frame.Deliver echo = c.next(Frame.Deliver.class);
            c.ok(new Frame.AckGroup(groupId, echo.seq()));
        }
        return t;
    }

    public MlsMember member(int i) {
        return members.get(i);
    }

    public TestDevice device(int i) {
        return devices.get(i);
    }

    @Override
    public void close() {
        devices.forEach(TestDevice::close);
    }
}
