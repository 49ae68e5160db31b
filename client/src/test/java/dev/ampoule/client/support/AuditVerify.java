package dev.ampoule.client.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The relay's {@code audit-verify} command, run as a separate process on an audit log file. */
public final class AuditVerify {

    private AuditVerify() {
    }

    /** Runs {@code audit-verify --file logFile}; its exit status (0: the chain verifies). */
    public static int run(Path logFile) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.ampoule.relay.Main",
                "audit-verify", "--file", logFile.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("audit chain"), out);
        return p.exitValue();
    }
}
