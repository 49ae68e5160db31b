package dev.ampoule.client;

import dev.ampoule.client.store.StateStore;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.relay.protocol.DeviceId;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** The configuration an {@link AmpouleClient.Builder} collected. */
record ClientSettings(URI relay, Supplier<String> tokens, DeviceId self, CipherSuiteId suite, StateStore store,
        byte[] stateKey, ClientListener listener, Optional<Executor> callbackExecutor, Optional<HttpClient> httpClient,
        int keyPackageTarget, int keyPackageLowWater, Duration keyPackageCheckInterval, Duration operationTimeout,
        Duration connectTimeout, Duration backoffMin, Duration backoffMax, int outboundCapacity, int maxInboundBytes,
        Duration autoCommitDelay, Duration fenceTimeout, Optional<URI> identityIssuer, Supplier<String> issuerTokens,
        List<X509Certificate> trustAnchors, boolean allowBasicCredentials, boolean careTeamRules,
        Duration transferTimeout, java.time.Clock clock, boolean keepHistory, Duration historyRetention,
        Duration ackDelay, int ackEvery) {

    /** Whether this device gets its credential from an identity issuer (else: a basic credential). */
    boolean certified() {
        return identityIssuer.isPresent();
    }
}
