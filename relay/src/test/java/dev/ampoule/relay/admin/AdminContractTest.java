package dev.ampoule.relay.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.openapi.contract.OpenAPIVersion;
import io.vertx.openapi.contract.Operation;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.vertx.core.Vertx;

/** The router and the OpenAPI contract describe the same API. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminContractTest {

    @TempDir
    Path dir;

    @Test
    void everyRouteIsInTheContractAndEveryOperationIsRouted(Vertx vertx, VertxTestContext ctx) {
        AdminFixture fx = new AdminFixture(vertx, dir).start();
        try {
            Set<String> routed = new TreeSet<>();
            for (Route r : fx.router().getRoutes()) {
                for (HttpMethod m : r.methods()) {
                    routed.add(m.name() + " " + r.getPath().replaceAll(":([A-Za-z]+)", "{$1}") + " " + r.getName());
                }
            }
            Set<String> described = new TreeSet<>();
            for (Operation op : fx.contract.contract.operations()) {
                described.add(op.getHttpMethod().name() + " " + op.getOpenAPIPath() + " " + op.getOperationId());
            }
            assertEquals(described, routed);
            assertEquals(18, routed.size());
            assertEquals(OpenAPIVersion.V3_1, fx.contract.contract.getVersion());
            // every operation but the contract itself needs the bearer token
            for (Operation op : fx.contract.contract.operations()) {
                boolean open = op.getOperationId().equals("getOpenApi");
                assertEquals(open, op.getSecurityRequirements().isEmpty(), op.getOperationId());
            }
        } finally {
            fx.stop();
        }
        ctx.completeNow();
    }

    @Test
    void servesItsContract(Vertx vertx, VertxTestContext ctx) {
        AdminFixture fx = new AdminFixture(vertx, dir).start();
        try {
            AdminFixture.Response r = fx.call(HttpMethod.GET, "/v1/openapi.yaml", null, null);
            assertEquals(200, r.status());
            assertEquals("application/yaml", r.headers().get("Content-Type"));
            assertEquals(fx.contract.text, r.body().toString());
            JsonObject schemas = fx.contract.raw.getJsonObject("components").getJsonObject("schemas");
            for (String s : Set.of("Team", "Member", "Error", "AuditEntry")) {
                assertFalse(schemas.getJsonObject(s).isEmpty(), s);
            }
            assertEquals("bearer", fx.contract.raw.getJsonObject("components").getJsonObject("securitySchemes")
                    .getJsonObject("bearerAuth").getString("scheme"));
        } finally {
            fx.stop();
        }
        ctx.completeNow();
    }
}
