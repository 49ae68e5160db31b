package dev.ampoule.identity.support;

import dev.ampoule.identity.IssuerVerticle;
import dev.ampoule.identity.ca.CaFiles;
import dev.ampoule.identity.ca.CaKey;
import dev.ampoule.identity.ca.OrgCa;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real identity issuer for tests: an organisation's root and issuing CA created in a directory
 * (as {@code init-root} and {@code init-issuer} do), and the issuer verticle deployed on a loopback
 * port, verifying tokens with the keys of a JWKS (or JWK) file — a {@link TestTokens} provider's, or
 * a development relay's signing key. Shared with other modules' tests (the identity test-jar).
 */
public final class TestIssuer implements AutoCloseable {

    public final Vertx vertx;
    public final X509Certificate root;
    public final Path dataDir;
    private final JsonObject config;
    private String deployment;
    private IssuerVerticle verticle;

    /** The CA files of organisation {@code org} under {@code dir}, for the tokens of {@code tokens}; nothing runs yet. */
    public TestIssuer(Vertx vertx, Path dir, String org, TestTokens tokens, JsonObject overrides) {
        this(vertx, dir, org, tokens.writeJwks(dir.resolve("jwks.json")), TestTokens.ISSUER, TestTokens.AUDIENCE,
                overrides);
    }

    /**
     * The CA files of organisation {@code org} under {@code dir}, for tokens verified with the keys of
     * {@code jwksFile} and carrying {@code issuer} and {@code audience}; nothing runs yet.
     */
    public TestIssuer(Vertx vertx, Path dir, String org, Path jwksFile, String issuer, String audience,
            JsonObject overrides) {
        this.vertx = vertx;
        this.dataDir = dir.resolve("issuer-data");
        try {
            CaKey rootCa = OrgCa.createRoot(org, Duration.ofDays(3650), Clock.systemUTC());
            CaFiles.writeRoot(dir.resolve("root"), rootCa);
            CaFiles.writeIssuer(dataDir, OrgCa.createIssuing(rootCa, Duration.ofDays(365), Clock.systemUTC()),
                    rootCa.certificate());
            this.root = rootCa.certificate();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.config = new JsonObject().put("host", "127.0.0.1").put("port", 0).put("dataDir", dataDir.toString())
                .put("jwksFile", jwksFile.toString()).put("issuer", issuer).put("audience", audience)
                .mergeIn(overrides);
    }

    public TestIssuer start() {
        return start(Clock.systemUTC());
    }

    /** Starts the issuer with its own clock (nonce and certificate times, token expiry). */
    public TestIssuer start(Clock clock) {
        verticle = new IssuerVerticle(clock);
        deployment = await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
        return this;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + verticle.actualPort());
    }

    public static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("future failed or timed out", e);
        }
    }

    @Override
    public void close() {
        if (deployment != null) {
            await(vertx.undeploy(deployment));
            deployment = null;
        }
    }
}
