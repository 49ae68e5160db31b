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
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Verifies JWTs (signature with a key of the {@link KeySource}, {@code iss}, {@code aud}) with
 * vertx-auth-jwt, then checks {@code sub} and the time claims itself against its clock so an
 * expired token is told apart ({@code TOKEN_EXPIRED}) from an invalid one ({@code UNAUTHENTICATED}).
 * Time claims: {@code exp} is required, {@code nbf} and {@code iat} optional; each must be a whole
 * number of seconds between 0 and 9999-12-31 (a fraction, a negative value or a string makes the
 * token invalid); {@code nbf} and {@code iat} may not lie in the future by more than the leeway;
 * {@code exp} may not lie further ahead than the maximum lifetime plus the leeway, nor more than the
 * maximum lifetime after {@code iat}. A
 * token naming a {@code kid} the keys don't have triggers a (rate-limited) key refresh first:
 * keys rotate without a restart. The optional claims {@code org} (a non-empty string) and
 * {@code roles} (an array of non-empty strings) become {@link Principal#org()} and
 * {@link Principal#roles()}; a token where they have another shape is invalid.
 */
public final class JwtTokenVerifier implements TokenVerifier {

    private static final int MAX_TOKEN_LENGTH = 16 * 1024;
    private static final int MAX_ROLES = 64;
    private static final int MAX_CLAIM_LENGTH = 256;
    /** The default longest lifetime of a token. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(24);
    /** Bounds of the settings, far inside what {@link Instant} and milliseconds in a long can hold. */
    private static final Duration MAX_LIFETIME_LIMIT = Duration.ofDays(3_660);
    /** 9999-12-31T23:59:59Z: a NumericDate beyond this is absurd, whatever the other checks say. */
    private static final long MAX_NUMERIC_DATE = 253_402_300_799L;

    private final Vertx vertx;
    private final KeySource keys;
    private final String issuer;
    private final String audience;
    private final Duration leeway;
    private final Duration maxLifetime;
    private final Clock clock;
    private JWTAuth auth;
    private long authVersion = -1;

    /**
     * @param leeway how far clocks may differ: applied to {@code exp}, {@code nbf} and {@code iat}
     * @param maxLifetime the longest a token may live (see the class description)
     */
    public JwtTokenVerifier(Vertx vertx, KeySource keys, String issuer, String audience, Duration leeway,
            Duration maxLifetime, Clock clock) {
        if (leeway.isNegative() || maxLifetime.isNegative() || maxLifetime.isZero()
                || maxLifetime.compareTo(MAX_LIFETIME_LIMIT) > 0 || leeway.compareTo(MAX_LIFETIME_LIMIT) > 0) {
            throw new IllegalArgumentException("leeway and maximum token lifetime out of range");
        }
        this.vertx = vertx;
        this.keys = keys;
        this.issuer = issuer;
        this.audience = audience;
        this.leeway = leeway;
        this.maxLifetime = maxLifetime;
        this.clock = clock;
    }

    /** A verifier whose tokens live at most {@link #DEFAULT_MAX_LIFETIME}. */
    public JwtTokenVerifier(Vertx vertx, KeySource keys, String issuer, String audience, Duration leeway, Clock clock) {
        this(vertx, keys, issuer, audience, leeway, DEFAULT_MAX_LIFETIME, clock);
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
            // compose: a claim of an unexpected type may throw inside the library; that is an invalid token too
            return Future.<Void>succeededFuture()
                    .compose(x -> current.authenticate(new TokenCredentials(token)))
                    .recover(e -> Future.failedFuture(invalid()))
                    .compose(user -> principal(user.attributes().getJsonObject("accessToken", new JsonObject())));
        }).recover(e -> Future.failedFuture(e instanceof RelayException r ? r : invalid()));
    }

    private Future<Principal> principal(JsonObject claims) {
        Object sub = claims.getValue("sub");
        if (!(sub instanceof String s) || s.isEmpty()) {
            return Future.failedFuture(invalid());
        }
        OptionalLong exp;
        OptionalLong nbf;
        OptionalLong iat;
        try {
            exp = numericDate(claims, "exp");
            nbf = numericDate(claims, "nbf");
            iat = numericDate(claims, "iat");
        } catch (RelayException e) {
            return Future.failedFuture(e);
        }
        if (exp.isEmpty()) {
            return Future.failedFuture(invalid());
        }
        // every value is within [0, MAX_NUMERIC_DATE] and the durations are bounded: no overflow below
        long now = clock.instant().getEpochSecond();
        long leewaySeconds = leeway.toSeconds();
        long lifetimeSeconds = maxLifetime.toSeconds();
        Instant expiresAt = Instant.ofEpochSecond(exp.getAsLong());
        if (exp.getAsLong() > now + lifetimeSeconds + leewaySeconds
                || (iat.isPresent() && exp.getAsLong() - iat.getAsLong() > lifetimeSeconds)) {
            return Future.failedFuture(new RelayException(ErrorCode.UNAUTHENTICATED,
                    "token lifetime exceeds the relay's maximum"));
        }
        if ((nbf.isPresent() && nbf.getAsLong() > now + leewaySeconds)
                || (iat.isPresent() && iat.getAsLong() > now + leewaySeconds)) {
            return Future.failedFuture(new RelayException(ErrorCode.UNAUTHENTICATED, "token not yet valid"));
        }
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

    /**
     * A NumericDate claim (RFC 7519 §2) in whole seconds, empty when absent.
     *
     * @throws RelayException {@code UNAUTHENTICATED} when it is not an integer in {@code [0, 9999-12-31]}
     *     (a fraction, a negative or absurd value, a string, null)
     */
    private static OptionalLong numericDate(JsonObject claims, String name) {
        if (!claims.containsKey(name)) {
            return OptionalLong.empty();
        }
        Object v = claims.getValue(name);
        long seconds;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            seconds = ((Number) v).longValue();
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!(d >= 0 && d <= MAX_NUMERIC_DATE) || d != Math.rint(d)) {
                throw absurd(name);
            }
            seconds = (long) d;
        } else if (v instanceof BigInteger b) {
            if (b.bitLength() > 62) {
                throw absurd(name);
            }
            seconds = b.longValue();
        } else if (v instanceof BigDecimal b) {
            try {
                seconds = b.longValueExact();
            } catch (ArithmeticException e) {
                throw absurd(name);
            }
        } else {
            throw absurd(name);
        }
        if (seconds < 0 || seconds > MAX_NUMERIC_DATE) {
            throw absurd(name);
        }
        return OptionalLong.of(seconds);
    }

    /** Made only when thrown: every token has these claims, and an exception's stack trace is not free. */
    private static RelayException absurd(String name) {
        return new RelayException(ErrorCode.UNAUTHENTICATED, "invalid " + name + " claim");
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
