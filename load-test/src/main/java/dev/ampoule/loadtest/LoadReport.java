package dev.ampoule.loadtest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything one invocation measured: the settings, the machine, the run against the relay and,
 * with {@code --ceiling}, the run against the ceiling server and the ratios between them. Written as
 * the JSON summary ({@link #writeJson}); {@link HtmlReport} draws the same figures.
 *
 * @param settings the workload as given
 * @param machine processors, load average before and after, the JVM
 * @param ceilingRatio the relay's measured delivery rate over the ceiling's, when both ran
 * @param verified every run verified its deliveries
 */
record LoadReport(String tool, String started, Map<String, Object> settings, Map<String, Object> machine,
        RunReport relay, RunReport ceiling, Double ceilingRatio, Double p99Ratio, boolean verified) {

    static LoadReport of(String started, Map<String, Object> settings, Map<String, Object> machine, RunReport relay,
            RunReport ceiling) {
        Double ratio = null;
        Double p99 = null;
        if (relay != null && ceiling != null && ceiling.deliveredPerSecond() > 0) {
            ratio = relay.deliveredPerSecond() / ceiling.deliveredPerSecond();
            p99 = ceiling.latency().p99() > 0 ? relay.latency().p99() / ceiling.latency().p99() : null;
        }
        boolean ok = (relay == null || relay.verified()) && (ceiling == null || ceiling.verified());
        return new LoadReport("ampoule-load-test", started, settings, machine, relay, ceiling, ratio, p99, ok);
    }

    void writeJson(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }
}
