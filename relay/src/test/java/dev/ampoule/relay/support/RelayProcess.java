package dev.ampoule.relay.support;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A relay started as a separate JVM process (the real {@code Main}), for crash tests that kill it. */
public final class RelayProcess {

    private RelayProcess() {
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts {@code relay run} on 127.0.0.1:{@code port} with its data in {@code dataDir} and the
     * further flags given, and waits (at most 60 s) until it listens. Its output is read and dropped.
     */
    public static Process start(Path dataDir, int port, String... flags) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.ampoule.relay.Main", "run", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CountDownLatch listening = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.contains("relay listening")) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // the process died
            }
        });
        reader.setDaemon(true);
        reader.start();
        if (!listening.await(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertTrue(p.isAlive() && listening.getCount() == 0, "the relay process started");
        return p;
    }
}
