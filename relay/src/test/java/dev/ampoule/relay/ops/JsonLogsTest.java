package dev.ampoule.relay.ops;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.TestDevice;
import dev.ampoule.relay.support.Team;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay process's logs, as an operator's log collector reads them: the relay runs in its own
 * JVM, from a config file, at {@code logLevel: DEBUG}; a team forms, talks, a forged token is
 * tried. Every line of its standard output is one JSON object with the time, level, logger and
 * message; connection events carry the connection's and the device's ids, group events the
 * group's; and no line holds a token, a message's ciphertext or a key.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JsonLogsTest {

    @TempDir
    Path dir;

    @Test
    void theRelayLogsJsonLinesWithIdsAndNoSecret(Vertx vertx, VertxTestContext ctx) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // started from a config file, as in a deployment
        Path config = Files.writeString(dir.resolve("relay.yaml"), "port: " + port + "\ndataDir: "
                + dir.resolve("data") + "\nlogLevel: DEBUG\nlogFormat: json\n");
        Process relay = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.ampoule.relay.Main",
                "run", "--config", config.toString())
                .redirectError(dir.resolve("stderr.txt").toFile()).start();
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        List<String> secrets = new ArrayList<>();
        try {
            awaitLine(lines, "relay listening", 60);
            DevKeys keys = DevKeys.loadOrCreate(dir.resolve("data"));
            List<String> tokens = new ArrayList<>();
            Bytes gid = Bytes.ofHex("a11ce0");
            try (Team team = Team.form((user, device) -> {
                String token = keys.mint(vertx, user, "ampoule-dev", "ampoule-relay", Duration.ofHours(1));
                tokens.add(token);
                return await(TestDevice.connect(vertx, port, token, device));
            }, gid, "alice#phone", "bob#laptop")) {
                for (int i = 0; i < 5; i++) {
                    Frame.SendApplication m = team.member(0).message("blood pressure 120/80, reading " + i);
                    secrets.add(tail(m.message().toArray()));
                    secrets.add(Base64.getEncoder().encodeToString(tailBytes(m.message().toArray())));
                    team.device(0).ok(m);
                    assertTrue(team.member(1).receive(team.device(1).next(Frame.Deliver.class)).isPresent());
                }
                // a refused request and a forged token: logged (DEBUG), without what they carried
                Frame.SendApplication stray = new Frame.SendApplication(Bytes.ofHex("0badc0de"),
                        Bytes.ofHex("feedfacecafebeef00112233445566778899aabbccddeeff"));
                secrets.add(stray.message().hex());
                assertInstanceOf(Frame.Error.class, team.device(0).call(stray));
            }
            // mallory's claims under alice's signature
            String alices = tokens.get(0);
            String mallorys = keys.mint(vertx, "mallory", "ampoule-dev", "ampoule-relay", Duration.ofHours(1));
            String forged = alices.substring(0, alices.indexOf('.')) + mallorys.substring(mallorys.indexOf('.'),
                    mallorys.lastIndexOf('.')) + alices.substring(alices.lastIndexOf('.'));
            TestDevice m = await(TestDevice.open(vertx, port, "/v1/ws"));
            assertInstanceOf(Frame.Error.class, await(m.request(new Frame.Authenticate(forged, "pc"))));
            m.awaitClosed();
            for (String t : tokens) {
                secrets.add(t);
                secrets.add(t.substring(t.lastIndexOf('.') + 1)); // the signature alone
            }
            secrets.add(forged.substring(forged.indexOf('.') + 1, forged.lastIndexOf('.'))); // its claims
            secrets.add(keys.publicJwk().getString("x")); // the development key's public half, for good measure
            awaitLine(lines, "login refused", 30);
        } finally {
            // SIGTERM: the graceful shutdown (through the handle: Process.destroy() would close our end of its output)
            relay.toHandle().destroy();
            assertTrue(relay.waitFor(60, TimeUnit.SECONDS));
        }
        reader.join(10_000);
        List<JsonObject> events = new ArrayList<>();
        synchronized (lines) {
            assertFalse(lines.isEmpty());
            for (String line : lines) {
                try {
                    events.add(new JsonObject(line));
                } catch (DecodeException e) {
                    throw new AssertionError("not one JSON object per line: " + line, e);
                }
                for (String secret : secrets) {
                    assertFalse(line.contains(secret), "a log line carries a token, ciphertext or key: " + line);
                }
            }
        }
        for (JsonObject e : events) {
            for (String field : List.of("time", "level", "logger", "message")) {
                assertTrue(e.getValue(field) instanceof String, field + " in " + e.encode());
            }
            assertEquals("ampoule-relay", e.getString("service"));
        }
        JsonObject auth = events.stream().filter(e -> e.getString("message").equals("device authenticated")
                && "alice#phone".equals(e.getString("device"))).findFirst().orElseThrow(() -> new AssertionError(lines));
        assertTrue(auth.getString("connection").matches("[0-9a-f]{16}"), auth.encode());
        assertTrue(events.stream().anyMatch(e -> e.getString("message").startsWith("request ")
                && e.getString("message").contains("refused") && "alice#phone".equals(e.getString("device"))
                && "0badc0de".equals(e.getString("group"))), "a refused request carries the group it named");
        assertTrue(events.stream().anyMatch(e -> e.getString("message").equals("group created")
                && "a11ce0".equals(e.getString("group")) && e.getString("device") != null
                && e.getString("connection") != null), "the team's group is created, logged with its id");
        assertTrue(events.stream().anyMatch(e -> e.getString("message").equals("relay stopped")),
                () -> "the graceful shutdown is logged: " + lines.subList(Math.max(0, lines.size() - 5), lines.size())
                        + " exit " + relay.exitValue() + " " + stderr());
        assertTrue(events.stream().allMatch(e -> e.fieldNames().stream().allMatch(f -> List.of("time", "level", "logger",
                "message", "thread", "service", "stack_trace", "connection", "device", "group").contains(f))),
                "no field but these, whatever the MDC held");
        ctx.completeNow();
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("stderr.txt"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void awaitLine(List<String> lines, String text, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (lines) {
            while (lines.stream().noneMatch(l -> l.contains(text))) {
                long left = end - System.nanoTime();
                assertTrue(left > 0, "no log line with '" + text + "': " + lines);
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    private static byte[] tailBytes(byte[] b) {
        return java.util.Arrays.copyOfRange(b, Math.max(0, b.length - 24), b.length);
    }

    private static String tail(byte[] b) {
        return HexFormat.of().formatHex(tailBytes(b));
    }
}
