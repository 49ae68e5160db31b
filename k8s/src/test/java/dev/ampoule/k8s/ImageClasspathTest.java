package dev.ampoule.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The image's classpath — this module's runtime scope, which is what Jib puts in {@code /app/libs}
 * (written by the build to {@code target/image-classpath.txt}) — runs the relay: {@code check-config}
 * reads each overlay's config file and environment, {@code run} refuses a misspelled key before it
 * starts and starts a relay that logs JSON and answers {@code /ready}. A library the relay needs at run time but that reaches this module
 * only at test scope (as the YAML reader once did) fails here, not in a pod.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ImageClasspathTest {

    @TempDir
    Path tmp;

    private static String classpath() throws IOException {
        String libs = Files.readString(Path.of(System.getProperty("image.classpath.file"))).trim();
        return System.getProperty("image.classes.dir") + java.io.File.pathSeparator + libs;
    }

    private ProcessBuilder relay(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath(), "dev.ampoule.relay.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("AMPOULE_"));
        pb.environment().putAll(env);
        return pb;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void checkConfigReadsEachOverlaysConfiguration(String overlay) throws Exception {
        Map<String, String> env = new ManifestConsistencyTest.PodConfig(Manifests.overlay(overlay), overlay, tmp).env();
        Process p = relay(env, "check-config").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("store: postgresql"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("metricsPort: 9090") && l.endsWith("# config file")), out);
    }

    @Test
    void aMisspelledKeyStopsTheRelayBeforeItStarts() throws Exception {
        Path config = Files.writeString(tmp.resolve("relay.yaml"), "dataDir: " + tmp.resolve("data")
                + "\nmaxFrameByte: 65536\n");
        Process p = relay(Map.of(), "run", "--config", config.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("unknown setting 'maxFrameByte' in " + config + " (did you mean 'maxFrameBytes'?)"), out);
        assertTrue(Files.notExists(tmp.resolve("data")), "nothing was started or written");
    }

    @Test
    void runStartsARelayThatLogsJsonAndIsReady() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path config = Files.writeString(tmp.resolve("relay.yaml"), "port: " + port + "\ndataDir: " + tmp.resolve("data")
                + "\nlogFormat: json\nlogLevel: INFO\n");
        Process relay = relay(Map.of(), "run", "--config", config.toString())
                .redirectError(tmp.resolve("stderr.txt").toFile()).start();
        // not closed before the relay stops: it still writes its shutdown to this pipe
        BufferedReader r = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8));
        try {
            String listening = null;
            for (String line; listening == null && (line = r.readLine()) != null;) {
                assertTrue(line.startsWith("{") && line.endsWith("}"), "one JSON object per line: " + line);
                if (line.contains("relay listening")) {
                    listening = line;
                }
            }
            assertTrue(listening != null, () -> "the relay started: " + stderr());
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
        } finally {
            relay.toHandle().destroy(); // SIGTERM: the graceful shutdown
            r.transferTo(java.io.Writer.nullWriter());
            assertTrue(relay.waitFor(60, TimeUnit.SECONDS));
            r.close();
        }
    }

    private String stderr() {
        try {
            return Files.readString(tmp.resolve("stderr.txt"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
