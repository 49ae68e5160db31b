package dev.ampoule.relay.cluster;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.MlsMember;
import dev.ampoule.relay.support.RelayCluster;
import dev.ampoule.relay.support.Team;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three relay JVMs on one PostgreSQL form one Delivery Service: a team whose members are
 * connected to different nodes forms its group, and every member receives every other member's
 * messages in the one order the database gave them; two Commits of one epoch sent at once to two
 * nodes — exactly one is accepted, the other is {@code COMMIT_CONFLICT}; a care team's group forms
 * from the relay's Add proposals for devices on every node.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterDeliveryTest {

    @TempDir
    static Path dir;
    private Vertx vertx;
    private RelayCluster cluster;

    @BeforeAll
    void startCluster() {
        vertx = Vertx.vertx();
        cluster = RelayCluster.start(dir, 3, Map.of("gateway-instances", "2"));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        await(vertx.close());
    }

    /** Connects user#device to node {@code node}. */
    private TestDevice on(int node, String user, String device) {
        return await(TestDevice.connect(vertx, cluster.node(node).port, cluster.token(vertx, user), device));
    }

    private Team team(Bytes groupId, String... members) {
        int[] next = {0};
        return Team.form((user, device) -> on(next[0]++ % 3, user, device), groupId, members);
    }

    @Test
    void membersOnDifferentNodesReceiveEveryMessageInOneOrder() {
        try (Team t = team(Bytes.ofHex("c1a5"), "alice#phone", "bob#laptop", "carol#tablet")) {
            int per = 20;
            List<Future<Frame>> sent = new ArrayList<>();
            for (int i = 0; i < per; i++) {
                for (int m = 0; m < 3; m++) {
                    sent.add(t.device(m).request(t.member(m).message(t.member(m).id + " " + i)));
                }
            }
            List<Long> seqs = new ArrayList<>();
            java.util.Map<Long, Integer> senderOf = new java.util.HashMap<>();
            for (int i = 0; i < sent.size(); i++) {
                long seq = ((Frame.Ok) await(sent.get(i))).seq();
                seqs.add(seq);
                senderOf.put(seq, i % 3);
            }
            assertEquals(3L * per, seqs.stream().distinct().count(), "every message has its own number");
            for (int r = 0; r < 3; r++) {
                List<Long> received = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                while (received.size() < 3 * per) {
                    Frame.Deliver d = t.device(r).next(Frame.Deliver.class);
                    received.add(d.seq());
                    if (senderOf.get(d.seq()) != r) {
                        t.member(r).receive(d).ifPresent(texts::add); // its own come back too: not decrypted
                    }
                    t.device(r).ok(new Frame.AckGroup(t.groupId, d.seq()));
                }
                assertEquals(received.stream().sorted().toList(), received, "member " + r + " gets them in order");
                for (int m = 0; m < 3; m++) {
                    if (m == r) {
                        continue;
                    }
                    String from = t.member(m).id + " ";
                    List<String> own = texts.stream().filter(x -> x.startsWith(from)).toList();
                    assertEquals(per, own.size(), "every message of member " + m + " on node " + m);
                    for (int i = 0; i < per; i++) {
                        assertEquals(from + i, own.get(i), "in the order they were sent");
                    }
                }
            }
        }
    }

    @Test
    void twoCommitsOfOneEpochOnTwoNodesExactlyOneIsAccepted() {
        try (Team t = team(Bytes.ofHex("c0c0"), "dana#phone", "eric#laptop", "fay#tablet")) {
            MlsMember eric = t.member(1);
            MlsMember fay = t.member(2);
            long epoch = eric.group.epoch();
            Frame.SendCommit byEric = eric.commit(CommitOptions.builder().forcePath(true));
            Frame.SendCommit byFay = fay.commit(CommitOptions.builder().forcePath(true));
            Future<Frame> a = t.device(1).request(byEric);
            Future<Frame> b = t.device(2).request(byFay);
            Frame ra = await(a);
            Frame rb = await(b);
            List<Frame> answers = List.of(ra, rb);
            assertEquals(1, answers.stream().filter(f -> f instanceof Frame.Ok).count(), "one accepted: " + answers);
            Frame.Error refused = (Frame.Error) answers.stream().filter(f -> f instanceof Frame.Error).findFirst()
                    .orElseThrow();
            assertEquals(ErrorCode.COMMIT_CONFLICT, refused.code(), refused.toString());
            // the winner's commit made the group's state current, on every node
            long winner = ((Frame.Ok) answers.stream().filter(f -> f instanceof Frame.Ok).findFirst().orElseThrow()).seq();
            for (int node = 0; node < 3; node++) {
                Frame.GroupInfoResult info = (Frame.GroupInfoResult) t.device(node).call(
                        new Frame.FetchGroupInfo(t.groupId));
                assertEquals(winner, info.seq(), "node " + node);
            }
            assertTrue(winner > 0 && epoch >= 1);
        }
    }

    /**
     * A care team on the cluster: its coordinator creates it and puts three users on its roster
     * through node 0's admin API; the four devices, on all three nodes, publish KeyPackages; the
     * creator registers the group with the relay as external sender, and the relay proposes adding
     * the three other devices at once. Each proposal must be stored (the group's row advanced in
     * PostgreSQL one proposal after the other): the creator receives all three, commits them by
     * reference, and every device joins. Then a user whose device is on node 1 is taken off the
     * roster through node 0: the others receive the relay's Remove proposal and the Commit of it,
     * the removed device nothing (node 1 reads the cut-off before it wakes the group's devices).
     */
    @Test
    void aCareTeamFormsFromTheRelaysProposalsToDevicesOnEveryNodeAndARemovedUserIsCutOffEverywhere() {
        HttpClient http = vertx.createHttpClient();
        List<TestDevice> devices = new ArrayList<>();
        try {
            String coordinator = cluster.token(vertx, "gina", "h9", List.of());
            HttpCalls.Answer created = HttpCalls.call(http, HttpCalls.to(cluster.node(0).port, HttpMethod.POST,
                    "/v1/teams", coordinator), new JsonObject().put("name", "Ward 9").toBuffer());
            assertEquals(201, created.status(), () -> created.body().toString());
            String teamId = created.json().getString("id");
            String[] users = {"gina", "hal", "ivy", "jon"};
            for (String u : List.of(users).subList(1, users.length)) {
                assertEquals(201, HttpCalls.call(http, HttpCalls.to(cluster.node(0).port, HttpMethod.PUT,
                        "/v1/teams/" + teamId + "/members/" + u, coordinator),
                        new JsonObject().put("role", "practitioner").toBuffer()).status());
            }
            List<MlsMember> members = new ArrayList<>();
            for (int i = 0; i < users.length; i++) {
                MlsMember m = new MlsMember(users[i], "d1");
                TestDevice d = await(TestDevice.connect(vertx, cluster.node(i % 3).port,
                        cluster.token(vertx, users[i], "h9", List.of()), "d1"));
                devices.add(d);
                d.ok(new Frame.PublishKeyPackages(m.keyPackages(1, false), false));
                members.add(m);
            }
            Bytes groupId = Bytes.wrap(teamId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            MlsMember creator = members.get(0);
            devices.get(0).ok(creator.create(groupId, MlsMember.relayAsExternalSender(devices.get(0))));
            for (int k = 1; k < users.length; k++) {
                Frame.Deliver proposal = devices.get(0).next(Frame.Deliver.class);
                assertEquals(Optional.empty(), creator.receive(proposal), "a proposal, kept for the Commit");
            }
            assertEquals(users.length - 1, creator.group.pendingProposals().size());
            long formed = devices.get(0).ok(creator.commit(CommitOptions.builder()));
            creator.group.mergePendingCommit();
            assertEquals(formed, devices.get(0).next(Frame.Deliver.class).seq(), "the creator's own Commit comes back");
            for (int i = 1; i < users.length; i++) {
                Frame.WelcomeDelivery w = devices.get(i).next(Frame.WelcomeDelivery.class);
                members.get(i).join(w, (Frame.GroupInfoResult) devices.get(i).call(new Frame.FetchGroupInfo(groupId)));
                assertEquals(users.length, members.get(i).group.members().size(), users[i]);
            }

            assertEquals(204, HttpCalls.call(http, HttpCalls.to(cluster.node(0).port, HttpMethod.DELETE,
                    "/v1/teams/" + teamId + "/members/hal", coordinator)).status());
            for (int i : new int[] {0, 2, 3}) {
                assertEquals(Optional.empty(), members.get(i).receive(devices.get(i).next(Frame.Deliver.class)),
                        "the relay's Remove proposal, at " + users[i]);
            }
            long removal = devices.get(0).ok(creator.commit(CommitOptions.builder()));
            creator.group.mergePendingCommit();
            for (int i : new int[] {2, 3}) {
                Frame.Deliver commit = devices.get(i).next(Frame.Deliver.class);
                assertEquals(removal, commit.seq());
                members.get(i).receive(commit);
                assertEquals(users.length - 1, members.get(i).group.members().size(), users[i]);
            }
            Frame afterCut = devices.get(1).poll(1_000);
            assertFalse(afterCut instanceof Frame.Deliver, () -> "hal, cut off, got " + afterCut);
        } finally {
            devices.forEach(TestDevice::close);
            http.close();
        }
    }
}
