package dev.ampoule.relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operations settings: the development key off loopback, OIDC issuer, keepalive, logs. */
class OperationsSettingsTest {

    private static RelayConfig config(JsonObject json) {
        return RelayConfig.from(json, Map.of());
    }

    @Test
    void theDevelopmentKeyIsRefusedOffLoopbackUnlessAllowed() {
        for (String host : new String[] {"0.0.0.0", "::", "192.0.2.10"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> config(new JsonObject().put("host", host)), host);
            assertTrue(e.getMessage().contains("development key"), e.getMessage());
        }
        for (String host : new String[] {"127.0.0.1", "::1", "localhost", "127.0.0.2"}) {
            assertEquals(host, config(new JsonObject().put("host", host)).host);
        }
        RelayConfig allowed = config(new JsonObject().put("host", "0.0.0.0").put("allowDevKeyOnNetwork", true));
        assertTrue(allowed.allowDevKeyOnNetwork);
        assertTrue(allowed.usesDevKey());
        // with an OIDC provider's keys the development key is not used: any address
        assertEquals("0.0.0.0", config(new JsonObject().put("host", "0.0.0.0").put("jwksUrl", "https://idp/jwks")).host);
        assertEquals("0.0.0.0", config(new JsonObject().put("host", "0.0.0.0").put("oidcIssuer", "https://idp.example")).host);
    }

    @Test
    void anOidcIssuerIsTheTokensIssuerAndExcludesAJwksUrl() {
        RelayConfig c = config(new JsonObject().put("oidcIssuer", "https://idp.example/realms/care"));
        assertEquals("https://idp.example/realms/care", c.issuer);
        assertTrue(c.jwksUrl.isEmpty());
        assertTrue(!c.usesDevKey());
        assertEquals("https://idp.example/realms/care", config(new JsonObject().put("oidcIssuer", "https://idp.example/realms/care")
                .put("issuer", "https://idp.example/realms/care")).issuer);
        for (JsonObject bad : new JsonObject[] {
                new JsonObject().put("oidcIssuer", "https://idp.example").put("jwksUrl", "https://idp.example/jwks"),
                new JsonObject().put("oidcIssuer", "https://idp.example").put("issuer", "https://other.example"),
                new JsonObject().put("oidcIssuer", "http://idp.example"),
                new JsonObject().put("oidcIssuer", "https://idp.example?x=1"),
                new JsonObject().put("oidcIssuer", "not a url")}) {
            assertThrows(ConfigException.class, () -> config(bad), bad::encode);
        }
        // plain http only to a loopback provider (tests)
        assertEquals("http://127.0.0.1:9999", config(new JsonObject().put("oidcIssuer", "http://127.0.0.1:9999")).issuer);
    }

    @Test
    void keepaliveLogsAndMetricsListener() {
        RelayConfig d = config(new JsonObject());
        assertEquals(Duration.ofSeconds(20), d.pingInterval);
        assertEquals(Duration.ofSeconds(45), d.pingTimeout);
        assertEquals("INFO", d.logLevel);
        assertEquals("json", d.logFormat);
        assertTrue(d.metricsPort.isEmpty());
        RelayConfig c = config(new JsonObject().put("logLevel", "debug").put("logFormat", "TEXT").put("metricsPort", 9090)
                .put("pingIntervalSeconds", 5).put("pingTimeoutSeconds", 12));
        assertEquals("DEBUG", c.logLevel);
        assertEquals("text", c.logFormat);
        assertEquals(9090, c.metricsPort.orElseThrow());
        assertEquals("127.0.0.1", c.metricsHost, "the metrics listener's address defaults to the relay's");
        for (JsonObject bad : new JsonObject[] {
                new JsonObject().put("logLevel", "verbose"), new JsonObject().put("logFormat", "xml"),
                new JsonObject().put("pingIntervalSeconds", 0), new JsonObject().put("pingIntervalSeconds", 50),
                new JsonObject().put("metricsPort", 70000), new JsonObject().put("jwksTimeoutSeconds", 0)}) {
            assertThrows(ConfigException.class, () -> config(bad), bad::encode);
        }
    }
}
