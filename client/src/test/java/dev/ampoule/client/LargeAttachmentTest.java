package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.RelayExtension;
import dev.ampoule.client.support.RelayFixture;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 50 MB attachment between two SDK clients, each in its own JVM with a heap of
 * {@value #HEAP_MB} MiB — smaller than the file, so neither can hold it — through a real relay:
 * the file arrives byte for byte, each client reports the largest heap use it saw, and a scan of
 * the relay's whole data directory finds none of the file's plaintext.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class LargeAttachmentTest {

    static final int SIZE = 50 << 20;
    static final int HEAP_MB = 32;
    /** Every 4 KiB block of the file starts with this, then its number; the rest is random. */
    static final String MARKER = "AMPOULE-ECG-SAMPLE-";

    @RegisterExtension
    final RelayExtension e2e = RelayExtension.adHoc();

    private Path dir;
    private RelayFixture relay;
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void tearDown() {
        children.forEach(Process::destroyForcibly);
    }

    private Process child(String role, Path state, Path file, Map<String, String> said, CountDownLatch ready) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx" + HEAP_MB + "m", "-cp", System.getProperty("java.class.path"),
                AttachmentChild.class.getName(), role, relay.uri().toString(), relay.dataDir.toString(), state.toString(),
                file.toString()).redirectErrorStream(true).start();
        children.add(p);
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    System.out.println("[" + role + "] " + line);
                    int space = line.indexOf(' ');
                    String word = space < 0 ? line : line.substring(0, space);
                    if (word.matches("[A-Z]+")) {
                        said.put(role + "." + word, space < 0 ? "" : line.substring(space + 1));
                        if (word.equals("READY")) {
                            ready.countDown();
                        }
                    }
                }
            } catch (java.io.IOException e) {
                // the child ended
            }
        });
        return p;
    }

    static byte[] sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = new byte[1 << 16];
            int n;
            while ((n = in.read(b)) > 0) {
                md.update(b, 0, n);
            }
        }
        return md.digest();
    }

    /** Writes the 50 MB file; returns a few random windows of it to look for at the relay. */
    private List<byte[]> writeFile(Path file) throws Exception {
        Random random = new Random(42);
        List<byte[]> probes = new ArrayList<>();
        byte[] block = new byte[4096];
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            for (int i = 0; i < SIZE / block.length; i++) {
                random.nextBytes(block);
                byte[] head = String.format("%s%08d|", MARKER, i).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(head, 0, block, 0, head.length);
                if (i % 3_000 == 1) {
                    probes.add(java.util.Arrays.copyOfRange(block, 1_000, 1_032));
                }
                out.write(block);
            }
        }
        probes.add(MARKER.getBytes(StandardCharsets.US_ASCII));
        return probes;
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (hay[i] != needle[0]) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void fiftyMegabytesTravelWithBoundedHeapsAndNoPlaintextAtTheRelay() throws Exception {
        dir = e2e.dir();
        relay = e2e.relay();
        Path original = dir.resolve("scan.dcm");
        List<byte[]> probes = writeFile(original);
        Path received = dir.resolve("received.dcm");
        Map<String, String> said = new ConcurrentHashMap<>();
        CountDownLatch ready = new CountDownLatch(1);

        Process receiver = child("receive", dir.resolve("bob-state"), received, said, ready);
        assertTrue(ready.await(120, TimeUnit.SECONDS), "the receiver connected");
        long t0 = System.nanoTime();
        Process sender = child("send", dir.resolve("alice-state"), original, said, new CountDownLatch(1));
        assertTrue(sender.waitFor(300, TimeUnit.SECONDS), "the sender finished");
        assertTrue(receiver.waitFor(300, TimeUnit.SECONDS), "the receiver finished");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(0, sender.exitValue(), "sender: " + said);
        assertEquals(0, receiver.exitValue(), "receiver: " + said);
        assertEquals(Long.toString(SIZE), said.get("receive.FETCHED"));
        assertArrayEquals(sha256(original), sha256(received));

        long maxHeap = Long.parseLong(said.get("send.MAX"));
        assertTrue(maxHeap < SIZE, "each client's heap is smaller than the file: " + maxHeap);
        long senderPeak = Long.parseLong(said.get("send.PEAK"));
        long receiverPeak = Long.parseLong(said.get("receive.PEAK"));
        System.out.printf("[attachment] 50 MiB round trip in %d ms; heap limit %d MiB per client; peak heap used: "
                + "sender %.1f MiB, receiver %.1f MiB%n", millis, maxHeap >> 20, senderPeak / 1048576.0,
                receiverPeak / 1048576.0);

        // the relay's data directory holds none of the plaintext
        List<Path> files;
        try (Stream<Path> walk = Files.walk(relay.dataDir)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        long scanned = 0;
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            scanned += content.length;
            for (byte[] probe : probes) {
                assertTrue(!contains(content, probe), f + " holds plaintext of the file");
            }
        }
        assertTrue(scanned > SIZE, "the encrypted blob is among the files scanned: " + scanned + " bytes");
    }
}
