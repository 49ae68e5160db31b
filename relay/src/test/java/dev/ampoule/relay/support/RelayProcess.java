package dev.ampoule.relay.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A relay running as a separate JVM (its real {@code Main run}, from the test's class path) on
 * loopback, for tests that kill it with SIGKILL ({@link #kill()}) or stop it with SIGTERM
 * ({@link #terminate()}) and start it again on the same flags, data directory and port. Its output
 * is kept (the last lines in memory; a cluster's nodes also copy it to {@code <name>.log} beside
 * their data directory). Every wait is bounded.
 */
public final class RelayProcess implements AutoCloseable {

    /** Bounds of a node's start: a loaded 2-core machine starts several JVMs at once. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final int KEPT_LINES = 400;

    public final String name;
    public final int port;
    public final Path dataDir;
    /** Where the output is copied (null: kept in memory only). */
    public final Path logFile;
    private final Map<String, String> flags;
    private final Map<String, String> env;
    private final List<String> jvmOptions;
    private volatile Process process;
    private volatile CountDownLatch listening;
    private volatile CountDownLatch stopped;
    private volatile Thread copier;
    /** The last lines of the output. */
    private final ArrayDeque<String> lastLines = new ArrayDeque<>();

    /** A relay on {@code dataDir} and {@code port} with the flags {@code extraArgs} ({@code --name value} pairs). */
    public RelayProcess(Path dataDir, int port, String... extraArgs) {
        this("relay", port, dataDir, pairs(extraArgs), Map.of(), List.of(), null);
    }

    /** A cluster node: its output also copied to {@code <name>.log} beside its data directory. */
    public RelayProcess(String name, int port, Path dataDir, Map<String, String> flags, Map<String, String> env,
            List<String> jvmOptions) {
        this(name, port, dataDir, flags, env, jvmOptions, dataDir.resolveSibling(name + ".log"));
    }

    private RelayProcess(String name, int port, Path dataDir, Map<String, String> flags, Map<String, String> env,
            List<String> jvmOptions, Path logFile) {
        this.name = name;
        this.port = port;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.flags = new LinkedHashMap<>(flags);
        this.flags.put("host", "127.0.0.1");
        this.flags.put("port", Integer.toString(port));
        this.flags.put("data-dir", dataDir.toString());
        this.env = Map.copyOf(env);
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    private static Map<String, String> pairs(String... args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("flags come in pairs: --name value");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            out.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return out;
    }

    /** A port free at the time of asking, to keep for the relay across restarts. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the process (again, after a kill); {@link #awaitListening()} waits for it to serve. */
    public RelayProcess launch() {
        if (running()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.ampoule.relay.Main");
        cmd.add("run");
        flags.forEach((k, v) -> {
            cmd.add("--" + k);
            cmd.add(v);
        });
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        CountDownLatch up = new CountDownLatch(1);
        CountDownLatch down = new CountDownLatch(1);
        try {
            Files.createDirectories(dataDir);
            Process p = pb.start();
            process = p;
            listening = up;
            stopped = down;
            Thread t = new Thread(() -> copyOutput(p, up, down), "relay-output-" + name);
            t.setDaemon(true);
            t.start();
            copier = t;
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + name, e);
        }
        return this;
    }

    private void copyOutput(Process p, CountDownLatch up, CountDownLatch down) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter out = logFile == null ? new PrintWriter(java.io.OutputStream.nullOutputStream())
                        : new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                                StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
            out.println("---- " + name + " started (pid " + p.pid() + ")");
            String line;
            while ((line = r.readLine()) != null) {
                out.println(line);
                out.flush();
                synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > KEPT_LINES) {
                        lastLines.removeFirst();
                    }
                }
                if (line.contains("relay ready")) {
                    up.countDown();
                }
                if (line.contains("relay stopped")) {
                    down.countDown();
                }
            }
        } catch (IOException e) {
            // the process died
        }
    }

    /** Waits until the relay serves, or fails (with the end of its output) if it died or took too long. */
    public RelayProcess awaitListening() {
        try {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!listening.await(200, TimeUnit.MILLISECONDS)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError(name + " did not start; its output ends:\n" + tail(40));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return this;
    }

    public RelayProcess start() {
        return launch().awaitListening();
    }

    public boolean running() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() {
        Process p = process;
        if (p != null) {
            p.toHandle().destroyForcibly(); // the handle's: Process.destroy* closes our end of its output
            waitFor(p, Duration.ofSeconds(30));
        }
    }

    /** SIGTERM (the relay drains and leaves), without waiting. */
    public void terminate() {
        Process p = process;
        if (p != null) {
            p.toHandle().destroy(); // not Process.destroy(), which closes our end of its output at once
        }
    }

    /** Waits for the process to exit; whether it did within {@code timeout}. */
    public boolean awaitExit(Duration timeout) {
        Process p = process;
        return p == null || waitFor(p, timeout);
    }

    /** Whether the relay logged its clean shutdown ("relay stopped"). */
    public boolean stoppedCleanly() {
        return stopped != null && stopped.getCount() == 0;
    }

    /** The exit code (the process must have exited). */
    public int exitCode() {
        return process.exitValue();
    }

    /** Waits for the process to exit and its output to be copied. */
    private boolean waitFor(Process p, Duration timeout) {
        try {
            boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Thread t = copier;
            if (exited && t != null) {
                t.join(10_000);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public URI ws() {
        return URI.create("ws://127.0.0.1:" + port + "/v1/ws");
    }

    public URI webSocketUri() {
        return ws();
    }

    public String http() {
        return "http://127.0.0.1:" + port;
    }

    /** The last {@code lines} lines of the relay's output (diagnostics). */
    public String tail(int lines) {
        synchronized (lastLines) {
            List<String> all = new ArrayList<>(lastLines);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    /** What the process printed lately (diagnostics). */
    public String output() {
        return tail(KEPT_LINES);
    }

    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return name + " (:" + port + ")";
    }
}
