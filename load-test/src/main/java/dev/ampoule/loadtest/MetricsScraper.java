package dev.ampoule.loadtest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a relay's Prometheus {@code /metrics} (text format) and compares two readings: counters
 * (names ending {@code _total}, {@code _count}, {@code _sum}) as the difference, gauges as the
 * later value. Only the relay's own meters ({@code ampoule_*}) and the process's ({@code process_*})
 * are kept, histogram buckets left out; their tags are low-cardinality by the relay's rules, so no id reaches the report.
 */
final class MetricsScraper {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** The metrics URL of a relay's WebSocket URL: same host and port, {@code /metrics}. */
    static URI metricsUri(URI webSocket) {
        String scheme = webSocket.getScheme().equalsIgnoreCase("wss") ? "https" : "http";
        return URI.create(scheme + "://" + webSocket.getHost() + ":" + Connection.port(webSocket) + "/metrics");
    }

    /** One reading of {@code uri}: sample name with labels → value. Empty when it cannot be read. */
    Map<String, Double> scrape(URI uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? parse(r.body()) : Map.of();
        } catch (IOException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
    }

    /** The samples of a Prometheus text exposition, kept as described above. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#") || !(line.startsWith("ampoule_") || line.startsWith("process_"))
                    || line.contains("_bucket{")) {
                continue;
            }
            int end = nameEnd(line);
            if (end < 0) {
                continue;
            }
            String key = line.substring(0, end);
            String[] rest = line.substring(end).trim().split("\\s+");
            try {
                out.put(key, Double.parseDouble(rest[0]));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return out;
    }

    private static int nameEnd(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        if (brace < 0 || (space >= 0 && space < brace)) {
            return space;
        }
        boolean quoted = false;
        for (int i = brace; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '}' && !quoted) {
                return i + 1;
            }
        }
        return -1;
    }

    /** Counters as {@code after - before}, gauges as {@code after}; zero counter differences left out. */
    static Map<String, Double> compare(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> out = new TreeMap<>();
        after.forEach((key, value) -> {
            String name = key.contains("{") ? key.substring(0, key.indexOf('{')) : key;
            if (name.endsWith("_total") || name.endsWith("_count") || name.endsWith("_sum")) {
                double d = value - before.getOrDefault(key, 0.0);
                if (d != 0) {
                    out.put(key, d);
                }
            } else {
                out.put(key, value);
            }
        });
        return out;
    }
}
