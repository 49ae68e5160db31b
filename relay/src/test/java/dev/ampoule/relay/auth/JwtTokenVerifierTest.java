package dev.ampoule.relay.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.RelayException;
import dev.ampoule.relay.support.RelayHarness;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class JwtTokenVerifierTest {

    private static final JsonObject KEY = JwkKeys.generateEs256();
    private static final DevKeys KEYS = DevKeys.of(KEY);

    private static JwtTokenVerifier verifier(Vertx vertx, KeySource keys, Clock clock) {
        return new JwtTokenVerifier(vertx, keys, "ampoule-dev", "ampoule-relay", Duration.ZERO, clock);
    }

    /** A verifier with 30 s of leeway and tokens living at most 24 hours. */
    private static JwtTokenVerifier strict(Vertx vertx) {
        return new JwtTokenVerifier(vertx, KEYS.keySource(), "ampoule-dev", "ampoule-relay", Duration.ofSeconds(30),
                Duration.ofHours(24), Clock.systemUTC());
    }

    /** A token signed with the test key whose time claims are exactly {@code claims} (no iat added). */
    private static String signed(Vertx vertx, JsonObject claims) {
        return JWTAuth.create(vertx, new JWTAuthOptions().addJwk(KEY)).generateToken(claims.copy().put("sub", "alice"),
                new JWTOptions().setAlgorithm("ES256").setIssuer("ampoule-dev").setAudience(List.of("ampoule-relay"))
                        .setNoTimestamp(true).setHeader(new JsonObject().put("kid", KEYS.kid())));
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static ErrorCode codeOf(Future<Principal> f) {
        try {
            RelayHarness.await(f);
            return null;
        } catch (AssertionError e) {
            Throwable c = e.getCause().getCause();
            return assertInstanceOf(RelayException.class, c, () -> String.valueOf(c)).code();
        }
    }

    @Test
    void acceptsAMintedToken(Vertx vertx, VertxTestContext ctx) {
        String token = KEYS.mint(vertx, "alice", "ampoule-dev", "ampoule-relay", Duration.ofMinutes(5));
        Principal p = RelayHarness.await(verifier(vertx, KEYS.keySource(), Clock.systemUTC()).verify(token));
        assertEquals("alice", p.userId());
        ctx.completeNow();
    }

    @Test
    void refusesBadTokens(Vertx vertx, VertxTestContext ctx) {
        JwtTokenVerifier v = verifier(vertx, KEYS.keySource(), Clock.systemUTC());
        String good = KEYS.mint(vertx, "alice", "ampoule-dev", "ampoule-relay", Duration.ofMinutes(5));
        assertEquals(ErrorCode.UNAUTHENTICATED, codeOf(v.verify("")));
        assertEquals(ErrorCode.UNAUTHENTICATED, codeOf(v.verify("not-a-jwt")));
        assertEquals(ErrorCode.UNAUTHENTICATED, codeOf(v.verify(good.substring(0, good.length() - 4) + "AAAA")));
        DevKeys other = DevKeys.of(JwkKeys.generateEs256());
        assertEquals(ErrorCode.UNAUTHENTICATED,
                codeOf(v.verify(other.mint(vertx, "alice", "ampoule-dev", "ampoule-relay", Duration.ofMinutes(5)))));
        assertEquals(ErrorCode.UNAUTHENTICATED,
                codeOf(v.verify(KEYS.mint(vertx, "alice", "someone-else", "ampoule-relay", Duration.ofMinutes(5)))));
        assertEquals(ErrorCode.UNAUTHENTICATED,
                codeOf(v.verify(KEYS.mint(vertx, "alice", "ampoule-dev", "another-service", Duration.ofMinutes(5)))));
        ctx.completeNow();
    }

    @Test
    void expiredTokenIsToldApart(Vertx vertx, VertxTestContext ctx) {
        String token = KEYS.mint(vertx, "alice", "ampoule-dev", "ampoule-relay", Duration.ofMinutes(5));
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofMinutes(6)), ZoneOffset.UTC);
        assertEquals(ErrorCode.TOKEN_EXPIRED, codeOf(verifier(vertx, KEYS.keySource(), later).verify(token)));
        ctx.completeNow();
    }

    @Test
    void orgAndRolesClaimsBecomeThePrincipals(Vertx vertx, VertxTestContext ctx) {
        JwtTokenVerifier v = verifier(vertx, KEYS.keySource(), Clock.systemUTC());
        Principal admin = RelayHarness.await(v.verify(KEYS.mint(vertx, "root", Optional.of("h1"),
                List.of("org_admin", "auditor"), "ampoule-dev", "ampoule-relay", Duration.ofMinutes(5))));
        assertEquals(Optional.of("h1"), admin.org());
        assertEquals(Set.of("org_admin", "auditor"), admin.roles());
        assertTrue(admin.orgAdmin());
        assertTrue(admin.adminOf("h1"));
        assertFalse(admin.adminOf("h2"));

        Principal plain = RelayHarness.await(v.verify(KEYS.mint(vertx, "alice", "ampoule-dev", "ampoule-relay",
                Duration.ofMinutes(5))));
        assertEquals(Optional.empty(), plain.org());
        assertEquals(Set.of(), plain.roles());
        assertFalse(plain.orgAdmin());
        // org_admin without an org administers nothing
        Principal orgless = RelayHarness.await(v.verify(KEYS.mint(vertx, "eve", Optional.empty(),
                List.of("org_admin"), "ampoule-dev", "ampoule-relay", Duration.ofMinutes(5))));
        assertFalse(orgless.orgAdmin());
        ctx.completeNow();
    }

    @Test
    void malformedOrgOrRolesMakeTheTokenInvalid(Vertx vertx, VertxTestContext ctx) {
        JwtTokenVerifier v = verifier(vertx, KEYS.keySource(), Clock.systemUTC());
        for (JsonObject claims : List.of(new JsonObject().put("org", 5), new JsonObject().put("org", ""),
                new JsonObject().put("roles", "org_admin"), new JsonObject().put("roles", new JsonArray().add(1)),
                new JsonObject().put("roles", new JsonArray().add("")))) {
            String token = JWTAuth.create(vertx, new JWTAuthOptions().addJwk(KEY)).generateToken(
                    claims.put("sub", "alice"), new JWTOptions().setAlgorithm("ES256").setIssuer("ampoule-dev")
                            .setAudience(List.of("ampoule-relay")).setExpiresInSeconds(300)
                            .setHeader(new JsonObject().put("kid", KEYS.kid())));
            assertEquals(ErrorCode.UNAUTHENTICATED, codeOf(v.verify(token)), claims::encode);
        }
        ctx.completeNow();
    }

    @Test
    void notBeforeAndIssuedAtInTheFutureAreRefusedBeyondTheLeeway(Vertx vertx, VertxTestContext ctx) {
        JwtTokenVerifier v = strict(vertx);
        long exp = now() + 3_600;
        assertEquals(ErrorCode.UNAUTHENTICATED, codeOf(v.verify(signed(vertx,
                new JsonObject().put("exp", exp).put("nbf", now() + 600)))), "nbf in 10 minutes");
        assertEquals(ErrorCode.UNAUTHENTICATED, codeOf(v.verify(signed(vertx,
                new JsonObject().put("exp", exp).put("iat", now() + 600)))), "iat in 10 minutes");
        // within the leeway (clocks differ a little), and in the past: accepted
        assertEquals(null, codeOf(v.verify(signed(vertx,
                new JsonObject().put("exp", exp).put("nbf", now() + 10).put("iat", now() + 10)))));
        assertEquals(null, codeOf(v.verify(signed(vertx,
                new JsonObject().put("exp", exp).put("nbf", now() - 600).put("iat", now() - 600)))));
        ctx.completeNow();
    }

    @Test
    void absurdTimeClaimsAreRefused(Vertx vertx, VertxTestContext ctx) {
        JwtTokenVerifier v = strict(vertx);
        long ok = now() + 3_600;
        List<JsonObject> absurd = List.of(
                new JsonObject().put("exp", 10_000_000_000_000_000L),       // 1e16 s: overflows milliseconds
                new JsonObject().put("exp", 1e16),
                new JsonObject().put("exp", Long.MAX_VALUE),
                new JsonObject().put("exp", new java.math.BigInteger("123456789012345678901234567890")),
                new JsonObject().put("exp", now() + 25 * 3_600),            // beyond the maximum lifetime
                new JsonObject().put("iat", now() - 2 * 3_600).put("exp", now() + 23 * 3_600), // issued to live 25 h
                new JsonObject().put("exp", ok + 0.5),                      // not an integer
                new JsonObject().put("exp", -5),
                new JsonObject().put("exp", "" + ok),
                new JsonObject().put("exp", ok).put("nbf", -1),
                new JsonObject().put("exp", ok).put("nbf", 1.5),
                new JsonObject().put("exp", ok).put("iat", "yesterday"),
                new JsonObject().put("exp", ok).put("iat", Double.NaN),
                new JsonObject().put("exp", ok).put("nbf", 1e300));
        for (JsonObject claims : absurd) {
            assertEquals(ErrorCode.UNAUTHENTICATED, codeOf(v.verify(signed(vertx, claims))), claims::encode);
        }
        // the limits themselves are accepted: 24 hours from now, and integral doubles
        assertEquals(null, codeOf(v.verify(signed(vertx, new JsonObject().put("exp", now() + 24 * 3_600)))));
        assertEquals(null, codeOf(v.verify(signed(vertx, new JsonObject().put("exp", (double) ok)))));
        ctx.completeNow();
    }

    @Test
    void fixedKeySourceHasTheKeys() {
        assertEquals(List.of(KEYS.publicJwk()), KEYS.keySource().keys());
    }
}
