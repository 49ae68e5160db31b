package dev.ampoule.identity.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OIDC provider's keys, fetched from its JWKS URL at start, then every {@code refreshEvery}, and
 * again when a token names an unknown {@code kid} — at most once per {@code minRefetch}. A failed
 * fetch keeps the previous keys. Confined to the event loop of the verticle that started it.
 */
public final class JwksUrlKeys implements KeySource {

    private static final Logger LOG = LoggerFactory.getLogger(JwksUrlKeys.class);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final HttpClient http;
    private final String url;
    private final Duration minRefetch;
    private final Clock clock;
    private List<JsonObject> keys = List.of();
    private long version;
    private Instant lastFetch = Instant.EPOCH;
    private Future<Void> inFlight;
    private long timer = -1;

    public JwksUrlKeys(Vertx vertx, String url, Duration minRefetch, Clock clock) {
        this.vertx = vertx;
        this.http = vertx.createHttpClient();
        this.url = url;
        this.minRefetch = minRefetch;
        this.clock = clock;
    }

    /** The first fetch (which must succeed), then one every {@code refreshEvery}. */
    public Future<Void> start(Duration refreshEvery) {
        return fetch().onSuccess(v -> timer = vertx.setPeriodic(refreshEvery.toMillis(), id -> fetch()));
    }

    public Future<Void> stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        return http.close();
    }

    @Override
    public List<JsonObject> keys() {
        return keys;
    }

    @Override
    public long version() {
        return version;
    }

    @Override
    public Future<Void> refresh() {
        if (inFlight == null && Duration.between(lastFetch, clock.instant()).compareTo(minRefetch) < 0) {
            return Future.succeededFuture();
        }
        return fetch().recover(e -> Future.succeededFuture());
    }

    private Future<Void> fetch() {
        if (inFlight != null) {
            return inFlight;
        }
        lastFetch = clock.instant();
        Future<Void> f = http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                        .setTimeout(FETCH_TIMEOUT.toMillis()))
                .compose(req -> req.send())
                .compose(resp -> resp.statusCode() == 200 ? resp.body()
                        : Future.failedFuture("the JWKS endpoint answered " + resp.statusCode()))
                .map(body -> {
                    List<JsonObject> fresh = Jwks.signatureKeys(new JsonObject(body));
                    if (!fresh.equals(keys)) {
                        keys = List.copyOf(fresh);
                        version++;
                    }
                    return (Void) null;
                })
                .onFailure(e -> LOG.warn("JWKS fetch failed, the previous keys stay: {}", e.getMessage()));
        inFlight = f;
        return f.andThen(ar -> inFlight = null);
    }
}
