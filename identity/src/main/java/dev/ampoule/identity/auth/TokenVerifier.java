package dev.ampoule.identity.auth;

import dev.ampoule.relay.protocol.DeviceId;
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
import java.util.List;
import java.util.Optional;

/**
 * Verifies OIDC bearer tokens (JWTs): signature under a key of the {@link KeySource}, {@code iss}
 * and {@code aud} by vertx-auth-jwt; {@code sub} (a valid Ampoule user id) and {@code exp} here,
 * against the clock with a leeway, so that an expired token is told apart. A token naming a
 * {@code kid} the keys lack asks the source for fresh keys first (rotation without restart). The
 * optional {@code org} (a string) and {@code roles} (an array of strings) claims are read; another
 * shape makes the token invalid. Confined to one event loop.
 */
public final class TokenVerifier {

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

    public TokenVerifier(Vertx vertx, KeySource keys, String issuer, String audience, Duration leeway, Clock clock) {
        this.vertx = vertx;
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.leeway = leeway;
        this.clock = clock;
    }

    /** The token's claims; fails with an {@link AuthException}. */
    public Future<Claims> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Future.failedFuture(AuthException.invalid());
        }
        Optional<String> kid;
        try {
            kid = kid(token);
        } catch (AuthException e) {
            return Future.failedFuture(e);
        }
        Future<Void> ready = kid.isPresent() && keys.keys().stream().noneMatch(k -> kid.get().equals(k.getValue("kid")))
                ? keys.refresh() : Future.succeededFuture();
        return ready.compose(v -> {
            JWTAuth current = auth();
            if (current == null) {
                return Future.failedFuture(AuthException.invalid());
            }
            return current.authenticate(new TokenCredentials(token))
                    .recover(e -> Future.failedFuture(AuthException.invalid()))
                    .compose(user -> claims(user.attributes().getJsonObject("accessToken", new JsonObject())));
        });
    }

    private Future<Claims> claims(JsonObject claims) {
        if (!(claims.getValue("sub") instanceof String sub) || !DeviceId.validUser(sub)
                || !(claims.getValue("exp") instanceof Number exp)) {
            return Future.failedFuture(AuthException.invalid());
        }
        Instant expiresAt = Instant.ofEpochSecond(exp.longValue());
        if (!clock.instant().isBefore(expiresAt.plus(leeway))) {
            return Future.failedFuture(AuthException.expired());
        }
        Object org = claims.getValue("org");
        if (org != null && !(org instanceof String o && !o.isEmpty() && o.length() <= MAX_CLAIM_LENGTH)) {
            return Future.failedFuture(AuthException.invalid());
        }
        List<String> roles = new ArrayList<>();
        Object r = claims.getValue("roles");
        if (r instanceof JsonArray array && array.size() <= MAX_ROLES) {
            for (Object role : array) {
                if (!(role instanceof String s) || s.isEmpty() || s.length() > MAX_CLAIM_LENGTH) {
                    return Future.failedFuture(AuthException.invalid());
                }
                roles.add(s);
            }
        } else if (r != null) {
            return Future.failedFuture(AuthException.invalid());
        }
        return Future.succeededFuture(new Claims(sub, expiresAt, Optional.ofNullable((String) org), roles));
    }

    private JWTAuth auth() {
        if (auth == null || keys.version() != authVersion) {
            authVersion = keys.version();
            auth = build(keys.keys());
        }
        return auth;
    }

    /** vertx-auth-jwt over the keys it supports (others are skipped). */
    private JWTAuth build(List<JsonObject> jwks) {
        List<JsonObject> usable = new ArrayList<>();
        for (JsonObject k : jwks) {
            try {
                JWTAuth.create(vertx, options(List.of(k)));
                usable.add(k);
            } catch (RuntimeException unsupported) {
                // a key type or algorithm vertx-auth-jwt does not know
            }
        }
        return usable.isEmpty() ? null : JWTAuth.create(vertx, options(usable));
    }

    private JWTAuthOptions options(List<JsonObject> jwks) {
        JWTAuthOptions o = new JWTAuthOptions().setJWTOptions(new JWTOptions()
                .setIssuer(issuer)
                .setAudience(List.of(audience))
                .setLeeway((int) leeway.toSeconds())
                .setIgnoreExpiration(true));
        jwks.forEach(o::addJwk);
        return o;
    }

    /** The JOSE header's {@code kid}, if any; a header that is not a JSON object makes the token invalid. */
    private static Optional<String> kid(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            throw AuthException.invalid();
        }
        try {
            JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(token.substring(0, dot)),
                    StandardCharsets.UTF_8));
            return header.getValue("kid") instanceof String s ? Optional.of(s) : Optional.empty();
        } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
            throw AuthException.invalid();
        }
    }
}
