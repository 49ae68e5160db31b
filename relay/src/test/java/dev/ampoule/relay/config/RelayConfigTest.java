package dev.ampoule.relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RelayConfigTest {

    @Test
    void defaultsAreTheEmbeddedSingleNode() {
        RelayConfig c = RelayConfig.from(new JsonObject(), Map.of());
        assertEquals("127.0.0.1", c.host);
        assertEquals(8080, c.port);
        assertEquals(Path.of("relay-data"), c.dataDir);
        assertFalse(c.tls());
        assertTrue(c.jwksUrl.isEmpty());
        assertEquals(Duration.ofDays(30), c.messageTtl);
        assertEquals(1 << 20, c.maxFrameBytes);
    }

    @Test
    void environmentThenJsonOverride() {
        Map<String, String> env = Map.of("AMPOULE_RELAY_PORT", "9000", "AMPOULE_RELAY_DATA_DIR", "/srv/a",
                "AMPOULE_RELAY_MESSAGE_TTL_SECONDS", "60", "AMPOULE_RELAY_FSYNC", "false");
        RelayConfig fromEnv = RelayConfig.from(new JsonObject(), env);
        assertEquals(9000, fromEnv.port);
        assertEquals(Path.of("/srv/a"), fromEnv.dataDir);
        assertEquals(Duration.ofSeconds(60), fromEnv.messageTtl);
        assertFalse(fromEnv.fsync);
        RelayConfig json = RelayConfig.from(new JsonObject().put("port", 9100).put("maxGroupSize", 50), env);
        assertEquals(9100, json.port);
        assertEquals(50, json.maxGroupSize);
        assertEquals("AMPOULE_RELAY_MAX_FRAME_BYTES", RelayConfig.envName("maxFrameBytes"));
    }

    @Test
    void tlsDefaultsToPort8443AndNeedsBothFiles() {
        RelayConfig tls = RelayConfig.from(new JsonObject().put("tlsCertPath", "c.pem").put("tlsKeyPath", "k.pem"), Map.of());
        assertTrue(tls.tls());
        assertEquals(8443, tls.port);
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("tlsCertPath", "c.pem"), Map.of()));
    }

    @Test
    void rolesAndAdHocGroups() {
        RelayConfig d = RelayConfig.from(new JsonObject(), Map.of());
        assertEquals(List.of("coordinator", "practitioner", "patient", "pharmacist", "insurer"), List.copyOf(d.roles));
        assertTrue(d.adHocGroups);
        RelayConfig env = RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_ROLES", " coordinator, nurse ,social-worker",
                "AMPOULE_RELAY_AD_HOC_GROUPS", "false"));
        assertEquals(List.of("coordinator", "nurse", "social-worker"), List.copyOf(env.roles));
        assertFalse(env.adHocGroups);
        RelayConfig json = RelayConfig.from(new JsonObject().put("roles", new JsonArray().add("coordinator").add("gp")),
                Map.of("AMPOULE_RELAY_ROLES", "coordinator,nurse"));
        assertEquals(List.of("coordinator", "gp"), List.copyOf(json.roles));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("roles", "nurse,gp"), Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("roles", "coordinator,Bad Role"),
                Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("roles",
                new JsonArray().add("coordinator").add(3)), Map.of()));
    }

    @Test
    void malformedValuesAreRefused() {
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("port", "eighty"), Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("fsync", "maybe"), Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("maxFrameBytes", 10), Map.of()));
    }
}
