package dev.ampoule.relay;

import dev.ampoule.relay.audit.AuditVerifier;
import dev.ampoule.relay.audit.FileAuditLog;
import dev.ampoule.relay.audit.PgAuditExport;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.cluster.ClusterMembership;
import dev.ampoule.relay.cluster.NodeBus;
import dev.ampoule.relay.config.ConfigException;
import dev.ampoule.relay.config.EffectiveConfig;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.config.Suggestions;
import dev.ampoule.relay.gateway.RelayVerticle;
import dev.ampoule.relay.ops.RelayLogging;
import dev.ampoule.relay.ops.RelayMeters;
import dev.ampoule.relay.store.PgSchema;
import dev.ampoule.relay.store.Stores;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The relay's command line (picocli; {@code relay COMMAND --help} for each command's options).
 * <pre>
 * relay [run] [--SETTING VALUE]...          start the relay (Ctrl-C or SIGTERM: graceful shutdown)
 * relay check-config [--SETTING VALUE]...   print the effective configuration (secrets masked) and exit
 * relay mint-token --user USER [--org ORG] [--role ROLE]... [--ttl SECONDS]   print a development token
 * relay audit-verify [--data-dir DIR | --file PATH] [--allow-pruned]         verify the audit log's hash chain
 * relay audit-verify --store postgresql --postgres-url URL [--postgres-user U]  verify a cluster's audit chain
 * </pre>
 * Every setting of {@link RelayConfig} is a flag ({@code dataDir} → {@code --data-dir}); they can
 * also come from the environment ({@code AMPOULE_RELAY_DATA_DIR}) and from a YAML file
 * ({@code --config FILE}). Precedence: flags, then the environment, then the file, then the
 * defaults. An unknown flag, or an unknown key in the file, stops the relay before it starts.
 */
public final class Main {

    /** Exit status of a command-line or configuration error. */
    static final int USAGE = 2;
    private static final String RUN = "run";
    private static final String CHECK_CONFIG = "check-config";
    private static final String MINT_TOKEN = "mint-token";
    private static final String AUDIT_VERIFY = "audit-verify";
    /** The settings {@code mint-token} and {@code audit-verify} take as flags (the rest from the environment or file). */
    private static final List<String> MINT_SETTINGS = List.of("configFile", "dataDir", "issuer", "audience");
    private static final List<String> AUDIT_SETTINGS = List.of("configFile", "dataDir", "store", "postgresUrl",
            "postgresUser", "postgresPasswordFile", "postgresPassword");

    private Main() {
    }

    public static void main(String[] args) {
        // the commands' own output is on standard output: logs go to standard error until `run` sets them up
        RelayLogging.configure("WARN", "text", true);
        int status = execute(args, System.out, System.err, System.getenv());
        if (status >= 0) {
            RelayLogging.flush();
            System.exit(status);
        }
    }

    /**
     * Runs a command; answers its exit status, or -1 when the relay was started and keeps running
     * (until the JVM is stopped).
     */
    static int execute(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Map<OptionSpec, String> settingOptions = new LinkedHashMap<>();
        CommandLine cli = commandLine(settingOptions);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        ParseResult parsed;
        try {
            parsed = cli.parseArgs(args);
        } catch (ParameterException e) {
            err.println("relay: " + e.getMessage());
            if (e instanceof CommandLine.UnmatchedArgumentException u) {
                for (String arg : u.getUnmatched()) {
                    if (arg.startsWith("--")) {
                        Suggestions.closest(arg, u.getCommandLine().getCommandSpec().optionsMap().keySet())
                                .ifPresent(flag -> err.println("did you mean " + flag + "?"));
                    }
                }
            }
            err.println("see: relay " + (e.getCommandLine() == cli ? "" : e.getCommandLine().getCommandName() + " ") + "--help");
            return USAGE;
        }
        if (CommandLine.printHelpIfRequested(parsed)) {
            return 0;
        }
        ParseResult command = parsed.hasSubcommand() ? parsed.subcommand() : parsed;
        String name = parsed.hasSubcommand() ? command.commandSpec().name() : RUN;
        JsonObject flags = new JsonObject();
        for (OptionSpec o : command.matchedOptions()) {
            String key = settingOptions.get(o);
            if (key != null) {
                flags.put(key, (String) o.getValue());
            }
        }
        try {
            return switch (name) {
                case RUN -> run(flags, env, err);
                case CHECK_CONFIG -> {
                    EffectiveConfig.lines(RelayConfig.from(flags, env)).forEach(out::println);
                    yield 0;
                }
                case MINT_TOKEN -> mintToken(command, flags, env, out);
                case AUDIT_VERIFY -> auditVerify(command.matchedOptionValue("--file", null),
                        command.hasMatchedOption("--allow-pruned"), flags, env, out, err);
                default -> throw new IllegalStateException(name);
            };
        } catch (ConfigException e) {
            err.println("relay: " + e.getMessage());
            return USAGE;
        }
    }

