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
    void auditVolumeAndRotation() {
        RelayConfig d = RelayConfig.from(new JsonObject(), Map.of());
        assertEquals(Duration.ofSeconds(30), d.auditDeliveryWindow);
        assertEquals(64L << 20, d.auditFileMaxBytes);
        assertEquals(Duration.ofHours(24), d.auditFileMaxAge);
        RelayConfig env = RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_AUDIT_DELIVERY_WINDOW_SECONDS", "0",
                "AMPOULE_RELAY_AUDIT_FILE_MAX_BYTES", "1048576", "AMPOULE_RELAY_AUDIT_FILE_MAX_AGE_HOURS", "0"));
        assertEquals(Duration.ZERO, env.auditDeliveryWindow);
        assertEquals(1 << 20, env.auditFileMaxBytes);
        assertEquals(Duration.ZERO, env.auditFileMaxAge);
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("auditFileMaxBytes", 100),
                Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("auditDeliveryWindowSeconds",
                -1), Map.of()));
    }

    @Test
    void adminQuotasAndRate() {
        RelayConfig d = RelayConfig.from(new JsonObject(), Map.of());
        assertEquals(100_000, d.maxTeamsPerOrg);
        assertEquals(1_000, d.maxTeamsCreatedPerUser);
        assertEquals(500, d.maxMembersPerTeam);
        assertEquals(120, d.adminWritesPerMinute);
        RelayConfig env = RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_MAX_TEAMS_PER_ORG", "7",
                "AMPOULE_RELAY_MAX_TEAMS_CREATED_PER_USER", "2", "AMPOULE_RELAY_MAX_MEMBERS_PER_TEAM", "9",
                "AMPOULE_RELAY_ADMIN_WRITES_PER_MINUTE", "30"));
        assertEquals(7, env.maxTeamsPerOrg);
        assertEquals(2, env.maxTeamsCreatedPerUser);
        assertEquals(9, env.maxMembersPerTeam);
        assertEquals(30, env.adminWritesPerMinute);
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("maxMembersPerTeam", 0),
                Map.of()));
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
    void securityLimitsHaveDefaultsAndAreConfigurable() {
        RelayConfig d = RelayConfig.from(new JsonObject(), Map.of());
        assertEquals(Duration.ofHours(24), d.maxTokenLifetime);
        assertEquals(5, d.ticketsPerUser);
        assertEquals(100_000, d.maxTickets);
        assertEquals(8L << 20, d.maxQueuedBytes);
        assertEquals(List.of("TLSv1.3"), d.tlsProtocols);
        assertEquals(RelayConfig.DEFAULT_TLS_CIPHER_SUITES, d.tlsCipherSuites);
        assertTrue(d.tlsClientCaPath.isEmpty());
        assertFalse(d.tlsRequireClientAuth);
        assertEquals(Duration.ofSeconds(60), d.tlsReload);
        RelayConfig env = RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_MAX_TOKEN_LIFETIME_SECONDS", "3600",
                "AMPOULE_RELAY_TICKETS_PER_USER", "2", "AMPOULE_RELAY_MAX_TICKETS", "10",
                "AMPOULE_RELAY_TLS_CERT_PATH", "c.pem", "AMPOULE_RELAY_TLS_KEY_PATH", "k.pem",
                "AMPOULE_RELAY_TLS_PROTOCOLS", "TLSv1.3,TLSv1.2", "AMPOULE_RELAY_TLS_CLIENT_CA_PATH", "ca.pem",
                "AMPOULE_RELAY_TLS_REQUIRE_CLIENT_AUTH", "true", "AMPOULE_RELAY_TLS_RELOAD_SECONDS", "5"));
        assertEquals(Duration.ofHours(1), env.maxTokenLifetime);
        assertEquals(2, env.ticketsPerUser);
        assertEquals(10, env.maxTickets);
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), env.tlsProtocols);
        assertEquals(Path.of("ca.pem"), env.tlsClientCaPath.orElseThrow());
        assertTrue(env.tlsRequireClientAuth);
        assertEquals(Duration.ofSeconds(5), env.tlsReload);
        // a larger frame limit raises the default hard limit on queued bytes with it
        assertEquals((1L << 20) + 2L * (8 << 20), RelayConfig.from(new JsonObject().put("maxFrameBytes", 8 << 20),
                Map.of()).maxQueuedBytes);
    }

    @Test
    void unsafeOrInconsistentSecuritySettingsAreRefused() {
        JsonObject tls = new JsonObject().put("tlsCertPath", "c.pem").put("tlsKeyPath", "k.pem");
        for (JsonObject bad : List.of(
                tls.copy().put("tlsProtocols", "TLSv1.1,TLSv1.2"),
                tls.copy().put("tlsProtocols", "SSLv3"),
                tls.copy().put("tlsProtocols", ""),
                tls.copy().put("tlsCipherSuites", "TLS_AES_128_GCM_SHA256,not a suite"),
                tls.copy().put("tlsRequireClientAuth", true),
                new JsonObject().put("tlsClientCaPath", "ca.pem"),
                tls.copy().put("tlsReloadSeconds", 0),
                new JsonObject().put("ticketsPerUser", 0),
                new JsonObject().put("maxTickets", 0),
                new JsonObject().put("maxTokenLifetimeSeconds", 10),
                new JsonObject().put("maxTokenLifetimeSeconds", 400 * 86_400),
                new JsonObject().put("maxQueuedBytes", 1_000_000))) {
            assertThrows(ConfigException.class, () -> RelayConfig.from(bad, Map.of()), bad::encode);
        }
    }

    @Test
    void malformedValuesAreRefused() {
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("port", "eighty"), Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("fsync", "maybe"), Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("maxFrameBytes", 10), Map.of()));
    }

    @Test
    void connectionLoops() {
        assertEquals(Runtime.getRuntime().availableProcessors(), RelayConfig.from(new JsonObject(), Map.of()).connectionLoops,
                "one per core unless set");
        assertEquals(3, RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_CONNECTION_LOOPS", "3")).connectionLoops);
        assertEquals(1, RelayConfig.from(new JsonObject().put("connectionLoops", 1), Map.of()).connectionLoops);
        RelayConfig node = RelayConfig.from(new JsonObject().put("store", "postgresql")
                .put("postgresUrl", "postgresql://db:5432/a").put("clusterEnabled", true).put("connectionLoops", 4),
                Map.of());
        assertEquals(1, node.connectionLoops, "a cluster node spreads its connections over gateway instances instead");
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("connectionLoops", -1), Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("connectionLoops", 257), Map.of()));
    }

    @Test
    void fsyncGap() {
        assertEquals(Duration.ofMillis(1), RelayConfig.from(new JsonObject(), Map.of()).fsyncGap, "1 ms unless set");
        assertEquals(Duration.ofMillis(2),
                RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_FSYNC_GAP_MICROS", "2000")).fsyncGap);
        assertEquals(Duration.ZERO, RelayConfig.from(new JsonObject().put("fsyncGapMicros", 0), Map.of()).fsyncGap);
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("fsyncGapMicros", -1), Map.of()));
        assertThrows(ConfigException.class,
                () -> RelayConfig.from(new JsonObject().put("fsyncGapMicros", 100_001), Map.of()));
    }

    @Test
    void clusterSettings() {
        RelayConfig d = RelayConfig.from(new JsonObject(), Map.of());
        assertFalse(d.clusterEnabled);
        assertEquals(5701, d.clusterPort);
        assertEquals(1, d.gatewayInstances, "the file store has one writer");
        RelayConfig c = RelayConfig.from(new JsonObject().put("store", "postgresql")
                .put("postgresUrl", "postgresql://db:5432/a"), Map.of("AMPOULE_RELAY_CLUSTER_ENABLED", "true",
                "AMPOULE_RELAY_CLUSTER_HOST", "10.0.0.7", "AMPOULE_RELAY_CLUSTER_MEMBERS", "10.0.0.8,10.0.0.9:5702",
                "AMPOULE_RELAY_GATEWAY_INSTANCES", "3"));
        assertTrue(c.clusterEnabled);
        assertEquals("10.0.0.7", c.clusterHost);
        assertEquals(List.of("10.0.0.8", "10.0.0.9:5702"), c.clusterMembers);
        assertEquals(3, c.gatewayInstances);
        RelayConfig k8s = RelayConfig.from(new JsonObject().put("store", "postgresql")
                .put("postgresUrl", "postgresql://db:5432/a").put("clusterEnabled", true)
                .put("clusterKubernetesService", "ampoule-relay-hz.ampoule.svc.cluster.local"), Map.of());
        assertEquals("ampoule-relay-hz.ampoule.svc.cluster.local", k8s.clusterKubernetesService.orElseThrow());
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("clusterEnabled", true),
                Map.of()), "a cluster shares one PostgreSQL");
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("clusterMembers", "a b"),
                Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("store", "postgresql")
                .put("postgresUrl", "postgresql://db/a").put("clusterEnabled", true).put("clusterMembers", "x")
                .put("clusterKubernetesService", "svc"), Map.of()), "one discovery at a time");
    }
}
