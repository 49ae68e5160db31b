package dev.ampoule.identity;

import dev.ampoule.identity.api.IssuerApi;
import dev.ampoule.identity.auth.Jwks;
import dev.ampoule.identity.auth.JwksUrlKeys;
import dev.ampoule.identity.auth.KeySource;
import dev.ampoule.identity.auth.TokenVerifier;
import dev.ampoule.identity.ca.CaFiles;
import dev.ampoule.identity.ca.DeviceCertificateIssuer;
import dev.ampoule.identity.pop.NonceStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity issuer: reads the issuing CA from {@code <dataDir>} and the token keys (a JWKS URL or
 * file), then serves {@link IssuerApi} over HTTP (HTTPS with {@code tlsCertPath}/{@code tlsKeyPath}).
 * Configuration from {@code config()} and the environment ({@link IssuerConfig}). Deploy one instance:
 * its nonces live in its memory.
 */
public final class IssuerVerticle extends VerticleBase {

    private static final Logger LOG = LoggerFactory.getLogger(IssuerVerticle.class);

    private final Clock clock;
    private IssuerConfig config;
    private JwksUrlKeys jwks;
    private HttpServer server;
    private long purgeTimer = -1;

    public IssuerVerticle() {
        this(Clock.systemUTC());
    }

    public IssuerVerticle(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Future<?> start() {
        config = IssuerConfig.from(config(), System.getenv());
        return vertx.executeBlocking(() -> CaFiles.readIssuer(config.dataDir), false)
                .recover(e -> Future.failedFuture(new ConfigException("cannot read the issuing CA in "
                        + config.dataDir + " (" + e.getMessage() + "): run init-root, then init-issuer")))
                .compose(ca -> keySource().map(keys -> {
                    NonceStore nonces = new NonceStore(config.nonceTtl, config.maxNonces, config.maxNoncesPerUser, clock);
                    purgeTimer = vertx.setPeriodic(Math.max(1000, config.nonceTtl.toMillis() / 2), id -> nonces.purge());
                    TokenVerifier verifier = new TokenVerifier(vertx, keys, config.issuer, config.audience,
                            config.tokenLeeway, clock);
                    return new IssuerApi(vertx, verifier, nonces,
                            new DeviceCertificateIssuer(ca, config.certificateTtl, clock), config.roles);
                }))
                .compose(api -> {
                    HttpServerOptions options = new HttpServerOptions().setHost(config.host).setPort(config.port);
                    if (config.tls()) {
                        options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                                .setCertPath(config.tlsCertPath.orElseThrow().toString())
                                .setKeyPath(config.tlsKeyPath.orElseThrow().toString()));
                    }
                    return vertx.createHttpServer(options).requestHandler(api.router()).listen();
                })
                .onSuccess(s -> {
                    server = s;
                    LOG.info("identity issuer listening on {}://{}:{}", config.tls() ? "https" : "http", config.host,
                            s.actualPort());
                })
                .onFailure(e -> stopKeys());
    }

    private Future<KeySource> keySource() {
        if (config.jwksUrl.isPresent()) {
            jwks = new JwksUrlKeys(vertx, config.jwksUrl.get(), config.jwksMinRefetch, clock);
            return jwks.start(config.jwksRefresh).map(v -> jwks);
        }
        return vertx.executeBlocking(() -> KeySource.fixed(Jwks.readFile(config.jwksFile.orElseThrow())), false);
    }

    /** The port the issuer listens on (after start). */
    public int actualPort() {
        return server.actualPort();
    }

    @Override
    public Future<?> stop() {
        if (purgeTimer >= 0) {
            vertx.cancelTimer(purgeTimer);
        }
        Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
        return closed.eventually(this::stopKeys);
    }

    private Future<Void> stopKeys() {
        return jwks == null ? Future.succeededFuture() : jwks.stop();
    }
}
