package dev.ampoule.client.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.TestPostgres;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The relay's {@code audit-verify} command, run as a separate process on an audit log file or a cluster's database. */
public final class AuditVerify {

    private AuditVerify() {
    }

    /** Runs {@code audit-verify --file logFile}; its exit status (0: the chain verifies). */
    public static int run(Path logFile) throws IOException, InterruptedException {
        return run(new ProcessBuilder(command("--file", logFile.toString())));
    }

    /** Runs {@code audit-verify --store postgresql} on a cluster's database; its exit status (0: the chain verifies). */
    public static int runPostgres(PgConnectOptions db) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command("--store", "postgresql", "--postgres-url", TestPostgres.uri(db),
                "--postgres-user", db.getUser()));
        if (db.getPassword() != null && !db.getPassword().isEmpty()) {
            pb.environment().put("AMPOULE_RELAY_POSTGRES_PASSWORD", db.getPassword());
        }
        return run(pb);
    }

    private static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), "dev.ampoule.relay.Main", "audit-verify"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static int run(ProcessBuilder command) throws IOException, InterruptedException {
        Process p = command.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("audit chain"), out);
        return p.exitValue();
    }
}
