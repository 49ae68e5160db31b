package dev.ampoule.relay.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

/** The admin API as the relay serves it: under /v1/ beside the WebSocket and tickets, over the relay's data dir. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminMountTest {

    @TempDir
    Path dir;

    private record Answer(int status, String contentType, Buffer body) {
    }

    private static Answer call(HttpClient client, int port, HttpMethod method, String uri, String token, Buffer body) {
        RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
        if (token != null) {
            o.putHeader("Authorization", "Bearer " + token);
        }
        if (body != null) {
            o.putHeader("Content-Type", "application/json");
        }
        HttpCalls.Answer a = HttpCalls.call(client, o, body);
        return new Answer(a.status(), a.header("Content-Type"), a.body());
    }

    @Test
    void theRelayServesTheAdminApi(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        HttpClient client = vertx.createHttpClient();
        try {
            DevKeys keys = DevKeys.loadOrCreate(dir);
            String alice = keys.mint(vertx, "alice", Optional.of("h1"), List.of(), "ampoule-dev", "ampoule-relay",
                    Duration.ofMinutes(5));
            Answer created = call(client, relay.port(), HttpMethod.POST, "/v1/teams", alice,
                    new JsonObject().put("name", "Ward").toBuffer());
            assertEquals(201, created.status(), created.body()::toString);
            String id = created.body().toJsonObject().getString("id");
            assertEquals(201, call(client, relay.port(), HttpMethod.PUT, "/v1/teams/" + id + "/members/bob", alice,
                    new JsonObject().put("role", "pharmacist").toBuffer()).status());
            assertEquals(200, call(client, relay.port(), HttpMethod.GET, "/v1/openapi.yaml", null, null).status());
            // the relay's own routes are untouched
            assertEquals(200, call(client, relay.port(), HttpMethod.POST, "/v1/tickets", relay.token("alice"), null)
                    .status());
            assertEquals(200, call(client, relay.port(), HttpMethod.GET, "/health", null, null).status());
            assertEquals(404, call(client, relay.port(), HttpMethod.GET, "/v1/nothing-here", alice, null).status());
            // an oversized body is refused before it is read, as JSON
            Answer big = call(client, relay.port(), HttpMethod.POST, "/v1/teams", alice,
                    Buffer.buffer("{\"name\":\"" + "x".repeat(AdminApi.MAX_BODY_BYTES) + "\"}"));
            assertEquals(413, big.status());
            assertEquals("application/json", big.contentType());
            assertEquals("BAD_REQUEST", big.body().toJsonObject().getString("code"));

            relay.restart();
            Answer members = call(client, relay.port(), HttpMethod.GET, "/v1/teams/" + id + "/members", alice, null);
            assertEquals(200, members.status());
            assertEquals(2, members.body().toJsonObject().getJsonArray("members").size());
            assertEquals("bob", members.body().toJsonObject().getJsonArray("members").getJsonObject(1).getString("userId"));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
