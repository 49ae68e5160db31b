package dev.ampoule.identity;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identity issuer's configuration. Each setting comes from the verticle's {@code config()} JSON
 * under its key, or from the environment as {@code AMPOULE_IDENTITY_} + the key in upper snake case
 * ({@code jwksUrl} → {@code AMPOULE_IDENTITY_JWKS_URL}); the JSON wins.
 *
 * <p>Exactly one source of token keys is required: {@code jwksUrl} (the OIDC provider's JWKS,
 * refreshed, re-fetched for an unknown {@code kid}) or {@code jwksFile} (a JWKS document or a single
 * JWK on disk, read at start; private members are ignored, so the relay's development key file
 * {@code relay-data/dev-signing-key.jwk} works for development).
 */
public final class IssuerConfig {

    public final String host;
    /** 0 picks a free port (tests). Default 8444 with TLS, else 8090. */
    public final int port;
    public final Optional<Path> tlsCertPath;
    public final Optional<Path> tlsKeyPath;
    /** Where the issuing CA's certificate chain and key live ({@link dev.ampoule.identity.ca.CaFiles}). */
    public final Path dataDir;

    public final Optional<String> jwksUrl;
    public final Optional<Path> jwksFile;
    /** Expected {@code iss} and {@code aud} of tokens. */
    public final String issuer;
    public final String audience;
    public final Duration tokenLeeway;
    public final Duration jwksRefresh;
    public final Duration jwksMinRefetch;

    /**
     * Lifetime of an issued device certificate (never beyond the issuing CA's); default 24 hours,
     * at least 10 seconds (so short only for tests), at most 90 days.
     */
    public final Duration certificateTtl;
    /** How long a nonce may be used, once. */
    public final Duration nonceTtl;
    public final int maxNonces;
    public final int maxNoncesPerUser;
    /**
     * The professional roles a certificate may carry, by preference: the first of them found in the
     * token's {@code roles} claim goes into the certificate.
     */
    public final List<String> roles;

    public static final List<String> DEFAULT_ROLES = List.of("coordinator", "practitioner", "pharmacist", "patient",
            "insurer");
    private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private IssuerConfig(Source s) {
        host = s.string("host", "127.0.0.1");
        tlsCertPath = s.optional("tlsCertPath").map(Path::of);
        tlsKeyPath = s.optional("tlsKeyPath").map(Path::of);
        if (tlsCertPath.isPresent() != tlsKeyPath.isPresent()) {
            throw new ConfigException("tlsCertPath and tlsKeyPath go together");
        }
        port = s.integer("port", tlsCertPath.isPresent() ? 8444 : 8090, 0, 65535);
        dataDir = Path.of(s.string("dataDir", "identity-data"));
        jwksUrl = s.optional("jwksUrl");
        jwksFile = s.optional("jwksFile").map(Path::of);
        if (jwksUrl.isPresent() == jwksFile.isPresent()) {
            throw new ConfigException("set exactly one of jwksUrl (the OIDC provider's JWKS) and jwksFile");
        }
        issuer = s.string("issuer", "ampoule-dev");
        audience = s.string("audience", "ampoule-relay");
        tokenLeeway = s.seconds("tokenLeewaySeconds", 30, 0, 600);
        jwksRefresh = s.seconds("jwksRefreshSeconds", 3600, 10, 86_400 * 7);
        jwksMinRefetch = s.seconds("jwksMinRefetchSeconds", 60, 0, 86_400);
        certificateTtl = s.seconds("certificateTtlSeconds", 86_400, 10, 86_400 * 90);
        nonceTtl = s.seconds("nonceTtlSeconds", 60, 5, 3600);
        maxNonces = s.integer("maxNonces", 100_000, 1, 10_000_000);
        maxNoncesPerUser = s.integer("maxNoncesPerUser", 8, 1, 1000);
        roles = s.roles("roles", DEFAULT_ROLES);
    }

    /** The configuration from {@code json}, then {@code env}, then the defaults. */
    public static IssuerConfig from(JsonObject json, Map<String, String> env) {
        return new IssuerConfig(new Source(json == null ? new JsonObject() : json, env));
    }

    public boolean tls() {
        return tlsCertPath.isPresent();
    }

    /** Reads settings: JSON first, then the environment. */
    private record Source(JsonObject json, Map<String, String> env) {

        Optional<String> optional(String key) {
            Object v = json.getValue(key);
            if (v == null) {
                v = env.get(envName(key));
            }
            if (v == null) {
                return Optional.empty();
            }
            String s = String.valueOf(v).trim();
            if (s.isEmpty()) {
                throw new ConfigException(key + " must not be empty");
            }
            return Optional.of(s);
        }

        String string(String key, String fallback) {
            return optional(key).orElse(fallback);
        }

        int integer(String key, int fallback, long min, long max) {
            Optional<String> v = optional(key);
            if (v.isEmpty()) {
                return fallback;
            }
            try {
                long n = Long.parseLong(v.get());
                if (n < min || n > max) {
                    throw new ConfigException(key + " must be in " + min + ".." + max);
                }
                return (int) n;
            } catch (NumberFormatException e) {
                throw new ConfigException(key + " is not a number");
            }
        }

        Duration seconds(String key, long fallback, long min, long max) {
            Optional<String> v = optional(key);
            if (v.isEmpty()) {
                return Duration.ofSeconds(fallback);
            }
            try {
                long n = Long.parseLong(v.get());
                if (n < min || n > max) {
                    throw new ConfigException(key + " must be in " + min + ".." + max);
                }
                return Duration.ofSeconds(n);
            } catch (NumberFormatException e) {
                throw new ConfigException(key + " is not a number of seconds");
            }
        }

        List<String> roles(String key, List<String> fallback) {
            Object v = json.getValue(key);
            List<String> list = new ArrayList<>();
            if (v instanceof JsonArray a) {
                for (Object o : a) {
                    list.add(String.valueOf(o).trim());
                }
            } else {
                Optional<String> s = optional(key);
                if (s.isEmpty()) {
                    return fallback;
                }
                Arrays.stream(s.get().split(",")).map(String::trim).forEach(list::add);
            }
            for (String r : list) {
                if (!ROLE.matcher(r).matches()) {
                    throw new ConfigException(key + ": not a role name");
                }
            }
            return List.copyOf(new LinkedHashSet<>(list));
        }

        static String envName(String key) {
            return "AMPOULE_IDENTITY_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        }
    }
}
