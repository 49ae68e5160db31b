package dev.ampoule.identity.api;

import dev.ampoule.identity.auth.AuthException;
import dev.ampoule.identity.auth.Claims;
import dev.ampoule.identity.auth.TokenVerifier;
import dev.ampoule.identity.ca.DeviceCertificateIssuer;
import dev.ampoule.identity.pop.NonceStore;
import dev.ampoule.identity.pop.ProofOfPossession;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's HTTP API (IDENTITY.md, "API"):
 * <pre>
 * POST /v1/nonces        Authorization: Bearer &lt;OIDC token&gt;                 → 201 {"nonce", "expiresInSeconds"}
 * POST /v1/certificates  Authorization: Bearer &lt;OIDC token&gt;, CertificateRequest → 201 {"certificates": [...], ...}
 * GET  /health                                                              → 200 {"status": "up"}
 * </pre>
 * A certificate is issued for the token's subject and the device named, for the signature key whose
 * holder signed the request ({@link ProofOfPossession}) over a nonce this issuer gave that subject
 * and that was never used. Checks, in order: the token (401), the body's form (400), the user is the
 * token's subject (403 {@code SUBJECT_MISMATCH}), the token's organisation is the CA's (403
 * {@code WRONG_ORGANISATION}), the nonce (403 {@code BAD_NONCE}, or {@code SUBJECT_MISMATCH} when it
 * was given to someone else; presenting a nonce uses it up, whatever follows), the proof (403
 * {@code BAD_PROOF}). Errors are {@code {"code", "message"}}. Tokens, keys, proofs and certificates
 * are never logged; an issuance is logged with the device and serial number.
 *
 * <p>The nonce store is confined to the event loop; the proof's verification and the signing run on
 * a worker thread.
 */
public final class IssuerApi {

    private static final Logger LOG = LoggerFactory.getLogger(IssuerApi.class);
    private static final int BODY_LIMIT = 16 * 1024;

    private final Vertx vertx;
    private final TokenVerifier tokens;
    private final NonceStore nonces;
    private final DeviceCertificateIssuer issuer;
    private final List<String> roles;

    /**
     * @param roles the professional roles a certificate may carry, by preference: the first found in
     *     the token's {@code roles} claim is certified
     */
    public IssuerApi(Vertx vertx, TokenVerifier tokens, NonceStore nonces, DeviceCertificateIssuer issuer,
            List<String> roles) {
        this.vertx = vertx;
        this.tokens = tokens;
        this.nonces = nonces;
        this.issuer = issuer;
        this.roles = List.copyOf(roles);
    }

