package dev.ampoule.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: mistyped flags stop it, each command has its help, {@code check-config} masks secrets. */
class MainCommandLineTest {

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private static Run run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aMistypedFlagIsAnErrorNamingIt() {
        for (String[] args : new String[][] {{"--prot", "9000"}, {"run", "--data-dri", "x"}, {"check-config", "--port"},
                {"run", "--port", "1", "--port", "2"}, {"serve"}, {"mint-token"}, {"audit-verify", "--user", "x"}}) {
            Run r = run(Map.of(), args);
            assertEquals(Main.USAGE, r.status(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("relay: "), r.err());
        }
        Run typo = run(Map.of(), "--prot", "9000");
        assertTrue(typo.err().contains("--prot"), typo.err());
        assertTrue(typo.err().contains("--port"), "the flag it meant: " + typo.err());
    }

    @Test
    void eachCommandHasItsHelp() {
        Run top = run(Map.of(), "--help");
        assertEquals(0, top.status());
        assertTrue(top.out().contains("run") && top.out().contains("check-config") && top.out().contains("mint-token")
                && top.out().contains("audit-verify"), top.out());
        Run mint = run(Map.of(), "mint-token", "--help");
        assertEquals(0, mint.status());
        assertTrue(mint.out().contains("--user=USER") && mint.out().contains("--role=ROLE"), mint.out());
        assertFalse(mint.out().contains("--max-frame-bytes"), "only the settings mint-token uses: " + mint.out());
        Run check = run(Map.of(), "check-config", "-h");
        assertTrue(check.out().contains("--max-frame-bytes=VALUE") && check.out().contains("AMPOULE_RELAY_MAX_FRAME_BYTES"),
                check.out());
        Run audit = run(Map.of(), "audit-verify", "--help");
        assertTrue(audit.out().contains("--file=PATH"), audit.out());
    }

    @Test
    void checkConfigPrintsTheEffectiveConfigurationWithSecretsMasked() throws IOException {
        Path file = dir.resolve("relay.yaml");
        Files.writeString(file, "store: postgresql\npostgresUrl: postgresql://db:5432/ampoule\nmaxGroupSize: 50\n");
        Run r = run(Map.of("AMPOULE_RELAY_POSTGRES_PASSWORD", "s3cret-pw"), "check-config", "--config", file.toString(),
                "--port", "9000");
        assertEquals(0, r.status(), r.err());
        assertFalse(r.out().contains("s3cret-pw"), r.out());
        assertTrue(r.out().contains("# config file: " + file), r.out());
        assertTrue(r.out().contains("maxGroupSize: 50"), r.out());
        assertTrue(r.out().contains("postgresPassword: '****'"), r.out());
        // and a configuration that does not hold is refused with the reason
        Files.writeString(file, "store: postgresql\nmaxGroupSise: 50\n");
        Run bad = run(Map.of(), "check-config", "--config", file.toString());
        assertEquals(Main.USAGE, bad.status());
        assertTrue(bad.err().contains("unknown setting 'maxGroupSise'") && bad.err().contains("maxGroupSize"), bad.err());
    }

    @Test
    void runRefusesABadConfigurationBeforeStarting() {
        Run r = run(Map.of(), "run", "--host", "0.0.0.0", "--data-dir", dir.toString());
        assertEquals(Main.USAGE, r.status());
        assertTrue(r.err().contains("development key"), r.err());
        assertFalse(Files.exists(dir.resolve("dev-signing-key.jwk")), "nothing was created");
    }
}
