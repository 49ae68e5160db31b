package dev.ampoule.relay.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection over a plain socket, for requests no HTTP client would send (a request
 * target that is not a valid URI, any method, any body): it writes the bytes as given and reads the
 * answer (Content-Length or chunked), reusing the connection while the server keeps it open. A
 * request without an answer within the timeout is an {@link AssertionError} naming the request.
 */
public final class RawHttp implements AutoCloseable {

    /** An answer: status, headers (lower-case names), body. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final int port;
    private final int timeoutMillis;
    private Socket socket;

    public RawHttp(int port, int timeoutMillis) {
        this.port = port;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Sends {@code method target} with the headers and body (Content-Length is added) and reads the
     * answer; a connection the server closed is opened again once.
     */
    public Answer send(String method, String target, Map<String, String> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] request = concat(head.toString().getBytes(StandardCharsets.ISO_8859_1), body);
        boolean noBody = method.equals("HEAD");
        for (int attempt = 0; ; attempt++) {
            try {
                if (socket == null) {
                    socket = new Socket();
                    socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
                    socket.setSoTimeout(timeoutMillis);
                    socket.setTcpNoDelay(true);
                }
                OutputStream out = socket.getOutputStream();
                out.write(request);
                out.flush();
                Answer a = read(socket.getInputStream(), noBody);
                if ("close".equalsIgnoreCase(a.header("connection"))) {
                    close();
                }
                return a;
            } catch (SocketTimeoutException e) {
                close();
                throw new AssertionError("no answer within " + timeoutMillis + " ms to " + method + " " + target, e);
            } catch (IOException e) {
                close(); // closed by the server (e.g. after a refused request): once more on a new one
                if (attempt > 0) {
                    throw new AssertionError("connection failed for " + method + " " + target, e);
                }
            }
        }
    }

    private static Answer read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before an answer");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (head || status == 204 || status == 304 || status / 100 == 1) {
            return new Answer(status, headers, new byte[0]);
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int n = Integer.parseInt(line(in).split(";")[0].strip(), 16); n > 0;
                    n = Integer.parseInt(line(in).split(";")[0].strip(), 16)) {
                body.write(in.readNBytes(n));
                line(in);
            }
            for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
                // trailers
            }
        } else if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        }
        return new Answer(status, headers, body.toByteArray());
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
            socket = null;
        }
    }
}