    /** The commands and their options; every setting option is recorded in {@code settingOptions} with its key. */
    static CommandLine commandLine(Map<OptionSpec, String> settingOptions) {
        CommandSpec top = command("relay", "The Ampoule relay: the MLS Delivery Service. Without a command: run.");
        settings(top, RelayConfig.keys(), settingOptions);
        CommandSpec run = command(RUN, "Start the relay (Ctrl-C or SIGTERM: graceful shutdown).");
        settings(run, RelayConfig.keys(), settingOptions);
        CommandSpec check = command(CHECK_CONFIG, "Print the effective configuration (secrets masked), and where each "
                + "value comes from; exit 2 if it is not valid.");
        settings(check, RelayConfig.keys(), settingOptions);
        CommandSpec mint = command(MINT_TOKEN, "Print a token signed with the development key of the data directory.");
        mint.addOption(OptionSpec.builder("--user").paramLabel("USER").type(String.class).required(true)
                .description("the token's subject").build());
        mint.addOption(OptionSpec.builder("--org").paramLabel("ORG").type(String.class)
                .description("the token's org claim (the user's organisation)").build());
        mint.addOption(OptionSpec.builder("--role").paramLabel("ROLE").type(List.class).auxiliaryTypes(String.class)
                .description("adds to the roles claim (repeatable); org_admin: an administrator of ORG").build());
        mint.addOption(OptionSpec.builder("--ttl").paramLabel("SECONDS").type(Long.class).defaultValue("86400")
                .description("validity (default: ${DEFAULT-VALUE})").build());
        settings(mint, MINT_SETTINGS, settingOptions);
        CommandSpec audit = command(AUDIT_VERIFY, "Verify the audit log's hash chain: exit 0 if intact, 1 if broken, "
                + "2 if there is no log.");
        audit.addOption(OptionSpec.builder("--file").paramLabel("PATH").type(String.class)
                .description("a log file (and the audit.head beside it), instead of the data directory's").build());
        audit.addOption(OptionSpec.builder("--allow-pruned").type(boolean.class)
                .description("the oldest rotated files were removed: check from the first remaining entry's recorded "
                        + "predecessor").build());
        settings(audit, AUDIT_SETTINGS, settingOptions);
        CommandLine cli = new CommandLine(top);
        for (CommandSpec sub : List.of(run, check, mint, audit)) {
            cli.addSubcommand(sub.name(), new CommandLine(sub));
        }
        return cli;
    }

