package dev.ampoule.relay.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/** The rules of the operations settings of {@link RelayConfig} (logs, metrics listener, keepalive, OIDC, development key). */
final class OperationsSettings {

    /** The accepted {@code logLevel} values. */
    static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
    /** The accepted {@code logFormat} values. */
    static final Set<String> FORMATS = Set.of("json", "text");
    /** The issuer the development key's tokens carry (the default {@code issuer}). */
    static final String DEV_ISSUER = "ampoule-dev";

    private OperationsSettings() {
    }

    static String level(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (!LEVELS.contains(v)) {
            throw new ConfigException("logLevel: one of TRACE, DEBUG, INFO, WARN, ERROR, not " + value);
        }
        return v;
    }

    static String format(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(v)) {
            throw new ConfigException("logFormat: json or text, not " + value);
        }
        return v;
    }

    /**
     * The tokens' issuer with {@code oidcIssuer}: an {@code https} URL (or {@code http} on a loopback
     * host, for tests), not combined with {@code jwksUrl}, and {@code issuer} left at its default or
     * equal to it.
     */
    static String issuerFor(String oidcIssuer, String issuer, String jwksUrl) {
        if (jwksUrl != null) {
            throw new ConfigException("set oidcIssuer (the JWKS is discovered) or jwksUrl, not both");
        }
        URI uri;
        try {
            uri = URI.create(oidcIssuer.trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("oidcIssuer: not a URL: " + oidcIssuer);
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean localHttp = "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && loopback(uri.getHost());
        if (uri.getHost() == null || !(https || localHttp) || uri.getQuery() != null || uri.getFragment() != null) {
            throw new ConfigException("oidcIssuer: an https URL without query or fragment, not " + oidcIssuer);
        }
        if (!issuer.equals(DEV_ISSUER) && !issuer.equals(oidcIssuer)) {
            throw new ConfigException("issuer and oidcIssuer differ: with oidcIssuer, leave issuer out");
        }
        return oidcIssuer;
    }

    static void check(String host, boolean devKey, boolean allowDevKeyOnNetwork, Duration pingInterval,
            Duration pingTimeout, Integer metricsPort, Duration jwksTimeout) {
        if (devKey && !allowDevKeyOnNetwork && !loopback(host)) {
            throw new ConfigException("the relay would verify tokens with its development key while listening on " + host
                    + ", which is not a loopback address: whoever reads the key file can log in as anyone. Set oidcIssuer"
                    + " or jwksUrl, listen on 127.0.0.1, or set allowDevKeyOnNetwork=true for a test deployment");
        }
        if (pingInterval.compareTo(Duration.ofSeconds(1)) < 0 || pingTimeout.compareTo(pingInterval) < 0) {
            throw new ConfigException("pingIntervalSeconds must be at least 1 and pingTimeoutSeconds at least pingIntervalSeconds");
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65_535)) {
            throw new ConfigException("metricsPort: 0..65535");
        }
        if (jwksTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("jwksTimeoutSeconds must be at least 1");
        }
    }

    /** Whether {@code host} names only loopback addresses (an unresolvable name does not). */
    static boolean loopback(String host) {
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
