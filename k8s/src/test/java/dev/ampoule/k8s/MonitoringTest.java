package dev.ampoule.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.gateway.RelayVerticle;
import dev.ampoule.relay.ops.RelayMeters;
import dev.ampoule.relay.protocol.Envelope;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import dev.ampoule.relay.support.Poll;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard and the Prometheus alert rules name only metrics a running relay exports:
 * a relay starts here as the command line starts it (Vert.x, JVM and process meters on its
 * registry, metrics on their own port), serves a device, and its {@code /metrics} is read. Also:
 * every {@code ampoule_*} metric it exports is documented in README, and the files are valid.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MonitoringTest {

    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "and", "or", "unless", "bool", "offset", "le", "inf", "nan");

    @TempDir
    Path dir;
    private Vertx vertx;
    private RelayVerticle relay;
    private Set<String> exported;
    private Set<String> families;

    @BeforeEach
    void startRelayAndScrape() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        vertx = RelayMeters.vertx(registry);
        RelayMeters.bindProcess(registry);
        relay = new RelayVerticle(registry, Clock.systemUTC());
        JsonObject config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("metricsPort", 0)
                .put("dataDir", dir.toString());
        await(vertx.deployVerticle(relay, new DeploymentOptions().setConfig(config)));
        // a device logs in; an HTTP request; then the scrape
        String token = DevKeys.loadOrCreate(dir).mint(vertx, "quinn", "ampoule-dev", "ampoule-relay", Duration.ofMinutes(5));
        WebSocketClient ws = vertx.createWebSocketClient();
        WebSocket socket = await(ws.connect(relay.actualPort(), "127.0.0.1", "/v1/ws"));
        Promise<Frame> answer = Promise.promise();
        socket.binaryMessageHandler(b -> {
            Envelope e = FrameCodec.decode(b.getBytes(), 1 << 20);
            answer.tryComplete(e.frame());
        });
        await(socket.writeBinaryMessage(Buffer.buffer(FrameCodec.encode(1, new Frame.Authenticate(token, "tablet")))));
        assertInstanceOf(Frame.Ok.class, await(answer.future()));
        // the JVM's GC meters appear with the first collection, which any running relay has had
        System.gc();
        // (its notification comes asynchronously)
        Poll.until("the first GC pause is metered", Duration.ofSeconds(60),
                () -> registry.find("jvm.gc.pause").timer() != null);
        HttpClient http = vertx.createHttpClient();
        assertEquals(404, (int) await(http.request(HttpMethod.GET, relay.actualPort(), "127.0.0.1", "/metrics")
                .compose(r -> r.send()).map(r -> r.statusCode())), "with metricsPort, no metrics on the client port");
        String text = await(http.request(HttpMethod.GET, relay.metricsPort(), "127.0.0.1", "/metrics")
                .compose(r -> r.send()).compose(r -> r.body()).map(Buffer::toString));
        await(socket.close());
        exported = new TreeSet<>();
        families = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                families.add(line.split(" ")[2]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                exported.add(line.split("[{ ]")[0]);
            }
        }
    }

    @AfterEach
    void stop() {
        if (vertx != null) {
            await(vertx.close());
        }
    }

    @Test
    void theRelayExportsItsJvmProcessAndVertxMeters() {
        for (String name : List.of("ampoule_connections", "ampoule_fanout_latency_seconds_bucket", "ampoule_ready",
                "jvm_memory_used_bytes", "jvm_gc_pause_seconds_count", "process_cpu_usage", "process_uptime_seconds",
                "process_files_open_files", "vertx_http_server_active_connections", "vertx_http_server_requests_total")) {
            assertTrue(exported.contains(name), name + " in " + exported);
        }
        for (String name : exported) {
            assertTrue(name.matches("(ampoule|jvm|process|system|vertx)_[a-z0-9_]+"), "a consistent prefix: " + name);
        }
    }

    @Test
    void theAlertRulesNameOnlyExportedMetrics() {
        JsonNode rules = Kustomize.read(Manifests.K8sDir.path().resolve("monitoring/ampoule-alerts.yaml")).get(0);
        int count = 0;
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                assertTrue(alerts.add(rule.get("alert").asText()), "alert names are unique");
                assertTrue(rule.get("labels").hasNonNull("severity"));
                assertTrue(rule.get("annotations").hasNonNull("summary"));
                assertKnown(rule.get("expr").asText(), "alert " + rule.get("alert").asText());
                count++;
            }
        }
        // error ratio, p99 latency, readiness, disk at the least
        assertTrue(alerts.containsAll(List.of("AmpouleRelayErrorRatioHigh", "AmpouleRelayFanoutLatencyHigh",
                "AmpouleRelayNotReady", "AmpouleRelayDiskFillingUp")), alerts.toString());
        assertTrue(count >= 4);
    }

    @Test
    void theDashboardNamesOnlyExportedMetrics() throws Exception {
        JsonNode dash = Kustomize.JSON.readTree(Files.readString(Manifests.K8sDir.path()
                .resolve("monitoring/ampoule-dashboard.json")));
        List<String> titles = new ArrayList<>();
        for (JsonNode panel : dash.get("panels")) {
            titles.add(panel.get("title").asText());
            assertFalse(panel.get("targets").isEmpty(), panel.get("title").asText());
            for (JsonNode target : panel.get("targets")) {
                assertKnown(target.get("expr").asText(), "panel " + panel.get("title").asText());
            }
        }
        for (JsonNode variable : dash.get("templating").get("list")) {
            Matcher m = Pattern.compile("label_values\\((\\w+)").matcher(variable.path("query").asText());
            while (m.find()) {
                assertTrue(exported.contains(m.group(1)), m.group(1));
            }
        }
        String all = String.join(" | ", titles).toLowerCase();
        for (String subject : List.of("connections", "messages", "latency", "rejections", "store", "jvm")) {
            assertTrue(all.contains(subject), "a panel of " + subject + ": " + all);
        }
    }

    @Test
    void everyAmpouleMetricIsDocumentedInReadme() throws Exception {
        String readme = Files.readString(Manifests.K8sDir.path().resolve("../README.md"));
        for (String family : families) {
            if (family.startsWith("ampoule_")) {
                assertTrue(readme.contains("`" + family), family + " is documented in README (Operations, Metrics)");
            }
        }
    }

    private void assertKnown(String expr, String where) {
        Set<String> names = metricNames(expr);
        assertFalse(names.isEmpty(), where + " names no metric: " + expr);
        for (String name : names) {
            assertTrue(exported.contains(name), where + " names " + name + ", which the relay does not export");
        }
    }

    /** The metric names in a PromQL expression: identifiers that are no function, keyword, label or variable. */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"").replaceAll("'(?:[^'\\\\]|\\\\.)*'", "''");
        s = s.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
        s = s.replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        s = s.replaceAll("\\$\\{?\\w+}?", " ");
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![0-9.a-zA-Z_:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(s);
        while (m.find()) {
            if (m.group(2) == null && !PROMQL_WORDS.contains(m.group(1).toLowerCase())) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    @Test
    void metricNamesAreFoundInPromql() {
        assertEquals(Set.of("a_total", "b_bucket"), metricNames(
                "sum by (code) (rate(a_total{code=~\"X|Y\"}[5m])) / histogram_quantile(0.99, sum by (le) (rate(b_bucket[$__rate_interval]))) > 1e-9"));
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
