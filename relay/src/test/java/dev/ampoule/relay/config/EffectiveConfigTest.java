package dev.ampoule.relay.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code check-config} prints: every setting once, its origin, no secret. */
class EffectiveConfigTest {

    @Test
    void everySettingHasTheFieldItsValueIsShownFrom() {
        for (String key : RelayConfig.keys()) {
            assertTrue(EffectiveConfig.field(key).isPresent(), "setting " + key + " needs a public field of RelayConfig named "
                    + key + " (a ...Seconds, ...Hours or ...Micros key: a Duration named without the suffix), so that check-config shows it");
        }
    }

    @Test
    void eachSettingOnceWithItsOriginAndSecretsMasked() {
        String password = "pw-" + System.nanoTime();
        RelayConfig c = RelayConfig.from(new JsonObject().put("port", 9000).put("store", "postgresql")
                        .put("postgresUrl", "postgresql://relay:" + password + "@db:5432/ampoule"),
                Map.of("AMPOULE_RELAY_POSTGRES_PASSWORD", password, "AMPOULE_RELAY_PROT", "1"));
        List<String> lines = EffectiveConfig.lines(c);
        String all = String.join("\n", lines);
        assertFalse(all.contains(password), all);
        assertTrue(all.contains("postgresPassword: '****'"), all);
        assertTrue(all.contains("postgresql://relay:****@db:5432/ampoule"), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("port: 9000 ") && l.endsWith("# flag or config JSON")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("postgresPassword:")
                && l.endsWith("# environment AMPOULE_RELAY_POSTGRES_PASSWORD")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("messageTtlSeconds: 2592000 ") && l.endsWith("# default")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("auditFileMaxAgeHours: 24 ") && l.endsWith("# default")), all);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("fsyncGapMicros: 1000 ") && l.endsWith("# default")), all);
        assertTrue(all.contains("ignored environment variables (no such setting): AMPOULE_RELAY_PROT"), all);
        for (String key : RelayConfig.keys()) {
            assertTrue(lines.stream().filter(l -> l.startsWith(key + ":")).count() == 1, key);
        }
    }
}
