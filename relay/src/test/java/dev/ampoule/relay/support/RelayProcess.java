package dev.ampoule.relay.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A relay running as a separate JVM process (its real {@code Main run}, the test's class path) on
 * 127.0.0.1, for tests that kill it with SIGKILL or stop it with SIGTERM. {@link #start()} returns
 * once the relay says it listens (60 s at most); its output is kept for failure messages.
 */
public final class RelayProcess implements AutoCloseable {

    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    public final Path dataDir;
    public final int port;
    private final List<String> extraArgs;
    private final List<String> output = new ArrayList<>();
    private Process process;

    public RelayProcess(Path dataDir, int port, String... extraArgs) {
        this.dataDir = dataDir;
        this.port = port;
        this.extraArgs = List.of(extraArgs);
    }

    /** A port free at the time of asking, to keep for the relay across restarts. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the process (again, after a kill, on the same data directory and port). */
    public RelayProcess start() {
        if (running()) {
            throw new IllegalStateException("the relay process runs already");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.ampoule.relay.Main", "run", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--data-dir", dataDir.toString()));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the relay process", e);
        }
        CountDownLatch listening = new CountDownLatch(1);
        Process p = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (output) {
                        output.add(line);
                    }
                    if (line.contains("relay listening")) {
                        listening.countDown();
                    }
                }
            } catch (IOException e) {
                // the process died; its exit is seen by the caller
            }
        }, "relay-process-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!listening.await(START_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the relay process did not start within " + START_LIMIT + ":\n" + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return this;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and waits for the process to be gone. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            awaitExit();
        }
    }

    /** SIGTERM (a graceful shutdown); the exit code once the process is gone. */
    public int terminate() {
        process.destroy();
        return awaitExit();
    }

    private int awaitExit() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the relay process did not exit within 60 s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public URI webSocketUri() {
        return URI.create("ws://127.0.0.1:" + port + "/v1/ws");
    }

    /** What the process printed so far. */
    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
