package dev.ampoule.loadtest;

import dev.ampoule.client.demo.DevTokens;
import dev.ampoule.mls.crypto.CipherSuiteId;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load test's command line: parses the workload, starts what it is asked to start (the relay
 * jar, the ceiling server), runs the load against the relay and then the ceiling, and writes the
 * JSON summary and the HTML report. Exit status 0: every run verified its deliveries; 1: a
 * delivery was lost, duplicated, misordered or wrong; 2: bad options or the run could not be set up.
 */
@Command(name = "ampoule-load-test", mixinStandardHelpOptions = true, version = "ampoule-load-test 0.1.0",
        sortOptions = false, usageHelpWidth = 110,
        description = {
            "Drives an Ampoule relay with simulated devices: teams formed for real (tokens, KeyPackages, a Commit",
            "with Welcomes), then an open-loop load at a fixed rate, latency measured from each message's intended",
            "send time to its delivery at every device of the team, every delivery verified (nothing lost,",
            "duplicated or misordered). Optionally the same load against a bare Vert.x fan-out server (--ceiling).",
            ""},
        footer = {"", "Membership churn (--churn): changes of the teams' ad hoc MLS groups by Commits sent to the relay",
            "(SendCommit), change j due at j / PER_MINUTE minutes whatever happened to the others, the teams in",
            "turn, one change at a time per team. Each change is either a Remove of one device by its team's",
            "committer (the first device of the team that stays online), or the Add of a device removed earlier:",
            "the device publishes a fresh KeyPackage, the committer claims it and commits the Add with a Welcome,",
            "the device joins from its WelcomeDelivery. The verifier then expects each device to receive exactly",
            "what was sequenced while it was a member: up to and including the Commit that removed it, and from",
            "the one after the Commit that added it back; a delivery in between is misrouted, a missing one lost.",
            "Churn needs --mode full: the relay refuses application messages of an epoch other than the group's",
            "current one (STALE_EPOCH), so messages encrypted before the load would go stale at the first Commit.",
            "A sender whose message the relay refused because a Commit came first (STALE_EPOCH) encrypts it again",
            "in the new epoch and resends it; a message of a removed device (refused FORBIDDEN, or due while the",
            "device is out) goes out from its team's committer. Reported: changes done and failed (by error code;",
            "a failed change does not fail the run), Commit latency (SendCommit written -> Ok) and add latency",
            "(the change's due time -> the device joined).",
            "Devices that go offline and reconnect are never removed; the ceiling run has no churn.",
            "", "Care teams (--care-teams): each team's first user (a token with an org claim) creates the team with",
            "POST /v1/teams and becomes its coordinator, puts the other users on the roster (PUT .../members/USER);",
            "every device publishes a KeyPackage, the first creates the group with the relay as external sender,",
            "and commits the relay's Add proposals by reference. With --churn a change is a roster change by the",
            "coordinator: DELETE .../members/USER cuts the user's devices off at once, fences the group (senders",
            "refused GROUP_FENCED send again after the Commit) and the relay proposes removing each of their leaves;",
            "PUT puts the user back after their devices published fresh KeyPackages, and the relay proposes adding",
            "them. The committer (the coordinator's first device) commits each change's proposals by reference. A",
            "removed user's devices are owed what was stored before the removal: the verifier places that cut",
            "between the last message sequenced before the DELETE and the relay's first Remove proposal, and counts",
            "a gap below it as lost and a delivery above it as misrouted. Users with a reconnecting device and the",
            "coordinator are never removed. Admin writes limited by the relay (429) are retried after Retry-After.",
            "", "Exit status: 0 verified, 1 a delivery was lost/duplicated/misordered/wrong, 2 bad options or setup failed."})
public final class LoadTestCommand implements Callable<Integer> {

    private static final String DEFAULT_RELAY_JAR = "relay/target/ampoule-relay.jar";
    /** The organisation of the load's users when the teams are care teams. */
    private static final String LOAD_ORG = "ampoule-load";