    public Router router() {
        Router router = Router.router(vertx);
        router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "up")));
        router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
        router.post("/v1/nonces").handler(this::nonce);
        router.post("/v1/certificates").handler(this::certificate);
        router.route("/v1/nonces").handler(ctx -> ctx.fail(new ApiError(ApiError.Code.METHOD_NOT_ALLOWED, "use POST")));
        router.route("/v1/certificates")
                .handler(ctx -> ctx.fail(new ApiError(ApiError.Code.METHOD_NOT_ALLOWED, "use POST")));
        router.route().last().handler(ctx -> ctx.fail(new ApiError(ApiError.Code.NOT_FOUND, "no such resource")));
        router.route().failureHandler(this::failure);
        return router;
    }

    private void nonce(RoutingContext ctx) {
        authenticate(ctx)
                .compose(claims -> attempt(() -> nonces.issue(claims.subject()).orElseThrow(
                        () -> new ApiError(ApiError.Code.RATE_LIMITED, "too many outstanding nonces"))))
                .onSuccess(nonce -> json(ctx, 201, new JsonObject().put("nonce", nonce)
                        .put("expiresInSeconds", nonces.ttl().toSeconds())))
                .onFailure(ctx::fail);
    }

    private void certificate(RoutingContext ctx) {
        authenticate(ctx)
                .compose(claims -> attempt(() -> {
                    CertificateRequest request = CertificateRequest.parse(body(ctx));
                    authorise(claims, request);
                    return new Checked(claims, request, bearer(ctx).orElseThrow());
                }))
                .compose(checked -> vertx.executeBlocking(() -> issue(checked), false))
                .onSuccess(issued -> {
                    LOG.info("issued a device certificate for {}, serial {}",
                            issued.certificate().getSubjectX500Principal().getName(), issued.serial().toString(16));
                    json(ctx, 201, answer(issued));
                })
                .onFailure(ctx::fail);
    }

    private record Checked(Claims claims, CertificateRequest request, String token) {
    }

    /** The checks that need the event loop's nonce store; the nonce is used up here. */
    private void authorise(Claims claims, CertificateRequest request) {
        if (!request.user().equals(claims.subject())) {
            throw new ApiError(ApiError.Code.SUBJECT_MISMATCH, "the user is not the token's subject");
        }
        if (claims.org().isPresent() && !claims.org().get().equals(issuer.ca().org())) {
            throw new ApiError(ApiError.Code.WRONG_ORGANISATION, "this issuer certifies another organisation's devices");
        }
        switch (nonces.take(request.nonce(), claims.subject())) {
            case VALID -> { }
            case UNKNOWN -> throw new ApiError(ApiError.Code.BAD_NONCE, "unknown, expired or used nonce");
            case OTHER_SUBJECT -> throw new ApiError(ApiError.Code.SUBJECT_MISMATCH, "the nonce was given to another user");
        }
    }

    /** On a worker: the proof, then the certificate. */
    private DeviceCertificateIssuer.Issued issue(Checked c) {
        CertificateRequest r = c.request();
        DeviceId device = r.deviceId();
        byte[] tbs = ProofOfPossession.toBeSigned(r.nonce(), device, r.suite().wire(), r.signatureKey(), c.token());
        if (!ProofOfPossession.verify(BcCipherSuites.of(r.suite()), r.signatureKey(), tbs, r.proof())) {
            throw new ApiError(ApiError.Code.BAD_PROOF, "the proof is not the key's signature over the request");
        }
        try {
            return issuer.issue(device, role(c.claims().roles()), r.keyInfo());
        } catch (IllegalStateException e) {
            throw new ApiError(ApiError.Code.UNAVAILABLE, "the issuing CA cannot issue now");
        }
    }

    /** The first configured role the token carries. */
    private Optional<String> role(List<String> tokenRoles) {
        return roles.stream().filter(tokenRoles::contains).findFirst();
    }

    private static JsonObject answer(DeviceCertificateIssuer.Issued issued) {
        JsonArray chain = new JsonArray();
        for (X509Certificate c : issued.chain()) {
            try {
                chain.add(Base64.getEncoder().encodeToString(c.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new ApiError(ApiError.Code.INTERNAL, "cannot encode the certificate");
            }
        }
        return new JsonObject().put("certificates", chain).put("notBefore", issued.notBefore().toString())
                .put("notAfter", issued.notAfter().toString()).put("serial", issued.serial().toString(16));
    }

    // ---- authentication -------------------------------------------------------------------------

    private Future<Claims> authenticate(RoutingContext ctx) {
        Optional<String> token = bearer(ctx);
        if (token.isEmpty()) {
            return Future.failedFuture(new ApiError(ApiError.Code.UNAUTHENTICATED, "a bearer token is required"));
        }
        return tokens.verify(token.get()).recover(e -> Future.failedFuture(e instanceof AuthException a && a.isExpired()
                ? new ApiError(ApiError.Code.TOKEN_EXPIRED, "the token has expired")
                : new ApiError(ApiError.Code.UNAUTHENTICATED, "invalid token")));
    }

    private static Optional<String> bearer(RoutingContext ctx) {
        String h = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (h == null || h.length() < 8 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = h.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    // ---- answers ---------------------------------------------------------------------------------

    private static JsonObject body(RoutingContext ctx) {
        try {
            return ctx.body().buffer() == null ? null : ctx.body().asJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw new ApiError(ApiError.Code.BAD_REQUEST, "the body must be a JSON object");
        }
    }

    private static <T> Future<T> attempt(Supplier<T> step) {
        try {
            return Future.succeededFuture(step.get());
        } catch (ApiError e) {
            return Future.failedFuture(e);
        }
    }

    private void failure(RoutingContext ctx) {
        ApiError e = switch (ctx.failure()) {
            case ApiError a -> a;
            case null -> ctx.statusCode() == 413 ? new ApiError(ApiError.Code.TOO_LARGE, "the body is too large")
                    : ctx.statusCode() == 400 ? new ApiError(ApiError.Code.BAD_REQUEST, "bad request")
                    : new ApiError(ApiError.Code.INTERNAL, "internal error");
            default -> {
                LOG.warn("request failed: {}", ctx.failure().getClass().getName());
                yield new ApiError(ApiError.Code.INTERNAL, "internal error");
            }
        };
        if (e.code() == ApiError.Code.UNAUTHENTICATED || e.code() == ApiError.Code.TOKEN_EXPIRED) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
        }
        json(ctx, e.code().status, new JsonObject().put("code", e.code().name()).put("message", e.getMessage()));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(body.encode());
    }
}
