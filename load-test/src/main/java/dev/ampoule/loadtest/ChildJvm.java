package dev.ampoule.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A server in its own JVM on a loopback port — the relay ({@code relay/target/ampoule-relay.jar})
 * or the ceiling server — so that the generator never shares the measured process's heap, threads
 * or garbage collector. Started with the same {@code java} as the generator, its output in a log
 * file; ready once {@code GET /ready} answers 200; stopped with SIGTERM (graceful), then killed if
 * it has not exited within 30 s.
 */
final class ChildJvm implements AutoCloseable {

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;

    private ChildJvm(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts {@code java <jvmOptions> <mainArgs>} and waits (at most {@code timeout}) until it is ready on {@code port}. */
    static ChildJvm start(String name, List<String> jvmOptions, List<String> mainArgs, int port, Path log, Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        command.addAll(jvmOptions);
        command.addAll(mainArgs);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new Population.SetupException("cannot start the " + name + ": " + e.getMessage(), e);
        }
        ChildJvm child = new ChildJvm(name, p, port, log);
        child.awaitReady(timeout);
        return child;
    }

    static String javaCommand() {
        Optional<String> current = ProcessHandle.current().info().command();
        return current.orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI ready = URI.create("http://127.0.0.1:" + port + "/ready");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new Population.SetupException("the " + name + " exited with status " + process.exitValue()
                        + " while starting; its output is in " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
        throw new Population.SetupException("the " + name + " was not ready within " + timeout.toSeconds()
                + " s; its output is in " + log);
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** CPU time the process has used so far (user + system), in seconds; NaN where the platform does not tell. */
    double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
