package dev.ampoule.relay.gateway;

import static dev.ampoule.relay.support.RelayHarness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.RelayHarness;
import dev.ampoule.relay.support.TestDevice;
import dev.ampoule.relay.support.TestPki;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS listener: TLS 1.3 only by default, TLS 1.2 only with forward-secret AEAD suites when
 * enabled, mutual TLS for service clients, and a certificate replaced on disk served to new
 * connections without a restart. Real WebSockets and HTTP requests over TLS.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsHardeningTest {

    @TempDir
    Path dir;

    private final TestPki.Issued ca = TestPki.authority("Ampoule test server CA");

    /** What one HTTPS request saw: the status, the protocol and suite negotiated, the server's certificate. */
    private record Seen(int status, String protocol, String cipherSuite, String serverSubject) {
    }

    private Path certFile() {
        return dir.resolve("cert.pem");
    }

    private Path keyFile() {
        return dir.resolve("key.pem");
    }

    private RelayHarness relay(Vertx vertx, TestPki.Issued server, JsonObject more) {
        server.writeTo(certFile(), keyFile());
        return new RelayHarness(vertx, dir.resolve("data"), new JsonObject().put("tlsCertPath", certFile().toString())
                .put("tlsKeyPath", keyFile().toString()).mergeIn(more)).start();
    }

    private static HttpClientOptions https(Consumer<HttpClientOptions> tweak) {
        HttpClientOptions o = new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false)
                .setKeepAlive(false);
        tweak.accept(o);
        return o;
    }

    private static WebSocketClientOptions wss(Consumer<WebSocketClientOptions> tweak) {
        WebSocketClientOptions o = TestDevice.options();
        o.setSsl(true).setTrustAll(true).setVerifyHost(false);
        tweak.accept(o);
        return o;
    }

    /** GET /health on a new connection; empty when the connection or handshake fails. */
    private static Optional<Seen> health(Vertx vertx, int port, HttpClientOptions options) {
        HttpClient http = vertx.createHttpClient(options);
        try {
            Future<Seen> seen = http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                    .setPort(port).setURI("/health").setTimeout(30_000))
                    .compose(req -> req.send().compose(res -> res.body().map(b -> {
                        try {
                            X509Certificate peer = (X509Certificate) req.connection().peerCertificates().get(0);
                            return new Seen(res.statusCode(), req.connection().sslSession().getProtocol(),
                                    req.connection().sslSession().getCipherSuite(),
                                    peer.getSubjectX500Principal().getName());
                        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                            throw new IllegalStateException(e);
                        }
                    })));
            return Optional.of(await(seen));
        } catch (AssertionError e) {
            return Optional.empty();
        } finally {
            http.close();
        }
    }

    /** Opens a WebSocket and authenticates; false when the connection, the handshake or the upgrade fails. */
    private static boolean webSocketWorks(Vertx vertx, RelayHarness relay, WebSocketClientOptions options) {
        TestDevice d;
        try {
            d = await(TestDevice.open(vertx, options, relay.port(), "/v1/ws"));
        } catch (AssertionError e) {
            return false;
        }
        try {
            return await(d.request(new Frame.Authenticate(relay.token("svc"), "worker")).map(f -> f instanceof Frame.Ok)
                    .recover(e -> Future.succeededFuture(false)));
        } finally {
            d.close();
        }
    }

    @Test
    void tls13OnlyByDefault(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = relay(vertx, TestPki.server("relay-a", ca), new JsonObject());
        try {
            Seen seen = health(vertx, relay.port(), https(o -> { })).orElseThrow();
            assertEquals(200, seen.status());
            assertEquals("TLSv1.3", seen.protocol());
            assertTrue(webSocketWorks(vertx, relay, wss(o -> { })), "wss with TLS 1.3");

            assertEquals(Optional.empty(), health(vertx, relay.port(),
                    https(o -> o.setEnabledSecureTransportProtocols(Set.of("TLSv1.2")))), "a TLS 1.2 client is refused");
            assertFalse(webSocketWorks(vertx, relay, wss(o -> o.setEnabledSecureTransportProtocols(Set.of("TLSv1.2")))));
            assertEquals(Optional.empty(), health(vertx, relay.port(),
                    https(o -> o.setEnabledSecureTransportProtocols(Set.of("TLSv1.1")))));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void tls12WhenEnabledOnlyWithForwardSecretAeadSuites(Vertx vertx, VertxTestContext ctx) {
        RelayHarness relay = relay(vertx, TestPki.server("relay-a", ca),
                new JsonObject().put("tlsProtocols", "TLSv1.3,TLSv1.2"));
        try {
            Seen seen = health(vertx, relay.port(),
                    https(o -> o.setEnabledSecureTransportProtocols(Set.of("TLSv1.2")))).orElseThrow();
            assertEquals("TLSv1.2", seen.protocol());
            assertTrue(RelayConfig.DEFAULT_TLS_CIPHER_SUITES.contains(seen.cipherSuite()), seen.cipherSuite());
            assertTrue(seen.cipherSuite().startsWith("TLS_ECDHE_"), seen.cipherSuite());
            // a client offering only CBC suites finds nothing in common
            assertEquals(Optional.empty(), health(vertx, relay.port(), https(o -> o
                    .setEnabledSecureTransportProtocols(Set.of("TLSv1.2"))
                    .addEnabledCipherSuite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"))));
            assertEquals("TLSv1.3", health(vertx, relay.port(), https(o -> { })).orElseThrow().protocol());
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void mutualTlsRefusesAClientWithoutACertificateOfItsAuthorities(Vertx vertx, VertxTestContext ctx) throws Exception {
        TestPki.Issued clientCa = TestPki.authority("Ampoule service clients");
        TestPki.Issued service = TestPki.client("billing-service", clientCa);
        TestPki.Issued stranger = TestPki.client("billing-service", TestPki.authority("Somebody else"));
        Path caFile = dir.resolve("clients-ca.pem");
        Files.writeString(caFile, clientCa.certificatePem());
        RelayHarness relay = relay(vertx, TestPki.server("relay-a", ca), new JsonObject()
                .put("tlsClientCaPath", caFile.toString()).put("tlsRequireClientAuth", true));
        try {
            assertEquals(Optional.empty(), health(vertx, relay.port(), https(o -> { })), "no client certificate");
            assertFalse(webSocketWorks(vertx, relay, wss(o -> { })), "no client certificate");
            assertEquals(Optional.empty(), health(vertx, relay.port(), https(o -> o.setKeyCertOptions(
                    stranger.asKeyCertOptions()))), "a certificate of another authority");
            assertFalse(webSocketWorks(vertx, relay, wss(o -> o.setKeyCertOptions(stranger.asKeyCertOptions()))));

            assertEquals(200, health(vertx, relay.port(), https(o -> o.setKeyCertOptions(service.asKeyCertOptions())))
                    .orElseThrow().status());
            assertTrue(webSocketWorks(vertx, relay, wss(o -> o.setKeyCertOptions(service.asKeyCertOptions()))));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void aCertificateReplacedOnDiskIsServedWithoutRestart(Vertx vertx, VertxTestContext ctx) throws Exception {
        RelayHarness relay = relay(vertx, TestPki.server("relay-a", ca), new JsonObject().put("tlsReloadSeconds", 1));
        try (TestDevice before = await(TestDevice.open(vertx, wss(o -> { }), relay.port(), "/v1/ws"))) {
            assertInstanceOf(Frame.Ok.class, await(before.request(new Frame.Authenticate(relay.token("alice"), "phone"))));
            assertEquals("CN=relay-a", health(vertx, relay.port(), https(o -> { })).orElseThrow().serverSubject());

            TestPki.server("relay-b", ca).writeTo(certFile(), keyFile());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!"CN=relay-b".equals(health(vertx, relay.port(), https(o -> { })).map(Seen::serverSubject).orElse(""))) {
                assertTrue(System.nanoTime() < deadline, "the new certificate was served within 60 s");
                Thread.sleep(200);
            }
            assertTrue(relay.registry.scrape().contains("ampoule_tls_reloads_total{result=\"ok\"}"));
            // the connection opened before goes on
            before.error(new Frame.ClaimKeyPackages("nobody", Optional.empty(), 0), ErrorCode.NO_KEY_PACKAGE);

            // a broken file is not taken: the current certificate stays
            Files.writeString(certFile(), "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!relay.registry.scrape().contains("ampoule_tls_reloads_total{result=\"failed\"}")) {
                assertTrue(System.nanoTime() < deadline, "the broken certificate was noticed");
                Thread.sleep(200);
            }
            assertEquals("CN=relay-b", health(vertx, relay.port(), https(o -> { })).orElseThrow().serverSubject());
            assertFalse(await(relay.verticle().reloadTls()), "nothing to take from broken files");
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }
}