    @Option(names = "--mode", paramLabel = "full|relay-only", description = "relay-only: PrivateMessages encrypted before the load, recipients do not "
            + "decrypt (the relay's own cost); full: every device encrypts and decrypts (default: ${DEFAULT-VALUE})",
            converter = ModeConverter.class, defaultValue = "relay-only")
    Mode mode;

    @Option(names = "--teams", paramLabel = "N", description = "teams (one MLS group each) (default: ${DEFAULT-VALUE})", defaultValue = "100")
    int teams;

    @Option(names = "--team-size", paramLabel = "N", description = "users per team (default: ${DEFAULT-VALUE})", defaultValue = "10")
    int teamSize;

    @Option(names = "--devices-per-user", paramLabel = "N", description = "devices, each its own connection and MLS member, per user "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "1")
    int devicesPerUser;

    @Option(names = "--connections", paramLabel = "N", description = "total connections; sets --teams to connections / (team size × "
            + "devices per user), which must divide it")
    Integer connections;

    @Option(names = "--message-size", paramLabel = "BYTES", description = "bytes of application data per message (default: ${DEFAULT-VALUE})",
            defaultValue = "1024")
    int messageSize;

    @Option(names = "--rate", paramLabel = "PER_SECOND", description = "messages sent per second, all senders together, open loop "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "500")
    double rate;

