package dev.ampoule.relay.auth;

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
 * Keys from an OIDC provider's JWKS endpoint, with rotation: fetched at start, refreshed every
 * {@code refreshEvery}, and re-fetched on demand (a token with an unknown {@code kid}) at most once
 * per {@code minRefetch}. A failed fetch keeps the previous keys. Event-loop confined.
 */
public final class JwksKeySource implements KeySource {

    private static final Logger LOG = LoggerFactory.getLogger(JwksKeySource.class);
    /** How long one JWKS request may take by default, connection included. */
    public static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final HttpClient client;
    private final String url;
    private final Duration minRefetch;
    private final Clock clock;
    private final Duration fetchTimeout;
    private volatile List<JsonObject> keys = List.of();
    private volatile long version;
    private Instant lastFetch = Instant.EPOCH;
    private Future<Void> inFlight;
    private long timer = -1;

    public JwksKeySource(Vertx vertx, String url, Duration minRefetch, Clock clock) {
        this(vertx, url, minRefetch, clock, FETCH_TIMEOUT);
    }

    /** With {@code fetchTimeout}: a fetch that has no complete answer by then fails (the previous keys stay). */
    public JwksKeySource(Vertx vertx, String url, Duration minRefetch, Clock clock, Duration fetchTimeout) {
        this.vertx = vertx;
        this.fetchTimeout = fetchTimeout;
        this.client = vertx.createHttpClient();
        this.url = url;
        this.minRefetch = minRefetch;
        this.clock = clock;
    }

    /** Fetches the keys once, then every {@code refreshEvery}. Fails if the first fetch fails. */
    public Future<Void> start(Duration refreshEvery) {
        return fetch().onSuccess(v -> timer = vertx.setPeriodic(refreshEvery.toMillis(), id -> fetch()));
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        client.close();
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
        if (inFlight != null) {
            return inFlight;
        }
        if (Duration.between(lastFetch, clock.instant()).compareTo(minRefetch) < 0) {
            return Future.succeededFuture();
        }
        return fetch().recover(e -> Future.succeededFuture());
    }

    private Future<Void> fetch() {
        if (inFlight != null) {
            return inFlight;
        }
        lastFetch = clock.instant();
        // a provider that stops answering fails the fetch (the previous keys stay) instead of blocking refreshes
        Future<Void> f = client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url)
                        .setTimeout(fetchTimeout.toMillis()))
                .compose(req -> req.send())
                .compose(resp -> resp.statusCode() == 200
                        ? resp.body()
                        : Future.failedFuture("JWKS endpoint answered " + resp.statusCode()))
                .map(body -> {
                    List<JsonObject> fresh = JwkKeys.signatureKeys(new JsonObject(body));
                    if (!fresh.equals(keys)) {
                        keys = List.copyOf(fresh);
                        version++;
                    }
                    return (Void) null;
                })
                .onFailure(e -> LOG.warn("JWKS fetch failed; keeping the previous keys: {}", e.getMessage()));
        inFlight = f;
        return f.andThen(ar -> inFlight = null);
    }
}
