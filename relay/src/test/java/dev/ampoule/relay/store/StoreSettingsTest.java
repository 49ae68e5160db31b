package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ampoule.relay.config.ConfigException;
import dev.ampoule.relay.config.RelayConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store settings: file by default; PostgreSQL from a URL, a user and a password (file or environment). */
class StoreSettingsTest {

    @TempDir
    Path dir;

    @Test
    void theFileStoreIsTheDefault() {
        RelayConfig config = RelayConfig.from(new JsonObject(), Map.of());
        assertEquals(RelayConfig.StoreKind.FILE, config.store);
        assertFalse(config.postgresUrl.isPresent());
    }

    @Test
    void postgresqlNeedsAUrlAndTakesThePasswordFromAFileBeforeTheEnvironment() throws Exception {
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("store", "postgresql"), Map.of()));
        assertThrows(ConfigException.class, () -> RelayConfig.from(new JsonObject().put("store", "mongodb"), Map.of()));
        Path secret = Files.writeString(dir.resolve("pw"), "s3cret\n");
        RelayConfig config = RelayConfig.from(new JsonObject().put("postgresUser", "relay")
                .put("postgresPasswordFile", secret.toString()), Map.of("AMPOULE_RELAY_STORE", "postgresql",
                "AMPOULE_RELAY_POSTGRES_URL", "postgresql://db.internal:5433/ampoule",
                "AMPOULE_RELAY_POSTGRES_PASSWORD", "other"));
        PgConnectOptions options = Stores.postgres(config);
        assertEquals("db.internal", options.getHost());
        assertEquals(5433, options.getPort());
        assertEquals("ampoule", options.getDatabase());
        assertEquals("relay", options.getUser());
        assertEquals("s3cret", options.getPassword());
        RelayConfig fromEnv = RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_STORE", "postgresql",
                "AMPOULE_RELAY_POSTGRES_URL", "postgresql://u@db/ampoule", "AMPOULE_RELAY_POSTGRES_PASSWORD", "other"));
        assertEquals("other", Stores.postgres(fromEnv).getPassword());
        assertEquals("u", Stores.postgres(fromEnv).getUser());
    }

    @Test
    void aBadUrlIsRefusedWithoutRepeatingIt() {
        RelayConfig config = RelayConfig.from(new JsonObject().put("store", "postgresql")
                .put("postgresUrl", "mysql://user:hunter2@db/x"), Map.of());
        ConfigException e = assertThrows(ConfigException.class, () -> Stores.postgres(config));
        assertFalse(e.getMessage().contains("hunter2"));
    }
}
