package dev.ampoule.client.support;

import dev.ampoule.client.AmpouleClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * One SDK client in a test: its user and device, its state directory and key (so a test can stop
 * it and start it again on the same state), and the recorder of its events.
 */
public final class Party implements AutoCloseable {

    public final String user;
    public final String device;
    public final Path stateDir;
    public final byte[] stateKey;
    public Recorder events = new Recorder();
    private java.util.function.Consumer<AmpouleClient.Builder> options = b -> { };
    public AmpouleClient client;
    private final java.util.function.Function<String, String> tokens;
    private final java.net.URI uri;

    public Party(Relays relay, Path root, String user, String device) {
        this(relay.uri(), relay::token, root, user, device);
    }

    public Party(java.net.URI uri, java.util.function.Function<String, String> tokens, Path root, String user,
            String device) {
        this.tokens = tokens;
        this.uri = uri;
        this.user = user;
        this.device = device;
        this.stateDir = root.resolve(user + "_" + device);
        this.stateKey = new byte[32];
        Arrays.fill(stateKey, (byte) (user.hashCode() ^ device.hashCode()));
    }

    /** Extra builder settings for this party's client. */
    public Party configure(java.util.function.Consumer<AmpouleClient.Builder> options) {
        this.options = options;
        return this;
    }

    /** Builds the client (a fresh recorder) and connects it. */
    public Party start() {
        launch().join();
        return this;
    }

    /**
     * Builds the client (a fresh recorder) and starts connecting it. A call made right away runs on
     * the state restored from disk: the WebSocket and authentication take longer than the call, so
     * nothing new from the relay has been processed yet.
     */
    public java.util.concurrent.CompletableFuture<Void> launch() {
        events = new Recorder();
        AmpouleClient.Builder b = AmpouleClient.builder()
                .relay(uri)
                .identity(user, device)
                .tokens(() -> tokens.apply(user))
                .stateStore(stateDir, stateKey)
                .listener(events)
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .operationTimeout(Duration.ofSeconds(60));
        options.accept(b);
        client = b.build();
        return client.connect();
    }

    public void stop() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** {@code all} without {@code gone}, in order. */
    public static java.util.List<Party> except(java.util.List<Party> all, Party... gone) {
        java.util.List<Party> out = new java.util.ArrayList<>(all);
        out.removeAll(java.util.List.of(gone));
        return out;
    }

    @Override
    public String toString() {
        return user + "#" + device;
    }
}