    private static CommandSpec command(String name, String description) {
        CommandSpec spec = CommandSpec.create().name(name);
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("show this help and exit").build());
        return spec;
    }

    /** One option per setting: {@code dataDir} → {@code --data-dir VALUE}; {@code configFile} also {@code --config}. */
    private static void settings(CommandSpec spec, List<String> keys, Map<OptionSpec, String> settingOptions) {
        for (String key : keys) {
            String[] names = key.equals("configFile") ? new String[] {"--config", "--config-file"}
                    : new String[] {"--" + kebab(key)};
            OptionSpec o = OptionSpec.builder(names).paramLabel("VALUE").type(String.class)
                    .description(key.equals("configFile") ? "the YAML config file (" + RelayConfig.envName(key) + ")"
                            : "setting " + key + " (" + RelayConfig.envName(key) + ")")
                    .build();
            spec.addOption(o);
            settingOptions.put(o, key);
        }
    }

    /** {@code dataDir} → {@code data-dir}. */
    static String kebab(String camel) {
        StringBuilder sb = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('-').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int run(JsonObject flags, Map<String, String> env, PrintStream err) {
        RelayConfig config = RelayConfig.from(flags, env); // fail early on a bad setting
        RelayLogging.configure(config.logLevel, config.logFormat, false);
        Logger log = LoggerFactory.getLogger(Main.class);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Vertx vertx;
        try {
            vertx = config.clusterEnabled
                    ? ClusterMembership.join(config, registry).toCompletionStage().toCompletableFuture()
                            .get(120, TimeUnit.SECONDS)
                    : RelayMeters.vertx(registry);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.error("the relay failed to join its cluster: {}", String.valueOf(e.getCause()));
            err.println("relay failed to join its cluster: " + e.getCause());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        RelayMeters.bindProcess(registry);
        log.info("network transport: {}", RelayMeters.transport(vertx));
        // one registry and one node bus for the node; several gateway instances, each on its own
        // event loop, when the store allows it (a cluster's shared database orders the groups)
        int instances = config.clusterEnabled ? config.gatewayInstances : 1;
        NodeBus.start(vertx, registry)
                .compose(bus -> vertx.deployVerticle(() -> new RelayVerticle(registry, Clock.systemUTC()).nodeBus(bus),
                        new DeploymentOptions().setConfig(flags).setInstances(instances)))
                .onFailure(e -> {
                    log.error("the relay failed to start: {}", e.getMessage(), e);
                    err.println("relay failed to start: " + e.getMessage());
                    vertx.close().onComplete(ar -> {
                        RelayLogging.flush();
                        System.exit(1);
                    });
                })
                .onSuccess(id -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    // graceful: Reconnect to every device, flush, close the store; then Vert.x (which
                    // leaves the cluster)
                    try {
                        vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        log.warn("shutdown was not clean: {}", e.toString());
                    }
                    try {
                        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        Thread.currentThread().interrupt();
                    }
                    log.info("relay process exiting");
                    err.println("relay stopped");
                    RelayLogging.flush();
                })))
                // after the hook: a SIGTERM from now on drains
                .onSuccess(id -> err.println("relay ready (" + instances + " gateway instance(s))"));
        return -1;
    }

    private static int mintToken(ParseResult command, JsonObject flags, Map<String, String> env, PrintStream out) {
        String user = command.matchedOptionValue("--user", "");
        if (user.isBlank()) {
            throw new ConfigException("mint-token needs --user USER");
        }
        Optional<String> org = Optional.ofNullable(command.matchedOptionValue("--org", (String) null));
        if (org.isPresent() && org.get().isBlank()) {
            throw new ConfigException("--org needs an organisation id");
        }
        List<String> roles = command.matchedOptionValue("--role", List.<String>of());
        if (roles.stream().anyMatch(String::isBlank)) {
            throw new ConfigException("--role needs a role name");
        }
        long ttl = command.matchedOptionValue("--ttl", 86_400L);
        RelayConfig config = RelayConfig.from(flags, env);
        if (!config.usesDevKey()) {
            throw new ConfigException("a relay configured with jwksUrl or oidcIssuer verifies the provider's tokens; "
                    + "mint-token only serves the development key");
        }
        DevKeys keys = DevKeys.loadOrCreate(config.dataDir);
        Vertx vertx = Vertx.vertx();
        try {
            out.println(keys.mint(vertx, user, org, roles, config.issuer, config.audience, Duration.ofSeconds(ttl)));
        } finally {
            vertx.close();
        }
        return 0;
    }

    /**
     * Verifies the audit log of the data directory — every rotated file and the active one, against
     * the head — or the one file {@code file} (with the {@code audit.head} beside it when it is an
     * active {@code audit.log}). With {@code allowPruned} the chain may start after entry 1 (the
     * oldest rotated files were removed): it is checked from the first remaining entry's recorded
     * predecessor hash. Prints {@code audit chain OK: N entries…} and returns 0, or {@code audit
     * chain BROKEN at entry S (…line L): reason} and returns 1; 2 when there is no log to verify or
     * it cannot be read.
     */
    static int auditVerify(String file, boolean allowPruned, JsonObject flags, Map<String, String> env, PrintStream out,
            PrintStream err) {
        if (file != null && flags.containsKey("dataDir")) {
            throw new ConfigException("audit-verify takes --data-dir DIR or --file PATH, not both");
        }
        RelayConfig config = RelayConfig.from(flags, env);
        if (file == null && config.store == RelayConfig.StoreKind.POSTGRESQL) {
            return auditVerifyPostgres(config, out, err);
        }
        Path log = file != null ? Path.of(file) : FileAuditLog.directory(config.dataDir);
        try {
            AuditVerifier.Result result = file != null ? AuditVerifier.verifyFile(log, allowPruned)
                    : AuditVerifier.verifyDirectory(log, allowPruned);
            out.println(result.describe());
            return result.ok() ? 0 : 1;
        } catch (NoSuchFileException e) {
            err.println("relay: no audit log at " + log);
            return 2;
        } catch (IOException e) {
            err.println("relay: cannot read the audit log " + log + ": " + e.getMessage());
            return 2;
        }
    }

    /** The audit chain kept in PostgreSQL: copied (one consistent state) to a private temp file, then verified. */
    private static int auditVerifyPostgres(RelayConfig config, PrintStream out, PrintStream err) {
        Path tmp = null;
        try {
            PgConnectOptions db = Stores.postgres(config);
            tmp = Files.createTempDirectory("ampoule-audit-");
            Path log = tmp.resolve(FileAuditLog.LOG_FILE);
            PgAuditExport.export(PgSchema.jdbcUrl(db), db.getUser(), db.getPassword(), log);
            AuditVerifier.Result result = AuditVerifier.verify(log);
            out.println(result.describe());
            return result.ok() ? 0 : 1;
        } catch (IOException | java.sql.SQLException e) {
            err.println("relay: cannot read the audit log from PostgreSQL: " + e.getMessage());
            return 2;
        } finally {
            if (tmp != null) {
                try (var files = Files.list(tmp)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    err.println("relay: could not remove " + tmp);
                }
            }
        }
    }
}
