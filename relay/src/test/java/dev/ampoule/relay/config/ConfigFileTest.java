package dev.ampoule.relay.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML config file, and the precedence flags (config JSON) > environment > file > defaults. */
class ConfigFileTest {

    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path f = dir.resolve("relay.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static JsonObject with(Path file) {
        return new JsonObject().put("configFile", file.toString());
    }

    @Test
    void theFileSetsWhatNothingHigherSets() throws IOException {
        Path f = file("""
                # the relay on a test host
                port: 9100
                dataDir: /var/lib/ampoule
                fsync: false
                messageTtlSeconds: 3600
                roles: [coordinator, nurse]
                store: postgresql
                postgresUrl: postgresql://db:5432/ampoule
                jwksUrl:
                """);
        RelayConfig c = RelayConfig.from(with(f), Map.of());
        assertEquals(9100, c.port);
        assertEquals(Path.of("/var/lib/ampoule"), c.dataDir);
        assertFalse(c.fsync);
        assertEquals(Duration.ofHours(1), c.messageTtl);
        assertEquals(List.of("coordinator", "nurse"), List.copyOf(c.roles));
        assertEquals(RelayConfig.StoreKind.POSTGRESQL, c.store);
        assertTrue(c.jwksUrl.isEmpty(), "an empty value sets nothing");
        assertEquals(f, c.configFile.orElseThrow());
        assertEquals(8080, RelayConfig.from(new JsonObject(), Map.of()).port, "no file, the default");
    }

    @Test
    void flagsBeatTheEnvironmentWhichBeatsTheFile() throws IOException {
        Path f = file("port: 9100\nmaxGroupSize: 10\nroles: [coordinator, nurse]\nmessagesPerSecond: 7\n");
        Map<String, String> env = Map.of("AMPOULE_RELAY_PORT", "9200", "AMPOULE_RELAY_MAX_GROUP_SIZE", "20",
                "AMPOULE_RELAY_ROLES", "coordinator,gp");
        RelayConfig c = RelayConfig.from(with(f).put("port", 9300), env);
        assertEquals(9300, c.port, "flag over environment over file");
        assertEquals(20, c.maxGroupSize, "environment over file");
        assertEquals(List.of("coordinator", "gp"), List.copyOf(c.roles), "a list from the environment over the file's");
        assertEquals(7, c.messagesPerSecond, "the file over the default");
        assertEquals(Settings.Origin.FLAG, c.settings.origin("port"));
        assertEquals(Settings.Origin.ENVIRONMENT, c.settings.origin("maxGroupSize"));
        assertEquals(Settings.Origin.FILE, c.settings.origin("messagesPerSecond"));
        assertEquals(Settings.Origin.DEFAULT, c.settings.origin("messageBurst"));
        // the file may be named in the environment too
        RelayConfig byEnv = RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_CONFIG_FILE", f.toString()));
        assertEquals(9100, byEnv.port);
    }

    @Test
    void aMisspelledKeyIsRefusedWithTheKeyItMeant() throws IOException {
        Path f = file("port: 9100\nmaxFrameByte: 2048\n");
        ConfigException e = assertThrows(ConfigException.class, () -> RelayConfig.from(with(f), Map.of()));
        assertTrue(e.getMessage().contains("unknown setting 'maxFrameByte'"), e.getMessage());
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'maxFrameBytes'?"), e.getMessage());
        // the same for the config JSON (flags, or an embedding application's deployment config)
        ConfigException json = assertThrows(ConfigException.class,
                () -> RelayConfig.from(new JsonObject().put("prot", 1), Map.of()));
        assertTrue(json.getMessage().contains("unknown setting 'prot' (did you mean 'port'?)"), json.getMessage());
        // kebab-case is a flag's spelling, not a key's
        ConfigException kebab = assertThrows(ConfigException.class,
                () -> RelayConfig.from(with(file("data-dir: /x\n")), Map.of()));
        assertTrue(kebab.getMessage().contains("did you mean 'dataDir'?"), kebab.getMessage());
    }

    @Test
    void badFilesAreRefused() throws IOException {
        for (String yaml : List.of("port: 1\nport: 2\n", "tls:\n  certPath: x\n", "- port\n- 1\n", "port: [1, {a: b}]\n",
                "port: 'eighty'\n", "configFile: other.yaml\n", "port: : :\n")) {
            Path f = file(yaml);
            assertThrows(ConfigException.class, () -> RelayConfig.from(with(f), Map.of()), yaml);
        }
        assertThrows(ConfigException.class, () -> RelayConfig.from(with(dir.resolve("missing.yaml")), Map.of()));
        // an empty file, or one of comments, sets nothing
        assertEquals(8080, RelayConfig.from(with(file("")), Map.of()).port);
        assertEquals(8080, RelayConfig.from(with(file("# nothing\n")), Map.of()).port);
    }

    @Test
    void unknownEnvironmentVariablesAreReportedNotRefused() {
        RelayConfig c = RelayConfig.from(new JsonObject(), Map.of("AMPOULE_RELAY_PROT", "1", "AMPOULE_RELAY_PORT", "9000",
                "AMPOULE_IDENTITY_PORT", "1", "PATH", "/bin"));
        assertEquals(9000, c.port);
        assertEquals(List.of("AMPOULE_RELAY_PROT"), c.unknownEnvironment);
    }

    @Test
    void everyKeyIsKnownAndMapsToItsEnvironmentVariable() {
        List<String> keys = RelayConfig.keys();
        assertTrue(keys.containsAll(List.of("configFile", "port", "dataDir", "postgresUrl", "logLevel", "metricsPort",
                "pingIntervalSeconds", "oidcIssuer", "allowDevKeyOnNetwork")), keys.toString());
        assertEquals(keys.size(), Set.copyOf(keys).size(), "no key is read twice");
        assertEquals("AMPOULE_RELAY_PING_INTERVAL_SECONDS", RelayConfig.envName("pingIntervalSeconds"));
    }
}
