package dev.ampoule.loadtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The report a person reads: one self-contained HTML file (inline CSS and SVG, no script) with
 * the verdict, the headline figures side by side for the relay and the ceiling, throughput and
 * latency over time, the latency percentile curves, errors, the relay's metrics and the settings.
 */
final class HtmlReport {

    private static final String RELAY = "#1f6fb2";
    private static final String RELAY_2 = "#7fb3e0";
    private static final String CEILING = "#d9822b";
    private static final String MAX = "#b03a48";

    private HtmlReport() {
    }

    static void write(LoadReport r, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, render(r), StandardCharsets.UTF_8);
    }

    static String render(LoadReport r) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ampoule load test</title><style>")
                .append("body{font-family:sans-serif;margin:24px;max-width:960px;color:#222}")
                .append("table{border-collapse:collapse;margin:8px 0 20px;font-size:13px}td,th{border:1px solid #ccc;padding:4px 10px;")
                .append("text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}")
                .append(".ok{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}")
                .append("code{background:#f4f4f4;padding:1px 4px}</style></head><body>");
        h.append("<h1>Ampoule load test</h1><p>Started ").append(esc(r.started())).append(". ");
        boolean churn = r.relay() != null && r.relay().churn().scheduled() > 0;
        h.append(r.verified() ? "<span class=\"ok\">Delivery verified</span>: every accepted message reached every device "
                + (churn ? "that was a member of its team's group when it was sequenced (and no other) " : "of its team ")
                + "once, in order."
                : "<span class=\"fail\">Delivery verification FAILED</span> (see below).");
        h.append("</p>");
        if (r.ceilingRatio() != null) {
            h.append(String.format(Locale.ROOT, "<p>The relay delivered <b>%.1f %%</b> of the ceiling's rate at the same "
                    + "offered load; its p99 latency was %.1f× the ceiling's. (While both keep up with the offered "
                    + "rate, the rate ratio stays near 100 %%: capacities compare by raising <code>--rate</code> "
                    + "until the relay falls behind.)</p>", 100 * r.ceilingRatio(),
                    r.p99Ratio() == null ? Double.NaN : r.p99Ratio()));
        }
        List<RunReport> runs = new ArrayList<>();
        if (r.relay() != null) {
            runs.add(r.relay());
        }
        if (r.ceiling() != null) {
            runs.add(r.ceiling());
        }
        figures(h, runs);
        charts(h, r, runs);
        for (RunReport run : runs) {
            verification(h, run);
        }
        errors(h, runs);
        if (r.relay() != null && !r.relay().relayMetrics().isEmpty()) {
            h.append("<h2>Relay metrics (counters: change during the run; gauges: at the end)</h2><table><tr><th>metric</th>"
                    + "<th>value</th></tr>");
            r.relay().relayMetrics().forEach((k, v) -> {
                if (k.startsWith("ampoule_")) {
                    h.append("<tr><td><code>").append(esc(k)).append("</code></td><td>").append(num(v)).append("</td></tr>");
                }
            });
            h.append("</table>");
        }
        h.append("<h2>Settings</h2>");
        table(h, r.settings());
        h.append("<h2>Machine</h2>");
        table(h, r.machine());
        return h.append("</body></html>").toString();
    }

    private static void figures(StringBuilder h, List<RunReport> runs) {
        h.append("<h2>Figures (measured window)</h2><table><tr><th></th>");
        runs.forEach(run -> h.append("<th>").append(esc(run.name())).append("</th>"));
        h.append("</tr>");
        row(h, runs, "sent / s", RunReport::sentPerSecond);
        row(h, runs, "delivered / s", RunReport::deliveredPerSecond);
        row(h, runs, "latency p50 (ms)", run -> run.latency().p50());
        row(h, runs, "latency p90 (ms)", run -> run.latency().p90());
        row(h, runs, "latency p99 (ms)", run -> run.latency().p99());
        row(h, runs, "latency p99.9 (ms)", run -> run.latency().p999());
        row(h, runs, "latency max (ms)", run -> run.latency().max());
        row(h, runs, "deliveries timed", run -> run.latency().count());
        row(h, runs, "catch-up deliveries (after offline)", run -> run.catchUpLatency().count());
        row(h, runs, "catch-up latency p99 (ms)", run -> run.catchUpLatency().p99());
        row(h, runs, "connections", run -> run.setup().connections());
        row(h, runs, "connection setup / s", run -> run.setup().connectionsPerSecond());
        row(h, runs, "connect + login p99 (ms)", run -> run.setup().connectLatency().p99());
        row(h, runs, "reconnections", run -> run.setup().reconnections());
        if (runs.stream().anyMatch(run -> run.churn().scheduled() > 0)) {
            row(h, runs, "membership changes scheduled (whole run)", run -> run.churn().scheduled());
            row(h, runs, "membership changes done", run -> run.churn().done());
            row(h, runs, "… removes", run -> run.churn().removes());
            row(h, runs, "… adds (joined)", run -> run.churn().adds());
            row(h, runs, "membership changes failed", run -> run.churn().failedCount());
            row(h, runs, "commit → Ok p50 (ms)", run -> run.churn().commitLatency().p50());
            row(h, runs, "commit → Ok p99 (ms)", run -> run.churn().commitLatency().p99());
            row(h, runs, "add → joined p50 (ms)", run -> run.churn().joinLatency().p50());
            row(h, runs, "add → joined p99 (ms)", run -> run.churn().joinLatency().p99());
            if (runs.stream().anyMatch(run -> run.churn().rosterCallLatency().count() > 0)) {
                row(h, runs, "roster call → answered p50 (ms)", run -> run.churn().rosterCallLatency().p50());
                row(h, runs, "roster call → answered p99 (ms)", run -> run.churn().rosterCallLatency().p99());
                row(h, runs, "roster call → relay's proposals at the committer p99 (ms)",
                        run -> run.churn().proposedLatency().p99());
            }
            row(h, runs, "messages sent again after a Commit", run -> run.churn().resent().values().stream()
                    .mapToLong(Long::longValue).sum());
        }
        row(h, runs, "messages sent (whole run)", run -> run.totals().sent());
        row(h, runs, "accepted", run -> run.totals().accepted());
        row(h, runs, "refused", run -> run.totals().rejected());
        row(h, runs, "generator send lag p99 (ms)", run -> run.sendLag().p99());
        row(h, runs, "generator send lag max (ms)", run -> run.sendLag().max());
        row(h, runs, "generator CPU (cores)", run -> run.cpu().generatorCores());
        row(h, runs, "server CPU (cores)", run -> run.cpu().serverCores() == null ? Double.NaN : run.cpu().serverCores());
        h.append("</table>");
    }

    private static void row(StringBuilder h, List<RunReport> runs, String label, ToDoubleFunction<RunReport> f) {
        h.append("<tr><td>").append(esc(label)).append("</td>");
        runs.forEach(run -> h.append("<td>").append(num(f.applyAsDouble(run))).append("</td>"));
        h.append("</tr>");
    }

    private static void charts(StringBuilder h, LoadReport r, List<RunReport> runs) {
        double warmup = ((Number) r.settings().getOrDefault("warmupSeconds", 0)).doubleValue();
        SvgChart throughput = new SvgChart("Throughput", "seconds since the start", "messages / s", false);
        SvgChart latency = new SvgChart("Latency per second (intended send → delivery)", "seconds since the start", "ms",
                true);
        for (RunReport run : runs) {
            boolean relay = run.name().equals("relay");
            String c = relay ? RELAY : CEILING;
            throughput.add(new SvgChart.Series(run.name() + " delivered/s", c, series(run, p -> p.deliveredPerSecond())));
            throughput.add(new SvgChart.Series(run.name() + " sent/s", relay ? RELAY_2 : "#f0b27a",
                    series(run, p -> p.sentPerSecond())));
            latency.add(new SvgChart.Series(run.name() + " p99", c, series(run, Sampler.Point::p99Ms)));
            latency.add(new SvgChart.Series(run.name() + " p50", relay ? RELAY_2 : "#f0b27a", series(run, Sampler.Point::p50Ms)));
            if (relay) {
                latency.add(new SvgChart.Series("relay max", MAX, series(run, Sampler.Point::maxMs)));
            }
        }
        if (warmup > 0) {
            throughput.shade(0, warmup, "warm-up");
            latency.shade(0, warmup, "warm-up");
        }
        h.append("<h2>Over time</h2>").append(throughput.render()).append(latency.render());
        SvgChart curve = new SvgChart("Latency by percentile (measured window)", "percentile", "ms", true)
                .xTicks(new double[] {0, 1, 2, 3, 4, 5}, v -> {
                    double p = 100 * (1 - Math.pow(10, -v));
                    return v == 0 ? "0%" : p >= 99 ? String.format(Locale.ROOT, "%s%%", trim(p)) : String.format(Locale.ROOT, "%.0f%%", p);
                });
        for (RunReport run : runs) {
            List<double[]> pts = new ArrayList<>();
            for (double[] p : run.latency().percentileCurve()) {
                double frac = Math.min(p[0], 99.9999) / 100;
                pts.add(new double[] {-Math.log10(1 - frac), p[1]});
            }
            curve.add(new SvgChart.Series(run.name(), run.name().equals("relay") ? RELAY : CEILING, pts));
        }
        h.append(curve.render());
    }

    private static String trim(double p) {
        String s = String.format(Locale.ROOT, "%.4f", p);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static List<double[]> series(RunReport run, ToDoubleFunction<Sampler.Point> f) {
        List<double[]> out = new ArrayList<>();
        for (Sampler.Point p : run.series()) {
            out.add(new double[] {p.t(), f.applyAsDouble(p)});
        }
        return out;
    }

    private static void verification(StringBuilder h, RunReport run) {
        DeliveryVerifier.Verdict v = run.verification();
        h.append("<h2>Verification: ").append(esc(run.name())).append(" — ")
                .append(v.passed() ? "<span class=\"ok\">passed</span>" : "<span class=\"fail\">FAILED</span>")
                .append("</h2><table><tr><th>sequenced</th><th>deliveries owed</th><th>lost</th><th>duplicated</th>"
                        + "<th>misordered</th><th>mismatched</th><th>misrouted</th><th>corrupt</th><th>undecryptable</th>"
                        + "<th>redelivered (allowed)</th></tr><tr>");
        for (long n : new long[] {v.sequenced(), v.expectedDeliveries(), v.lost(), v.duplicated(), v.misordered(),
                v.mismatched(), v.misrouted(), v.corrupt(), v.undecryptable(), v.redelivered()}) {
            h.append("<td>").append(num(n)).append("</td>");
        }
        h.append("</tr></table>");
        if (!run.drained()) {
            h.append("<p class=\"fail\">Not every delivery arrived within the drain time: what was missing then counts "
                    + "as lost (the server may only have been too slow).</p>");
        }
        if (!v.examples().isEmpty()) {
            h.append("<ul>");
            v.examples().forEach(e -> h.append("<li>").append(esc(e)).append("</li>"));
            h.append("</ul>");
        }
    }

    private static void errors(StringBuilder h, List<RunReport> runs) {
        h.append("<h2>Errors</h2>");
        boolean any = false;
        for (RunReport run : runs) {
            if (!run.errors().isEmpty()) {
                any = true;
                h.append("<p>").append(esc(run.name())).append(":</p>");
                table(h, Map.copyOf(run.errors()));
            }
        }
        for (RunReport run : runs) {
            if (!run.churn().failed().isEmpty()) {
                any = true;
                h.append("<p>").append(esc(run.name())).append(", membership changes that failed:</p>");
                table(h, Map.copyOf(run.churn().failed()));
            }
        }
        if (!any) {
            h.append("<p>None.</p>");
        }
    }

    private static void table(StringBuilder h, Map<String, ?> m) {
        h.append("<table>");
        new java.util.TreeMap<>(m).forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>")
                .append(v instanceof Number n ? num(n.doubleValue()) : esc(String.valueOf(v))).append("</td></tr>"));
        h.append("</table>");
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
                : Math.abs(v) >= 1 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
