package dev.ampoule.relay;

import dev.ampoule.relay.audit.AuditVerifier;
import dev.ampoule.relay.audit.FileAuditLog;
import dev.ampoule.relay.auth.DevKeys;
import dev.ampoule.relay.config.ConfigException;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.gateway.RelayVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The relay's command line.
 * <pre>
 * relay [run] [--host H] [--port P] [--data-dir DIR] [--jwks-url URL]   start the relay (Ctrl-C: graceful shutdown)
 * relay mint-token --user USER [--org ORG] [--role ROLE]... [--ttl SECONDS] [--data-dir DIR]
 *                                                                       print a development token
 * relay audit-verify [--data-dir DIR | --file PATH] [--allow-pruned]     verify the audit log's hash chain
 * </pre>
 * Every setting can also come from the environment ({@code AMPOULE_RELAY_PORT}, … see
 * {@link RelayConfig}); command-line flags win.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<String> list = Arrays.asList(args);
        String command = list.isEmpty() || list.get(0).startsWith("--") ? "run" : list.get(0);
        List<String> flags = command.equals("run") && (list.isEmpty() || list.get(0).startsWith("--")) ? list
                : list.subList(1, list.size());
        try {
            switch (command) {
                case "run" -> run(flags(flags));
                case "mint-token" -> mintToken(flags);
                case "audit-verify" -> System.exit(auditVerify(flags));
                case "help", "--help", "-h" -> usage();
                default -> {
                    usage();
                    System.exit(2);
                }
            }
        } catch (ConfigException e) {
            System.err.println("relay: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void usage() {
        System.out.println("""
                usage:
                  relay [run] [--host H] [--port P] [--data-dir DIR] [--jwks-url URL] [--issuer I] [--audience A]
                  relay mint-token --user USER [--org ORG] [--role ROLE]... [--ttl SECONDS] [--data-dir DIR]
                    (--role repeats; --role org_admin makes the user an administrator of ORG)
                  relay audit-verify [--data-dir DIR | --file PATH] [--allow-pruned]
                    (--allow-pruned: the oldest rotated files were removed; check from the first remaining entry)
                settings may also come from the environment: AMPOULE_RELAY_PORT, AMPOULE_RELAY_DATA_DIR, ...""");
    }

    /** Flags as a config JSON ({@code --data-dir x} → {@code "dataDir": "x"}). */
    static JsonObject flags(List<String> args) {
        JsonObject json = new JsonObject();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || i + 1 >= args.size()) {
                throw new ConfigException("expected --name value pairs, got " + a);
            }
            json.put(camel(a.substring(2)), args.get(++i));
        }
        return json;
    }

    private static String camel(String kebab) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private static void run(JsonObject flags) throws InterruptedException {
        RelayConfig.from(flags, System.getenv()); // fail early on a bad setting
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(new RelayVerticle(), new DeploymentOptions().setConfig(flags))
                .onFailure(e -> {
                    System.err.println("relay failed to start: " + e);
                    vertx.close().onComplete(ar -> System.exit(1));
                })
                .onSuccess(id -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    // graceful: Reconnect to every device, flush, close the store; then Vert.x
                    try {
                        vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        System.err.println("relay: shutdown was not clean: " + e);
                    }
                    try {
                        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        Thread.currentThread().interrupt();
                    }
                    System.err.println("relay stopped");
                })));
    }

    private static void mintToken(List<String> args) {
        List<String> roles = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--role") && i + 1 < args.size()) {
                String role = args.get(++i);
                if (role.isBlank()) {
                    throw new ConfigException("--role needs a role name");
                }
                roles.add(role);
            } else {
                rest.add(args.get(i));
            }
        }
        JsonObject flags = flags(rest);
        String user = flags.getString("user");
        if (user == null || user.isBlank()) {
            throw new ConfigException("mint-token needs --user USER");
        }
        String org = flags.getString("org");
        if (org != null && org.isBlank()) {
            throw new ConfigException("--org needs an organisation id");
        }
        long ttl;
        try {
            ttl = Long.parseLong(flags.getString("ttl", "86400"));
        } catch (NumberFormatException e) {
            throw new ConfigException("--ttl: not a number of seconds");
        }
        flags.remove("user");
        flags.remove("ttl");
        flags.remove("org");
        RelayConfig config = RelayConfig.from(flags, System.getenv());
        if (config.jwksUrl.isPresent()) {
            throw new ConfigException("a relay configured with jwksUrl verifies the provider's tokens; mint-token only serves the development key");
        }
        DevKeys keys = DevKeys.loadOrCreate(config.dataDir);
        Vertx vertx = Vertx.vertx();
        try {
            System.out.println(keys.mint(vertx, user, Optional.ofNullable(org), roles, config.issuer, config.audience,
                    Duration.ofSeconds(ttl)));
        } finally {
            vertx.close();
        }
    }

    /**
     * Verifies the audit log of {@code --data-dir} — every rotated file and the active one, against
     * the head — or the one file {@code --file} (with the {@code audit.head} beside it when it is an
     * active {@code audit.log}). With {@code --allow-pruned} the chain may start after entry 1 (the
     * oldest rotated files were removed): it is checked from the first remaining entry's recorded
     * predecessor hash. Prints {@code audit chain OK: N entries…} and returns 0, or {@code audit
     * chain BROKEN at entry S (…line L): reason} and returns 1; 2 when there is no log to verify or
     * it cannot be read.
     */
    static int auditVerify(List<String> args) {
        List<String> rest = new ArrayList<>(args);
        boolean allowPruned = rest.remove("--allow-pruned");
        JsonObject flags = flags(rest);
        String file = flags.getString("file");
        flags.remove("file");
        if (file != null && flags.containsKey("dataDir")) {
            throw new ConfigException("audit-verify takes --data-dir DIR or --file PATH, not both");
        }
        Path log = file != null ? Path.of(file)
                : FileAuditLog.directory(RelayConfig.from(flags, System.getenv()).dataDir);
        try {
            AuditVerifier.Result result = file != null ? AuditVerifier.verifyFile(log, allowPruned)
                    : AuditVerifier.verifyDirectory(log, allowPruned);
            System.out.println(result.describe());
            return result.ok() ? 0 : 1;
        } catch (NoSuchFileException e) {
            System.err.println("relay: no audit log at " + log);
            return 2;
        } catch (IOException e) {
            System.err.println("relay: cannot read the audit log " + log + ": " + e.getMessage());
            return 2;
        }
    }
}
