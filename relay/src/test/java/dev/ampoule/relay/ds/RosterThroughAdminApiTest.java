package dev.ampoule.relay.ds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The relay's own roster, changed over the admin REST API, drives the team's MLS group. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RosterThroughAdminApiTest {

    @TempDir
    Path dir;

    private static int call(HttpClient client, int port, HttpMethod method, String uri, String token, JsonObject body,
            JsonObject[] answer) {
        RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri)
                .putHeader("Authorization", "Bearer " + token);
        if (body != null) {
            o.putHeader("Content-Type", "application/json");
        }
        HttpCalls.Answer a = HttpCalls.call(client, o, body == null ? null : body.toBuffer());
        if (answer != null && a.body().length() > 0) {
            answer[0] = a.json();
        }
        return a.status();
    }

    @Test
    void aCoordinatorsRemovalFencesTheGroupUntilItIsCommitted(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        HttpClient http = vertx.createHttpClient();
        DevKeys keys = DevKeys.loadOrCreate(dir);
        String alice = keys.mint(vertx, "alice", Optional.of("h1"), List.of(), "ampoule-dev", "ampoule-relay",
                Duration.ofMinutes(5));
        String bob = keys.mint(vertx, "bob", Optional.of("h1"), List.of(), "ampoule-dev", "ampoule-relay",
                Duration.ofMinutes(5));
        JsonObject[] created = new JsonObject[1];
        assertEquals(201, call(http, relay.port(), HttpMethod.POST, "/v1/teams", alice,
                new JsonObject().put("name", "Ward 5"), created));
        String teamId = created[0].getString("id");
        for (String[] m : new String[][] {{"bob", "practitioner"}, {"carol", "pharmacist"}}) {
            assertEquals(201, call(http, relay.port(), HttpMethod.PUT, "/v1/teams/" + teamId + "/members/" + m[0],
                    alice, new JsonObject().put("role", m[1]), null));
        }
        try (CareTeamFixture team = CareTeamFixture.formGroup(relay, null, teamId, "alice#phone", "bob#laptop",
                "carol#tablet")) {
            assertEquals(3, team.member(0).group.members().size());
            Frame.SendApplication early = team.member(1).message("during the fence");
            // only a coordinator (or an org admin) may change the roster
            assertEquals(403, call(http, relay.port(), HttpMethod.DELETE, "/v1/teams/" + teamId + "/members/carol",
                    bob, null, null));
            assertEquals(204, call(http, relay.port(), HttpMethod.DELETE, "/v1/teams/" + teamId + "/members/carol",
                    alice, null, null));
            int carolLeaf = team.member(2).group.ownLeafIndex();
            Frame.Deliver p = team.device(0).next(Frame.Deliver.class);
            Processed.ProposalMessage proposal = assertInstanceOf(Processed.ProposalMessage.class,
                    team.member(0).group.process(MlsMessage.fromBytes(p.message().toArray())));
            assertEquals(new RemoveProposal(carolLeaf), proposal.proposal().proposal());
            team.device(0).ok(new Frame.AckGroup(team.groupId, p.seq()));
            assertTrue(team.fenced());
            team.device(1).error(early, ErrorCode.GROUP_FENCED);
            long removal = team.commit(0, CommitOptions.builder());
            assertFalse(team.fenced());
            team.read(1); // the proposal
            assertEquals(Optional.empty(), team.read(1)); // the commit
            long sent = team.device(1).ok(team.member(1).message("during the fence"));
            assertTrue(sent > removal);
            assertEquals(Optional.of("during the fence"), team.read(0));
            Frame f = team.device(2).poll(300);
            assertFalse(f instanceof Frame.Deliver, () -> "carol got " + f);
        } finally {
            http.close();
            relay.stop();
        }
        ctx.completeNow();
    }
}
