package dev.ampoule.identity;

import dev.ampoule.identity.ca.CaFiles;
import dev.ampoule.identity.ca.CaKey;
import dev.ampoule.identity.ca.OrgCa;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The identity issuer's command line.
 * <pre>
 * identity init-root --org ORG --dir DIR [--days 3650]          create the organisation's root CA (the trust anchor)
 * identity init-issuer --root-dir DIR [--data-dir D] [--days 730] create the issuing CA, certified by the root
 * identity [run] [--port P] [--data-dir D] [--jwks-url URL | --jwks-file F] ...   serve the API (Ctrl-C stops)
 * </pre>
 * Settings of {@code run} can also come from the environment ({@code AMPOULE_IDENTITY_PORT}, … see
 * {@link IssuerConfig}); flags win.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        // JSON lines on standard output (before anything logs); AMPOULE_IDENTITY_LOG_LEVEL, AMPOULE_IDENTITY_LOG_FORMAT
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/ampoule/identity/logback.xml");
        }
        List<String> list = Arrays.asList(args);
        String command = list.isEmpty() || list.get(0).startsWith("--") ? "run" : list.get(0);
        List<String> flags = !list.isEmpty() && !list.get(0).startsWith("--") ? list.subList(1, list.size()) : list;
        try {
            switch (command) {
                case "run" -> run(flags(flags));
                case "init-root" -> System.exit(initRoot(flags(flags)));
                case "init-issuer" -> System.exit(initIssuer(flags(flags)));
                case "help", "--help", "-h" -> usage();
                default -> {
                    usage();
                    System.exit(2);
                }
            }
        } catch (ConfigException e) {
            System.err.println("identity: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void usage() {
        System.out.println("""
                usage:
                  identity init-root --org ORG --dir DIR [--days 3650]
                    the organisation's root CA: DIR/root-ca.pem (give it to every device as the trust anchor)
                    and DIR/root-ca-key.pem (keep it offline)
                  identity init-issuer --root-dir DIR [--data-dir identity-data] [--days 730]
                    the issuing CA the issuer signs with, certified by the root
                  identity [run] [--host H] [--port P] [--data-dir D] [--jwks-url URL | --jwks-file FILE]
                           [--issuer I] [--audience A] [--certificate-ttl-seconds N] [--roles a,b,c]
                settings may also come from the environment: AMPOULE_IDENTITY_PORT, AMPOULE_IDENTITY_JWKS_URL, ...""");
    }

    /** {@code --name value} pairs as a config JSON ({@code --data-dir x} → {@code "dataDir": "x"}). */
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

    static int initRoot(JsonObject flags) {
        String org = required(flags, "org");
        if (!OrgCa.validOrg(org)) {
            throw new ConfigException("--org: an organisation id is [A-Za-z0-9._-]{1,64}");
        }
        Path dir = Path.of(required(flags, "dir"));
        CaKey root = OrgCa.createRoot(org, Duration.ofDays(days(flags, 3650)), Clock.systemUTC());
        try {
            CaFiles.writeRoot(dir, root);
        } catch (IOException e) {
            System.err.println("identity: cannot write the root CA: " + e.getMessage());
            return 1;
        }
        System.out.println("root CA of " + org + " written: " + dir.resolve(CaFiles.ROOT_CERT)
                + " (the trust anchor) and " + dir.resolve(CaFiles.ROOT_KEY) + " (keep it offline)");
        return 0;
    }

    static int initIssuer(JsonObject flags) {
        Path rootDir = Path.of(required(flags, "rootDir"));
        Path dataDir = Path.of(flags.getString("dataDir", "identity-data"));
        try {
            CaKey root = CaFiles.readRoot(rootDir);
            CaKey issuing = OrgCa.createIssuing(root, Duration.ofDays(days(flags, 730)), Clock.systemUTC());
            CaFiles.writeIssuer(dataDir, issuing, root.certificate());
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("identity: cannot create the issuing CA: " + e.getMessage());
            return 1;
        }
        System.out.println("issuing CA written to " + dataDir.resolve(CaFiles.ISSUER_CHAIN) + " and "
                + dataDir.resolve(CaFiles.ISSUER_KEY));
        return 0;
    }

    private static String required(JsonObject flags, String name) {
        String v = flags.getString(name);
        if (v == null || v.isBlank()) {
            throw new ConfigException("--" + name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT)
                    + " is required");
        }
        return v;
    }

    private static long days(JsonObject flags, long fallback) {
        try {
            long d = Long.parseLong(flags.getString("days", String.valueOf(fallback)));
            if (d < 1 || d > 36_500) {
                throw new ConfigException("--days must be in 1..36500");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException("--days is not a number");
        }
    }

    private static void run(JsonObject flags) throws InterruptedException {
        IssuerConfig.from(flags, System.getenv()); // fail early on a bad setting
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(new IssuerVerticle(), new DeploymentOptions().setConfig(flags))
                .onFailure(e -> {
                    System.err.println("identity issuer failed to start: " + e.getMessage());
                    vertx.close().onComplete(ar -> System.exit(1));
                })
                .onSuccess(id -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        Thread.currentThread().interrupt();
                    }
                    System.err.println("identity issuer stopped");
                })));
    }
}
