package dev.ampoule.relay.auth;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Browser tickets: a per-user limit under the global one, so one user cannot deny everyone else. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TicketLimitsTest {

    @TempDir
    Path dir;

    private static HttpCalls.Answer ticket(HttpClient http, RelayHarness relay, String user) {
        return HttpCalls.call(http, HttpCalls.to(relay.port(), HttpMethod.POST, "/v1/tickets", relay.token(user)));
    }

    private static void assertRefused(HttpCalls.Answer a, String why) {
        assertEquals(429, a.status(), why);
        assertEquals(ErrorCode.RATE_LIMITED.name(), a.json().getString("code"), why);
        assertTrue(a.json().getString("message").contains(why), a::text);
        assertTrue(Integer.parseInt(a.header("Retry-After")) >= 1, why);
    }

    @Test
    void oneUserAtItsLimitDoesNotDenyAnother(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("ticketsPerUser", 2)
                .put("maxTickets", 3)).start();
        HttpClient http = vertx.createHttpClient();
        try {
            List<String> alice = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                HttpCalls.Answer a = ticket(http, relay, "alice");
                assertEquals(200, a.status(), a::text);
                alice.add(a.json().getString("ticket"));
            }
            assertRefused(ticket(http, relay, "alice"), "per user");
            assertRefused(ticket(http, relay, "alice"), "per user");
            // bob is not affected by alice's tickets
            HttpCalls.Answer bob = ticket(http, relay, "bob");
            assertEquals(200, bob.status(), bob::text);
            // the relay-wide limit still holds
            assertRefused(ticket(http, relay, "carol"), "outstanding");
            // a redeemed ticket gives alice room for another
            try (TestDevice d = await(TestDevice.open(vertx, relay.port(), "/v1/ws?ticket=" + alice.get(0) + "&device=tab"))) {
                d.error(new Frame.ClaimKeyPackages("nobody", Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE);
            }
            assertEquals(200, ticket(http, relay, "alice").status());
            assertTrue(relay.registry.scrape().contains("ampoule_limits_exceeded_total{limit=\"tickets_per_user\"} 2.0"));
        } finally {
            http.close();
            relay.stop();
        }
        ctx.completeNow();
    }
}
