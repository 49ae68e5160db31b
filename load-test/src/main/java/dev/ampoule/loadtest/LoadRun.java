package dev.ampoule.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One run of a workload against one target (the relay, or the ceiling server): form the teams,
 * prepare the messages (relay-only mode), send on schedule while devices go offline and come back,
 * drain, verify, and gather the figures.
 */
final class LoadRun {

    /** What the run is pointed at. */
    enum Kind {
        /** A relay: teams formed through it, its {@code /metrics} read before and after. */
        RELAY,
        /** The ceiling server: teams formed in memory, connections subscribe to their group. */
        CEILING
    }

    private final String name;
    private final Workload w;
    private final Kind kind;
    private final Function<String, String> tokens;
    private final Optional<ChildJvm> server;
    private final PrintStream out;

    LoadRun(String name, Workload w, Kind kind, Function<String, String> tokens, Optional<ChildJvm> server, PrintStream out) {
        this.name = name;
        this.w = w;
        this.kind = kind;
        this.tokens = tokens;
        this.server = server;
        this.out = out;
    }

    RunReport run() {
        Duration setupTimeout = Duration.ofSeconds(Math.max(120, w.devices() / 5));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(w.eventLoops()).setPreferNativeTransport(true)
                .setBlockedThreadCheckInterval(60).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxConnections(w.devices() + 16)
                .setMaxFrameSize(Connection.MAX_FRAME_BYTES)
                .setMaxMessageSize(Connection.MAX_FRAME_BYTES)
                .setConnectTimeout(30_000));
        LoadContext run = new LoadContext(w, tokens, kind == Kind.CEILING);
        Population pop = new Population(w, vertx, client, run);
        RosterAdmin admin = null;
        try {
            out.printf("[%s] setting up %d teams, %d connections to %s%n", name, w.teams(), w.devices(), w.targets());
            admin = kind == Kind.RELAY && w.careTeams() ? new RosterAdmin(vertx, w.targets().get(0), w.teams()) : null;
            TeamSetup.Result setup = admin != null
                    ? TeamSetup.careTeamsOverRelay(w, vertx, pop, admin, tokens, setupTimeout)
                    : kind == Kind.RELAY ? TeamSetup.overRelay(w, vertx, pop, setupTimeout)
                    : TeamSetup.locally(w, pop, setupTimeout);
            out.printf(Locale.ROOT, "[%s] %d connections in %.1f s (%.0f/s); teams formed%n", name, setup.connections(),
                    setup.connectSeconds(), setup.connections() / setup.connectSeconds());
            Churn churn = new Churn(pop, run, vertx, setup.careTeamIds(), Optional.ofNullable(admin));
            List<DeliveryVerifier.Ledger> ledgers = new ArrayList<>();
            for (int t = 0; t < pop.teams.size(); t++) {
                ledgers.add(run.verifier.ledger(t, setup.bases()[t]));
            }
            Population.each(pop.devices, 1024, setupTimeout, d -> {
                DeliveryVerifier.Stream s = run.verifier.stream(d.index, ledgers.get(d.team));
                return d.on(() -> {
                    d.startLoad(s);
                    return Future.succeededFuture();
                });
            });
            if (w.mode() == Mode.RELAY_ONLY) {
                prepare(pop, run);
            }
            MetricsScraper scraper = new MetricsScraper();
            Map<URI, Map<String, Double>> before = kind == Kind.RELAY ? scrape(scraper) : Map.of();
            double cpu0 = processCpuSeconds();
            double server0 = server.map(ChildJvm::cpuSeconds).orElse(Double.NaN);
            long wall0 = System.nanoTime();

            long start = System.nanoTime() + 200_000_000L;
            run.start(start);
            OpenLoopScheduler scheduler = new OpenLoopScheduler(pop, run);
            LongSupplier pending = () -> scheduler.dispatched() - run.stats.notSent.sum() - run.stats.accepted.sum()
                    - run.stats.rejected.sum() - run.stats.unanswered.sum();
            Sampler sampler = new Sampler(name, run, start, pending, out);
            Thread samplerThread = Thread.ofPlatform().name("load-sampler").daemon().start(sampler);
            startCycling(pop);
            Thread schedulerThread = Thread.ofPlatform().name("load-scheduler").daemon().start(scheduler);
            Thread churnThread = w.totalChurn() > 0 ? Thread.ofPlatform().name("load-churn").daemon().start(churn) : null;
            if (churnThread != null) {
                out.printf(Locale.ROOT, "[%s] churn: %d membership changes over %d teams, %.1f a minute%n", name,
                        w.totalChurn(), churn.teams(), w.churnPerMinute());
            }
            join(schedulerThread, w.warmup().plus(w.duration()).plusMinutes(5));
            if (churnThread != null) {
                join(churnThread, Duration.ofMinutes(1));
                churn.stop();
            }
            Population.each(pop.devices.stream().filter(d -> d.reconnecting).toList(), 64, setupTimeout,
                    d -> d.on(d::stopCycling));
            boolean drained = drain(run, pending, churn);
            pop.devices.forEach(d -> d.on(() -> {
                d.flushAck();
                return Future.succeededFuture();
            }));
            sampler.awaitSecond(sampler.endSeconds() + 1, 10_000);
            sampler.stop();
            join(samplerThread, Duration.ofSeconds(5));
            double wall = (System.nanoTime() - wall0) / 1e9;
            double cpu = processCpuSeconds() - cpu0;
            Double serverCpu = server.map(s -> s.cpuSeconds() - server0).filter(v -> !v.isNaN()).orElse(null);
            Map<String, Double> metrics = new HashMap<>();
            if (kind == Kind.RELAY) {
                Map<URI, Map<String, Double>> after = scrape(scraper);
                for (URI u : after.keySet()) {
                    String prefix = w.targets().size() > 1 ? u.getHost() + ":" + u.getPort() + " " : "";
                    MetricsScraper.compare(before.getOrDefault(u, Map.of()), after.get(u))
                            .forEach((k, v) -> metrics.put(prefix + k, v));
                }
            }
            Population.each(pop.devices, 1024, Duration.ofSeconds(60), d -> d.on(d::close));
            DeliveryVerifier.Verdict verdict = run.verifier.finish();
            if (!drained) {
                out.printf("[%s] not every delivery arrived within the drain time (%d s)%n", name,
                        w.drainTimeout().toSeconds());
            }
            return new RunReport(name, w.targets().stream().map(URI::toString).toList(),
                    new RunReport.Setup(setup.connections(), setup.connectSeconds(),
                            setup.connections() / setup.connectSeconds(), RunReport.Latency.of(run.stats.connectMicros()),
                            run.stats.reconnections.sum(), RunReport.Latency.of(run.stats.reconnectMicros())),
                    new RunReport.Totals(w.totalMessages(), run.stats.sent.sum(), run.stats.accepted.sum(),
                            run.stats.rejected.sum(), run.stats.unanswered.sum(), run.stats.delivered.sum()),
                    sampler.measuredSentRate(), sampler.measuredDeliveredRate(),
                    RunReport.Latency.of(run.latency.liveTotal()), RunReport.Latency.of(run.latency.catchUpTotal()),
                    RunReport.Latency.of(run.latency.sendLag()),
                    run.stats.errors(), verdict, verdict.passed(), drained,
                    new RunReport.Cpu(wall, cpu, cpu / wall, serverCpu, serverCpu == null ? null : serverCpu / wall),
                    metrics, RunReport.Churn.of(w.churnPerMinute(), run.churn), sampler.points());
        } finally {
            if (admin != null) {
                admin.close();
            }
            client.close();
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                out.println("[" + name + "] the generator's Vert.x did not close cleanly: " + e);
            }
        }
    }

    /** Encrypts every sender's messages for the whole run, before the clock starts (relay-only mode). */
    private void prepare(Population pop, LoadContext run) {
        long total = w.totalMessages();
        double mib = total * (w.messageSize() + 300.0) / (1 << 20);
        long maxMib = Runtime.getRuntime().maxMemory() >> 20;
        if (mib > maxMib * 0.6) {
            throw new Population.SetupException(String.format(Locale.ROOT,
                    "the prepared messages need about %.0f MiB, more than 60 %% of the heap (%d MiB): give the "
                            + "generator more heap (java -Xmx…) or send fewer messages", mib, maxMib));
        }
        long begin = System.nanoTime();
        int n = pop.senders.size();
        java.util.stream.IntStream.range(0, n).parallel().forEach(p -> {
            SimDevice d = pop.senders.get(p);
            for (long k = p; k < total; k += n) {
                d.prepare(run.messages.encrypt(d.member.group(), k, d.index));
            }
        });
        out.printf(Locale.ROOT, "[%s] prepared %d messages (about %.0f MiB) in %.1f s%n", name, total, mib,
                (System.nanoTime() - begin) / 1e9);
    }

    private void startCycling(Population pop) {
        long spell = w.offlineTime().toMillis();
        int i = 0;
        List<SimDevice> cycling = pop.devices.stream().filter(d -> d.reconnecting).toList();
        for (SimDevice d : cycling) {
            long delay = 200 + (2 * spell * i++) / Math.max(1, cycling.size());
            d.on(() -> {
                d.startCycling(delay, spell);
                return Future.succeededFuture();
            });
        }
    }

    /**
     * Waits until every request is answered, every membership change has finished and every device
     * has every message it is owed; false on timeout.
     */
    private boolean drain(LoadContext run, LongSupplier pending, Churn churn) {
        long deadline = System.nanoTime() + w.drainTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            if (pending.getAsLong() <= 0 && churn.idle() && run.verifier.caughtUp()) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private Map<URI, Map<String, Double>> scrape(MetricsScraper scraper) {
        Map<URI, Map<String, Double>> m = new HashMap<>();
        for (URI t : w.targets()) {
            m.put(t, scraper.scrape(MetricsScraper.metricsUri(t)));
        }
        return m;
    }

    static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    private static void join(Thread t, Duration max) {
        try {
            t.join(max);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
