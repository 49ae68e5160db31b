package dev.ampoule.relay.auth;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies JWTs (signature with a key of the {@link KeySource}, {@code iss}, {@code aud}) with
 * vertx-auth-jwt, then checks {@code sub} and {@code exp} itself against its clock so an expired
 * token is told apart ({@code TOKEN_EXPIRED}) from an invalid one ({@code UNAUTHENTICATED}). A
 * token naming a {@code kid} the keys don't have triggers a (rate-limited) key refresh first:
 * keys rotate without a restart. The optional claims {@code org} (a non-empty string) and
 * {@code roles} (an array of non-empty strings) become {@link Principal#org()} and
 * {@link Principal#roles()}; a token where they have another shape is invalid.
 */
public final class JwtTokenVerifier implements TokenVerifier {

    private static final int MAX_TOKEN_LENGTH = 16 * 1024;
    private static final int MAX_ROLES = 64;
    private static final int MAX_CLAIM_LENGTH = 256;

    private final Vertx vertx;
    private final KeySource keys;
    private final String issuer;
    private final String audience;
    private final Duration leeway;
    private final Clock clock;
    private JWTAuth auth;
    private long authVersion = -1;

    public JwtTokenVerifier(Vertx vertx, KeySource keys, String issuer, String audience, Duration leeway, Clock clock) {
        this.vertx = vertx;
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.leeway = leeway;
        this.clock = clock;
    }

    @Override
    public Future<Principal> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Future.failedFuture(invalid());
        }
        Optional<String> kid;
        try {
            kid = kid(token);
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        Future<Void> ready = kid.isPresent() && !knows(kid.get()) ? keys.refresh() : Future.succeededFuture();
        return ready.compose(v -> {
            JWTAuth current = auth();
            if (current == null) {
                return Future.failedFuture(invalid());
            }
            return current.authenticate(new TokenCredentials(token))
                    .recover(e -> Future.failedFuture(invalid()))
                    .compose(user -> principal(user.attributes().getJsonObject("accessToken", new JsonObject())));
        });
    }

    private Future<Principal> principal(JsonObject claims) {
        Object sub = claims.getValue("sub");
        Object exp = claims.getValue("exp");
        if (!(sub instanceof String s) || s.isEmpty() || !(exp instanceof Number n)) {
            return Future.failedFuture(invalid());
        }
        Instant expiresAt = Instant.ofEpochSecond(n.longValue());
        if (!clock.instant().isBefore(expiresAt.plus(leeway))) {
            return Future.failedFuture(new RelayException(ErrorCode.TOKEN_EXPIRED, "token expired"));
        }
        Object org = claims.getValue("org");
        Object roles = claims.getValue("roles");
        if (org != null && !(org instanceof String o && !o.isEmpty() && o.length() <= MAX_CLAIM_LENGTH)) {
            return Future.failedFuture(invalid());
        }
        Set<String> roleSet = new HashSet<>();
        if (roles instanceof JsonArray a) {
            if (a.size() > MAX_ROLES) {
                return Future.failedFuture(invalid());
            }
            for (int i = 0; i < a.size(); i++) {
                if (!(a.getValue(i) instanceof String r) || r.isEmpty() || r.length() > MAX_CLAIM_LENGTH) {
                    return Future.failedFuture(invalid());
                }
                roleSet.add(r);
            }
        } else if (roles != null) {
            return Future.failedFuture(invalid());
        }
        return Future.succeededFuture(new Principal(s, expiresAt,
                org instanceof String o ? Optional.of(o) : Optional.empty(), roleSet));
    }

    private boolean knows(String kid) {
        return keys.keys().stream().anyMatch(k -> kid.equals(k.getString("kid")));
    }

    private JWTAuth auth() {
        long v = keys.version();
        if (auth == null || v != authVersion) {
            auth = build(keys.keys());
            authVersion = v;
        }
        return auth;
    }

    private JWTAuth build(List<JsonObject> jwks) {
        List<JsonObject> usable = new ArrayList<>();
        for (JsonObject k : jwks) {
            try {
                JWTAuth.create(vertx, options(List.of(k)));
                usable.add(JwkKeys.publicPart(k));
            } catch (RuntimeException e) {
                // a key type or algorithm vertx-auth-jwt does not support: skip it
            }
        }
        return usable.isEmpty() ? null : JWTAuth.create(vertx, options(usable));
    }

    private JWTAuthOptions options(List<JsonObject> jwks) {
        JWTOptions jwt = new JWTOptions()
                .setIssuer(issuer)
                .setAudience(List.of(audience))
                .setLeeway((int) leeway.toSeconds())
                .setIgnoreExpiration(true);
        JWTAuthOptions o = new JWTAuthOptions().setJWTOptions(jwt);
        jwks.forEach(o::addJwk);
        return o;
    }

    /** The {@code kid} of the JOSE header, if any; a header that is not JSON is invalid. */
    private static Optional<String> kid(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            throw invalid();
        }
        try {
            byte[] header = Base64.getUrlDecoder().decode(token.substring(0, dot));
            JsonObject h = new JsonObject(new String(header, StandardCharsets.UTF_8));
            return Optional.ofNullable(h.getValue("kid")).filter(String.class::isInstance).map(String::valueOf);
        } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
            throw invalid();
        }
    }

    private static RelayException invalid() {
        return new RelayException(ErrorCode.UNAUTHENTICATED, "invalid token");
    }

}
