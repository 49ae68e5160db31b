package dev.ampoule.relay.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.HttpCalls;
import dev.ampoule.relay.support.HttpCalls.Answer;
import dev.ampoule.relay.support.RelayHarness;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One kept-alive HTTP/1.1 connection carries refused and accepted requests one after the other:
 * tickets ({@code 401} then {@code 200}) and the admin API ({@code 401}, {@code 400}, then
 * {@code 201}/{@code 200}). Browsers and SDKs reuse connections, so a refusal must leave the
 * connection ready for the next request — checked byte by byte over a plain socket (also with the
 * requests pipelined), and with Vert.x's HTTP client held to a single pooled connection for many
 * rounds, each request with its own time limit.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeepAliveTest {

    /** Rounds of the pooled-client check: bounded, a few seconds on an idle machine. */
    private static final int ROUNDS = 400;

    @TempDir
    Path dir;

    @Test
    void aRefusalLeavesTheConnectionReadyForTheNextRequest(Vertx vertx, VertxTestContext ctx) throws IOException {
        RelayHarness relay = new RelayHarness(vertx, dir).start();
        String token = relay.token("carol", "h1", List.of());
        String host = "127.0.0.1:" + relay.port();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", relay.port()), 10_000);
            socket.setSoTimeout((int) HttpCalls.LIMIT.toMillis());
            RawHttp http = new RawHttp(socket, host);
            // one request at a time
            assertEquals(401, http.exchange("POST", "/v1/tickets", null, null).status());
            RawAnswer ticket = http.exchange("POST", "/v1/tickets", token, null);
            assertEquals(200, ticket.status(), ticket.body());
            assertTrue(new JsonObject(ticket.body()).getString("ticket").length() > 20);
            assertEquals(401, http.exchange("GET", "/v1/teams", null, null).status());
            assertEquals(400, http.exchange("POST", "/v1/teams", token, "{\"name\": 5}").status());
            assertEquals(400, http.exchange("POST", "/v1/teams", token, "{not json").status());
            RawAnswer created = http.exchange("POST", "/v1/teams", token, "{\"name\": \"Ward 3\"}");
            assertEquals(201, created.status(), created.body());
            String team = new JsonObject(created.body()).getString("id");
            // pipelined: a refused request with a body it never read, then accepted ones, in one write
            http.send("POST", "/v1/tickets", null, "{\"unread\": true}");
            http.send("POST", "/v1/tickets", token, null);
            http.send("GET", "/v1/teams/" + team, null, null);
            http.send("GET", "/v1/teams/" + team, token, null);
            http.flush();
            assertEquals(List.of(401, 200, 401, 200),
                    List.of(http.read().status(), http.read().status(), http.read().status(), http.read().status()));
        } finally {
            relay.stop();
        }
        ctx.completeNow();
    }

    @Test
    void onePooledConnectionGetsEveryAnswer(Vertx vertx, VertxTestContext ctx) {
        // every round takes a ticket and makes admin writes for the same user: room for all of them
        RelayHarness relay = new RelayHarness(vertx, dir, new JsonObject().put("ticketsPerUser", ROUNDS + 1)
                .put("adminWritesPerMinute", 100 * ROUNDS)).start();
        String token = relay.token("dana", "h1", List.of());
        AtomicInteger connections = new AtomicInteger();
        HttpClient http = vertx.httpClientBuilder().with(new HttpClientOptions().setKeepAlive(true))
                .with(new PoolOptions().setHttp1MaxSize(1)).withConnectHandler(c -> connections.incrementAndGet())
                .build();
        int port = relay.port();
        try {
            Answer created = HttpCalls.call(http, HttpCalls.to(port, HttpMethod.POST, "/v1/teams", token),
                    new JsonObject().put("name", "Ward 4").toBuffer());
            assertEquals(201, created.status(), created::text);
            String team = "/v1/teams/" + created.json().getString("id");
            for (int i = 0; i < ROUNDS; i++) {
                String round = "round " + i;
                assertEquals(401, HttpCalls.call(http, HttpCalls.to(port, HttpMethod.POST, "/v1/tickets")).status(), round);
                Answer ticket = HttpCalls.call(http, HttpCalls.to(port, HttpMethod.POST, "/v1/tickets", token));
                assertEquals(200, ticket.status(), round);
                assertTrue(ticket.json().containsKey("ticket"), round);
                assertEquals(401, HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, team)).status(), round);
                Answer bad = HttpCalls.call(http, HttpCalls.to(port, HttpMethod.PUT, team + "/retention", token),
                        Buffer.buffer("{\"days\": \"many\"}"));
                assertEquals(400, bad.status(), round);
                Answer read = HttpCalls.call(http, HttpCalls.to(port, HttpMethod.GET, team, token));
                assertEquals(200, read.status(), round);
                assertEquals("Ward 4", read.json().getString("name"), round);
            }
            assertEquals(1, connections.get(), "every request went over the one pooled connection");
        } finally {
            http.close();
            relay.stop();
        }
        ctx.completeNow();
    }

    private record RawAnswer(int status, Map<String, String> headers, String body) {
    }

    /** HTTP/1.1 over a plain socket: exactly the bytes written, answers read by Content-Length. */
    private static final class RawHttp {
        private final InputStream in;
        private final OutputStream out;
        private final String host;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        RawHttp(Socket socket, String host) throws IOException {
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
            this.host = host;
        }

        RawAnswer exchange(String method, String uri, String token, String body) throws IOException {
            send(method, uri, token, body);
            flush();
            return read();
        }

        void send(String method, String uri, String token, String body) throws IOException {
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(method).append(' ').append(uri).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append("\r\n");
            if (token != null) {
                head.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
            pending.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            pending.write(payload);
        }

        void flush() throws IOException {
            out.write(pending.toByteArray());
            out.flush();
            pending.reset();
        }

        RawAnswer read() throws IOException {
            String status = line();
            assertTrue(status.startsWith("HTTP/1.1 "), status);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            String length = headers.get("content-length");
            assertTrue(length != null, () -> "the answer has a Content-Length: " + headers);
            byte[] body = in.readNBytes(Integer.parseInt(length));
            return new RawAnswer(Integer.parseInt(status.substring(9, 12)), headers,
                    new String(body, StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            List<Byte> bytes = new ArrayList<>();
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new IOException("the relay closed the connection");
                }
                if (b != '\r') {
                    bytes.add((byte) b);
                }
            }
            byte[] a = new byte[bytes.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = bytes.get(i);
            }
            return new String(a, StandardCharsets.US_ASCII);
        }
    }
}
