package dev.ampoule.relay.support;

import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.FrameCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A WebSocket client on a plain {@link Socket}, written by hand (RFC 6455): it upgrades, then only
 * writes masked binary frames and never reads another byte, as a client that stopped reading
 * would (unless a test reads {@link #in()} itself; it never answers a ping). Its receive buffer is
 * small, so what the relay sends piles up at the relay.
 */
public final class RawWebSocket implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final SecureRandom random = new SecureRandom();

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code 127.0.0.1:port} and upgrades {@code uri}; fails unless the answer is 101. */
    public static RawWebSocket open(int port, String uri) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.setSoTimeout(30_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
        byte[] nonce = new byte[16];
        new SecureRandom().nextBytes(nonce);
        String request = "GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String head = readHead(s.getInputStream());
        if (!head.startsWith("HTTP/1.1 101")) {
            s.close();
            throw new IOException("no WebSocket upgrade: " + head.lines().findFirst().orElse(""));
        }
        return new RawWebSocket(s);
    }

    /** The response head, byte by byte, so nothing after it is consumed. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (head.size() < 16_384) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed during the upgrade");
            }
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                return head.toString(StandardCharsets.US_ASCII);
            }
        }
        throw new IOException("response head too long");
    }

    /** One masked binary frame holding {@code payload}. */
    public byte[] binaryFrame(byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write(0x82); // FIN, binary
        int n = payload.length;
        if (n < 126) {
            f.write(0x80 | n);
        } else if (n < 65_536) {
            f.write(0x80 | 126);
            f.write(n >>> 8);
            f.write(n);
        } else {
            f.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                f.write((int) ((long) n >>> shift));
            }
        }
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        f.write(mask, 0, 4);
        for (int i = 0; i < n; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    /** The frame of {@code frame} with {@code requestId}, ready to write. */
    public byte[] frame(long requestId, Frame frame) {
        return binaryFrame(FrameCodec.encode(requestId, frame));
    }

    /** Writes bytes (blocks while the peer does not read). */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** What the relay sends, unread so far (for a test that reads but never answers). */
    public InputStream in() throws IOException {
        return socket.getInputStream();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
