package dev.ampoule.relay.auth;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;

/**
 * OpenID Connect discovery (OpenID Connect Discovery 1.0 §4): the provider's configuration at
 * {@code <issuer>/.well-known/openid-configuration}, of which the relay takes {@code jwks_uri}. The
 * document's {@code issuer} must be exactly the configured issuer (§4.3: otherwise tokens of another
 * issuer could be accepted), and {@code jwks_uri} must be {@code https} — or {@code http} when the
 * issuer itself is (a loopback test provider). The request has a time limit, connection included.
 */
public final class OidcDiscovery {

    /** The path appended to the issuer. */
    public static final String WELL_KNOWN = "/.well-known/openid-configuration";

    private OidcDiscovery() {
    }

    /** The configuration document's URL for {@code issuer} (a trailing {@code /} of the issuer is not doubled). */
    public static String configurationUrl(String issuer) {
        return (issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer) + WELL_KNOWN;
    }

    /** Fetches the issuer's configuration and answers its {@code jwks_uri}; fails with a message naming what was wrong. */
    public static Future<String> jwksUri(HttpClient client, String issuer, Duration timeout) {
        String url = configurationUrl(issuer);
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                        .setTimeout(timeout.toMillis()))
                .compose(req -> req.send())
                .compose(resp -> resp.statusCode() == 200
                        ? resp.body()
                        : Future.failedFuture(new IllegalStateException("OIDC discovery: " + url + " answered "
                                + resp.statusCode())))
                .compose(body -> {
                    JsonObject doc;
                    try {
                        doc = new JsonObject(body);
                    } catch (DecodeException e) {
                        return Future.failedFuture(new IllegalStateException("OIDC discovery: " + url + " is not a JSON object"));
                    }
                    return jwksUriOf(doc, issuer);
                })
                .recover(e -> Future.failedFuture(e instanceof IllegalStateException ? e
                        : new IllegalStateException("OIDC discovery: " + url + " failed: " + e.getMessage(), e)));
    }

    /** {@code jwks_uri} of a configuration document, after the checks above. */
    static Future<String> jwksUriOf(JsonObject doc, String issuer) {
        if (!(doc.getValue("issuer") instanceof String docIssuer) || !docIssuer.equals(issuer)) {
            return Future.failedFuture(new IllegalStateException("OIDC discovery: the provider's issuer is "
                    + doc.getValue("issuer") + ", not the configured " + issuer));
        }
        if (!(doc.getValue("jwks_uri") instanceof String jwks)) {
            return Future.failedFuture(new IllegalStateException("OIDC discovery: no jwks_uri in the provider's configuration"));
        }
        URI uri;
        try {
            uri = URI.create(jwks);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(new IllegalStateException("OIDC discovery: jwks_uri is not a URL"));
        }
        boolean issuerHttp = issuer.regionMatches(true, 0, "http://", 0, 7);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || (scheme.equals("http") && issuerHttp))) {
            return Future.failedFuture(new IllegalStateException("OIDC discovery: jwks_uri must be an https URL, not " + jwks));
        }
        return Future.succeededFuture(jwks);
    }
}