    @Option(names = "--duration", paramLabel = "DURATION", description = "measured sending time, whole seconds: 60s, 2m (default: ${DEFAULT-VALUE})",
            converter = DurationConverter.class, defaultValue = "30s")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", description = "sending before the measurement (verified, not timed) "
            + "(default: ${DEFAULT-VALUE})", converter = DurationConverter.class, defaultValue = "5s")
    Duration warmup;

    @Option(names = "--reconnecting-share", paramLabel = "SHARE", description = "share of devices (0-1) that go offline and reconnect over "
            + "and over, never sending; about half of them are offline at any time (default: ${DEFAULT-VALUE})",
            defaultValue = "0")
    double reconnectingShare;

    @Option(names = "--offline-time", paramLabel = "DURATION", description = "length of one offline spell, and of the online spell after it "
            + "(default: ${DEFAULT-VALUE})", converter = DurationConverter.class, defaultValue = "5s")
    Duration offlineTime;

    @Option(names = "--churn", paramLabel = "PER_MINUTE", description = "membership changes per minute over all teams, on "
            + "a fixed schedule: alternately a device removed from its team's MLS group by a Commit, and added back by "
            + "another (needs --mode full; see below) (default: ${DEFAULT-VALUE})", defaultValue = "0")
    double churn;

    @Option(names = "--care-teams", description = "the teams are care teams on the relay's roster: each team's first "
            + "user creates it through the admin API and puts the others on its roster, the relay proposes adding "
            + "their devices; with --churn a change takes a user off the roster and puts them back (see below)")
    boolean careTeams;

    @Option(names = "--suite", paramLabel = "ID", description = "MLS cipher suite, wire value 1-7 (default: ${DEFAULT-VALUE})",
            defaultValue = "1")
    int suite;

    @Option(names = "--relay", paramLabel = "URL", description = "WebSocket URL of a running relay, e.g. "
            + "ws://127.0.0.1:8080/v1/ws; repeat for several nodes (devices are spread over them)")
    List<URI> relays = new ArrayList<>();

    @Option(names = "--spawn-relay", description = "start the relay jar as a separate JVM on a free loopback port with "
            + "a temporary data directory (file store, fsync on unless --relay-option fsync=false)")
    boolean spawnRelay;

    @Option(names = "--relay-jar", paramLabel = "JAR", description = "the relay's shaded jar for --spawn-relay (default: ${DEFAULT-VALUE})",
            defaultValue = DEFAULT_RELAY_JAR)
    Path relayJar;

    @Option(names = "--relay-option", paramLabel = "KEY=VALUE", description = "a relay setting for --spawn-relay "
            + "(RelayConfig key, e.g. messagesPerSecond=1000, fsync=false); repeatable")
    Map<String, String> relayOptions = new LinkedHashMap<>();

    @Option(names = "--relay-jvm-option", paramLabel = "OPTION", description = "a JVM option for --spawn-relay "
            + "(e.g. -Xmx2g); repeatable")
    List<String> relayJvmOptions = new ArrayList<>();

    @Option(names = "--token-key", paramLabel = "FILE", description = "the relay's development signing key (JWK, "
            + "dev-signing-key.jwk of its data directory) to mint the devices' tokens")
    Path tokenKey;

    @Option(names = "--relay-data-dir", paramLabel = "DIR", description = "the running relay's data directory (its "
            + "dev-signing-key.jwk mints the tokens); instead of --token-key")
    Path relayDataDir;

    @Option(names = "--issuer", paramLabel = "ISSUER", description = "token issuer (default: ${DEFAULT-VALUE})", defaultValue = "ampoule-dev")
    String issuer;

    @Option(names = "--audience", paramLabel = "AUDIENCE", description = "token audience (default: ${DEFAULT-VALUE})", defaultValue = "ampoule-relay")
    String audience;

    @Option(names = "--ceiling", arity = "0..1", fallbackValue = "process", paramLabel = "process|in-process|none",
            description = "after the relay, run the same load against a bare Vert.x WebSocket fan-out server (no auth, "
                    + "no storage, no validation) on a loopback port, in a child JVM (process, the default when the "
                    + "option is given) or in this one (in-process); the report gives the relay as a ratio of it "
                    + "(default: ${DEFAULT-VALUE})", defaultValue = "none")
    String ceiling;

    @Option(names = "--ceiling-instances", paramLabel = "N", description = "event-loop instances of the ceiling server "
            + "(default: the number of processors)")
    Integer ceilingInstances;

    @Option(names = "--ack-every", paramLabel = "N", description = "acknowledge a group after this many messages… (default: ${DEFAULT-VALUE})",
            defaultValue = "50")
    int ackEvery;

    @Option(names = "--ack-interval", paramLabel = "DURATION", description = "…or after this long (default: ${DEFAULT-VALUE})",
            converter = DurationConverter.class, defaultValue = "100ms")
    Duration ackInterval;

    @Option(names = "--connect-concurrency", paramLabel = "N", description = "connections being opened at once during setup "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "64")
    int connectConcurrency;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "how long to wait for the last deliveries after the last send "
            + "(default: ${DEFAULT-VALUE})", converter = DurationConverter.class, defaultValue = "60s")
    Duration drainTimeout;

    @Option(names = "--event-loops", paramLabel = "N", description = "the generator's event-loop threads (default: the number of processors)")
    Integer eventLoops;

    @Option(names = "--out", paramLabel = "DIR", description = "where the JSON summary and the HTML report go "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "load-test-results")
    Path out;

    @Option(names = "--name", paramLabel = "STEM", description = "file name stem of the outputs (default: load-test-<UTC time>-<run id>)")
    String fileName;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final PrintStream console;

    public LoadTestCommand() {
        this(System.out);
    }

    LoadTestCommand(PrintStream console) {
        this.console = console;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadTestCommand()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        String runId = runId();
        Instant started = Instant.now();
        String stem = fileName != null ? fileName
                : "load-test-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(started)
                        + "-" + runId;
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("processors", Runtime.getRuntime().availableProcessors());
        machine.put("loadAverageBefore", loadAverage());
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        machine.put("generatorMaxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
        Path relayData = null;
        ChildJvm relayProcess = null;
        RunReport relayRun;
        RunReport ceilingRun = null;
        Workload w;
        try {
            if (spawnRelay == !relays.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give either --spawn-relay or --relay URL");
            }
            if (churn > 0 && mode != Mode.FULL) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--churn needs --mode full: the relay "
                        + "refuses messages of an older epoch (STALE_EPOCH), so messages encrypted before the load "
                        + "(relay-only) cannot follow the Commits of the churn");
            }
            Function<String, String> tokens;
            List<URI> targets = relays;
            if (spawnRelay) {
                relayData = Files.createTempDirectory("ampoule-load-relay-");
                relayProcess = spawnRelay(relayData, out.resolve(stem + "-relay.log"));
                targets = List.of(URI.create("ws://127.0.0.1:" + relayProcess.port() + "/v1/ws"));
                tokens = devTokens(relayData);
                machine.put("relayJvm", "pid " + relayProcess.pid() + ", " + relayJar + ", options " + relayOptions);
            } else {
                tokens = devTokens(keyDirectory());
            }
            w = workload(runId, targets);
            console.printf(Locale.ROOT, "%s mode, %d teams × %d users × %d devices = %d connections, %d B messages at %.0f/s,"
                    + " %d s warm-up + %d s measured%n", mode.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    w.teams(), w.teamSize(), w.devicesPerUser(), w.devices(), w.messageSize(), w.rate(),
                    w.warmup().toSeconds(), w.duration().toSeconds());
            relayRun = new LoadRun("relay", w, LoadRun.Kind.RELAY, tokens, Optional.ofNullable(relayProcess), console).run();
            if (relayProcess != null) {
                relayProcess.close();
            }
            if (!ceiling.equals("none")) {
                ceilingRun = runCeiling(w, out.resolve(stem + "-ceiling.log"));
            }
        } catch (CommandLine.ParameterException e) {
            throw e;
        } catch (IllegalArgumentException | Population.SetupException e) {
            console.println("load test not run: " + e.getMessage());
            return 2;
        } finally {
            if (relayProcess != null) {
                relayProcess.close();
            }
            if (relayData != null) {
                deleteTree(relayData);
            }
        }
        machine.put("loadAverageAfter", loadAverage());
        LoadReport report = LoadReport.of(started.toString(), settings(w), machine, relayRun, ceilingRun);
        Path json = out.resolve(stem + ".json");
        Path html = out.resolve(stem + ".html");
        report.writeJson(json);
        HtmlReport.write(report, html);
        summary(report, json, html);
        return report.verified() ? 0 : 1;
    }

    private Workload workload(String runId, List<URI> targets) {
        int t = teams;
        if (connections != null) {
            int perTeam = teamSize * devicesPerUser;
            if (connections % perTeam != 0) {
                throw new IllegalArgumentException("--connections " + connections + " is not a multiple of team size × "
                        + "devices per user = " + perTeam);
            }
            t = connections / perTeam;
        }
        CipherSuiteId id = CipherSuiteId.fromWire(suite)
                .orElseThrow(() -> new IllegalArgumentException("unknown cipher suite " + suite));
        int loops = eventLoops != null ? eventLoops : Runtime.getRuntime().availableProcessors();
        return new Workload(mode, t, teamSize, devicesPerUser, messageSize, rate, warmup, duration, reconnectingShare,
                offlineTime, churn, careTeams, id, targets, ackEvery, ackInterval, connectConcurrency, drainTimeout, loops, runId);
    }

    private ChildJvm spawnRelay(Path dataDir, Path log) throws IOException {
        if (!Files.isRegularFile(relayJar)) {
            throw new Population.SetupException("no relay jar at " + relayJar + ": build it with "
                    + "mvn -pl relay -am package -DskipTests, or give --relay-jar");
        }
        Files.createDirectories(log.toAbsolutePath().getParent());
        int port = ChildJvm.freePort();
        List<String> args = new ArrayList<>(List.of("-jar", relayJar.toString(), "run", "--host", "127.0.0.1",
                "--port", String.valueOf(port), "--data-dir", dataDir.toString()));
        relayOptions.forEach((k, v) -> {
            args.add("--" + k.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT));
            args.add(v);
        });
        console.println("starting the relay: " + relayJar + " on 127.0.0.1:" + port + ", data in " + dataDir);
        return ChildJvm.start("relay", relayJvmOptions, args, port, log, Duration.ofSeconds(120));
    }

    private RunReport runCeiling(Workload w, Path log) throws IOException {
        int instances = ceilingInstances != null ? ceilingInstances : Runtime.getRuntime().availableProcessors();
        Function<String, String> anyToken = user -> "ceiling";
        switch (ceiling) {
            case "process" -> {
                Files.createDirectories(log.toAbsolutePath().getParent());
                int port = ChildJvm.freePort();
                console.println("starting the ceiling server on 127.0.0.1:" + port + " (" + instances + " instances)");
                try (ChildJvm server = ChildJvm.start("ceiling server", List.of(),
                        List.of("-cp", System.getProperty("java.class.path"), CeilingServer.class.getName(),
                                String.valueOf(port), String.valueOf(instances)),
                        port, log, Duration.ofSeconds(60))) {
                    Workload c = w.against(List.of(URI.create("ws://127.0.0.1:" + port + "/v1/ws")), false);
                    return new LoadRun("ceiling", c, LoadRun.Kind.CEILING, anyToken, Optional.of(server), console).run();
                }
            }
            case "in-process" -> {
                Vertx vertx = CeilingServer.vertx();
                try {
                    int port = await(CeilingServer.deploy(vertx, 0, instances).toCompletionStage().toCompletableFuture());
                    Workload c = w.against(List.of(URI.create("ws://127.0.0.1:" + port + "/v1/ws")), false);
                    return new LoadRun("ceiling", c, LoadRun.Kind.CEILING, anyToken, Optional.empty(), console).run();
                } finally {
                    vertx.close();
                }
            }
            default -> throw new IllegalArgumentException("--ceiling: process, in-process or none, not " + ceiling);
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new Population.SetupException("the ceiling server did not start: " + e.getMessage(), e);
        }
    }

    private Path keyDirectory() throws IOException {
        if (relayDataDir != null) {
            return relayDataDir;
        }
        if (tokenKey == null) {
            throw new IllegalArgumentException("with --relay, give --token-key FILE or --relay-data-dir DIR to mint tokens");
        }
        if (tokenKey.getFileName().toString().equals(DevTokens.KEY_FILE)) {
            return tokenKey.toAbsolutePath().getParent();
        }
        Path dir = Files.createTempDirectory("ampoule-load-key-");
        Files.copy(tokenKey, dir.resolve(DevTokens.KEY_FILE));
        dir.toFile().deleteOnExit();
        dir.resolve(DevTokens.KEY_FILE).toFile().deleteOnExit();
        return dir;
    }

    private Function<String, String> devTokens(Path dir) throws IOException {
        DevTokens minter = DevTokens.fromRelayDataDir(dir, issuer, audience);
        Duration ttl = Duration.ofHours(24);
        // care teams: creating one needs an org claim (the load's users are all of one organisation)
        Optional<String> org = careTeams ? Optional.of(LOAD_ORG) : Optional.empty();
        return user -> minter.mint(user, org, List.of(), ttl);
    }

    private Map<String, Object> settings(Workload w) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("mode", w.mode().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        s.put("teams", w.teams());
        s.put("teamSize", w.teamSize());
        s.put("devicesPerUser", w.devicesPerUser());
        s.put("connections", w.devices());
        s.put("messageSize", w.messageSize());
        s.put("rate", w.rate());
        s.put("warmupSeconds", w.warmup().toSeconds());
        s.put("durationSeconds", w.duration().toSeconds());
        s.put("reconnectingShare", w.reconnectingShare());
        s.put("offlineSeconds", w.offlineTime().toMillis() / 1000.0);
        s.put("churnPerMinute", w.churnPerMinute());
        s.put("careTeams", w.careTeams());
        s.put("suite", w.suite().wire());
        s.put("targets", w.targets().stream().map(URI::toString).toList());
        s.put("spawnedRelay", spawnRelay);
        s.put("relayOptions", Map.copyOf(relayOptions));
        s.put("ackEvery", w.ackEvery());
        s.put("ackIntervalMs", w.ackInterval().toMillis());
        s.put("eventLoops", w.eventLoops());
        s.put("ceiling", ceiling);
        s.put("runId", w.runId());
        return s;
    }

    private void summary(LoadReport r, Path json, Path html) {
        console.println();
        for (RunReport run : new RunReport[] {r.relay(), r.ceiling()}) {
            if (run == null) {
                continue;
            }
            DeliveryVerifier.Verdict v = run.verification();
            console.printf(Locale.ROOT, "%-8s sent %.0f/s, delivered %.0f/s; latency ms p50 %.2f p90 %.2f p99 %.2f "
                    + "p99.9 %.2f max %.2f; generator send lag p99 %.2f ms; errors %s%n", run.name(), run.sentPerSecond(),
                    run.deliveredPerSecond(), run.latency().p50(), run.latency().p90(), run.latency().p99(),
                    run.latency().p999(), run.latency().max(), run.sendLag().p99(), run.errors());
            console.printf(Locale.ROOT, "%-8s %s: %d deliveries owed, %d lost, %d duplicated, %d misordered, %d mismatched, "
                    + "%d misrouted, %d corrupt, %d undecryptable (%d redelivered after reconnecting, allowed)%n", "",
                    v.passed() ? "VERIFIED" : "VERIFICATION FAILED", v.expectedDeliveries(), v.lost(), v.duplicated(),
                    v.misordered(), v.mismatched(), v.misrouted(), v.corrupt(), v.undecryptable(), v.redelivered());
            RunReport.Churn c = run.churn();
            if (c.scheduled() > 0) {
                console.printf(Locale.ROOT, "%-8s churn: %d of %d membership changes done (%d removes, %d adds), %d failed %s; "
                        + "commit → Ok ms p50 %.2f p99 %.2f max %.2f; add → joined ms p50 %.2f p99 %.2f max %.2f; "
                        + "messages sent again after a Commit %s%n", "", c.done(), c.scheduled(), c.removes(), c.adds(),
                        c.failedCount(), c.failed(), c.commitLatency().p50(), c.commitLatency().p99(),
                        c.commitLatency().max(), c.joinLatency().p50(), c.joinLatency().p99(), c.joinLatency().max(),
                        c.resent());
                if (c.rosterCallLatency().count() > 0) {
                    console.printf(Locale.ROOT, "%-8s roster calls: answered ms p50 %.2f p99 %.2f max %.2f; the relay's proposals "
                            + "at the committer ms p50 %.2f p99 %.2f max %.2f%n", "", c.rosterCallLatency().p50(),
                            c.rosterCallLatency().p99(), c.rosterCallLatency().max(), c.proposedLatency().p50(),
                            c.proposedLatency().p99(), c.proposedLatency().max());
                }
            }
            if (!run.drained()) {
                console.println("         not every delivery arrived within the drain time: what was missing counts as lost");
            }
            v.examples().forEach(e -> console.println("           " + e));
        }
        if (r.ceilingRatio() != null) {
            console.printf(Locale.ROOT, "relay / ceiling: %.1f %% of the delivery rate, p99 %.1f×%n", 100 * r.ceilingRatio(),
                    r.p99Ratio() == null ? Double.NaN : r.p99Ratio());
        }
        console.println("summary: " + json);
        console.println("report:  " + html);
    }

    private static String runId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left behind at worst
        }
    }

    /** {@code 30s}, {@code 2m}, {@code 500ms}, {@code 1h} or a number of seconds. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String v) {
            String s = v.trim().toLowerCase(Locale.ROOT);
            try {
                if (s.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
                }
                if (s.endsWith("s")) {
                    return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
                }
                if (s.endsWith("m")) {
                    return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
                }
                if (s.endsWith("h")) {
                    return Duration.ofHours(Long.parseLong(s.substring(0, s.length() - 1)));
                }
                return Duration.ofSeconds(Long.parseLong(s));
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("not a duration (30s, 2m, 500ms): " + v);
            }
        }
    }

    /** {@code full} or {@code relay-only}. */
    static final class ModeConverter implements CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String v) {
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "full" -> Mode.FULL;
                case "relay-only", "relay_only" -> Mode.RELAY_ONLY;
                default -> throw new CommandLine.TypeConversionException("full or relay-only, not " + v);
            };
        }
    }
}
