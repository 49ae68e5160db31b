package dev.ampoule.mls.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Node.js process around ts-mls (interop/ts-mls-driver/driver.mjs): one JSON request per line
 * on its stdin, one JSON response per line on its stdout. Started once per test JVM, after
 * {@code npm ci} installed the pinned ts-mls in the driver directory; closed when the JUnit root
 * context closes.
 */
final class TsMlsDriver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();
    private static final long ANSWER_TIMEOUT_SECONDS = 120;
    private static final long NPM_CI_TIMEOUT_MINUTES = 10;
    private static final JsonNode EOF = JSON.createObjectNode();

    private final Process process;
    private final BufferedWriter requests;
    private final BlockingQueue<JsonNode> responses = new LinkedBlockingQueue<>();
    private final String tsMlsVersion;
    private long nextId = 1;

    private static volatile DriverError startFailure;
    private final Map<Integer, String> unsupportedSuites = new TreeMap<>();

    /** The driver of this test run, started on first use (a failed start is not retried). */
    static TsMlsDriver shared(ExtensionContext context) {
        if (startFailure != null) {
            throw startFailure;
        }
        try {
            return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .getOrComputeIfAbsent(TsMlsDriver.class, k -> start(), TsMlsDriver.class);
        } catch (DriverError e) {
            startFailure = e;
            throw e;
        }
    }

    private static TsMlsDriver start() {
        Path dir = Path.of(System.getProperty("interop.driver.dir", "ts-mls-driver")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("package-lock.json"))) {
            throw new DriverError("no ts-mls driver at " + dir + " (set -Dinterop.driver.dir)");
        }
        requireTool(List.of(executable("node"), "--version"), "Node.js (node)");
        requireTool(List.of(executable("npm"), "--version"), "npm");
        npmCi(dir);
        try {
            return new TsMlsDriver(dir);
        } catch (IOException e) {
            throw new DriverError("cannot start the ts-mls driver in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String executable(String name) {
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        return windows && name.equals("npm") ? "npm.cmd" : name;
    }

    private static void requireTool(List<String> command, String what) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new DriverError(what + " is installed but `" + String.join(" ", command) + "` failed");
            }
        } catch (IOException e) {
            throw new DriverError("The ts-mls interop suite needs " + what + " on the PATH (Node.js 20 or newer"
                    + " with npm): `" + command.get(0) + "` was not found. Install Node.js, or run the other"
                    + " modules' tests only (see README.md).", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverError("interrupted while checking for " + what, e);
        }
    }

    /** {@code npm ci}: installs exactly the versions of package-lock.json into the driver directory. */
    private static void npmCi(Path dir) {
        List<String> command = List.of(executable("npm"), "ci", "--no-audit", "--no-fund", "--prefer-offline");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(NPM_CI_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new DriverError("`npm ci` in " + dir + " did not finish in " + NPM_CI_TIMEOUT_MINUTES
                        + " minutes");
            }
            if (p.exitValue() != 0) {
                throw new DriverError("`npm ci` in " + dir + " failed (exit " + p.exitValue() + "):\n"
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new DriverError("cannot run `npm ci` in " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverError("interrupted during `npm ci`", e);
        }
    }

    private TsMlsDriver(Path dir) throws IOException {
        this.tsMlsVersion = JSON.readTree(dir.resolve("node_modules/ts-mls/package.json").toFile())
                .path("version").asText("?");
        this.process = new ProcessBuilder(executable("node"), "driver.mjs")
                .directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(this::readResponses, "ts-mls-driver-stdout");
        reader.setDaemon(true);
        reader.start();
        request("suites").call().json().path("unsupported")
                .properties().forEach(e -> unsupportedSuites.put(Integer.parseInt(e.getKey()), e.getValue().asText()));
    }

    /** Why ts-mls cannot run {@code suite} here, or empty when it can. */
    Optional<String> unsupported(int suite) {
        if (suite < 1 || suite > 7) {
            return Optional.of("not one of the RFC 9420 suites");
        }
        return Optional.ofNullable(unsupportedSuites.get(suite));
    }

    private void readResponses() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isBlank()) {
                    responses.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            // The process went away; the waiting call reports it.
        }
        responses.add(EOF);
    }

    /** The installed ts-mls version (from node_modules, i.e. as pinned by package-lock.json). */
    String tsMlsVersion() {
        return tsMlsVersion;
    }

    /** A request for {@code op}; fill in its arguments and {@link Request#call()} it. */
    Request request(String op) {
        return new Request(op);
    }

    /** One request to the driver. */
    final class Request {
        private final ObjectNode body = JSON.createObjectNode();

        private Request(String op) {
            body.put("op", op);
        }

        Request put(String key, String value) {
            body.put(key, value);
            return this;
        }

        Request put(String key, long value) {
            body.put(key, value);
            return this;
        }

        Request put(String key, boolean value) {
            body.put(key, value);
            return this;
        }

        Request put(String key, byte[] value) {
            body.put(key, HEX.formatHex(value));
            return this;
        }

        Request putHexList(String key, List<byte[]> values) {
            var array = body.putArray(key);
            values.forEach(v -> array.add(HEX.formatHex(v)));
            return this;
        }

        Request putIntList(String key, List<Integer> values) {
            var array = body.putArray(key);
            values.forEach(array::add);
            return this;
        }

        Request putObjects(String key, List<ObjectNode> values) {
            body.putArray(key).addAll(values);
            return this;
        }

        /** Sends the request and returns its result. @throws TsMlsError when ts-mls refused */
        Response call() {
            synchronized (TsMlsDriver.this) {
                long id = nextId++;
                body.put("id", id);
                try {
                    requests.write(JSON.writeValueAsString(body));
                    requests.newLine();
                    requests.flush();
                    JsonNode answer = responses.poll(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    if (answer == null || answer == EOF) {
                        throw new DriverError("the ts-mls driver " + (answer == null ? "did not answer " : "exited on ")
                                + body.get("op").asText());
                    }
                    if (answer.path("id").asLong() != id) {
                        throw new DriverError("out-of-order answer from the ts-mls driver: " + answer);
                    }
                    if (!answer.path("ok").asBoolean()) {
                        throw new TsMlsError(body.get("op").asText(), answer.path("error").asText());
                    }
                    return new Response(answer.path("result"));
                } catch (IOException e) {
                    throw new DriverError("lost the ts-mls driver: " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new DriverError("interrupted waiting for the ts-mls driver", e);
                }
            }
        }
    }

    /** A driver result. */
    record Response(JsonNode json) {
        byte[] bytes(String key) {
            return HEX.parseHex(json.path(key).asText());
        }

        boolean has(String key) {
            return json.hasNonNull(key);
        }

        long number(String key) {
            return json.path(key).asLong();
        }

        String text(String key) {
            return json.path(key).asText();
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    @Override
    public void close() {
        try {
            requests.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (IOException e) {
            process.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }

    /** ts-mls refused an operation; the message is ts-mls's error (name and text). */
    static final class TsMlsError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TsMlsError(String op, String error) {
            super("ts-mls " + op + ": " + error);
        }
    }

    /** The driver could not be installed, started or reached. */
    static final class DriverError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DriverError(String message) {
            super(message);
        }

        DriverError(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
