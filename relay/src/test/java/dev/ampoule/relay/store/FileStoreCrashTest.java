package dev.ampoule.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a separate process writing to the store: every acknowledged append survives. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FileStoreCrashTest {

    @TempDir
    Path dir;

    @Test
    void acknowledgedAppendsSurviveKill9(Vertx vertx, VertxTestContext ctx) throws Exception {
        long lastAcked = 0;
        for (int round = 0; round < 3; round++) {
            lastAcked = Math.max(lastAcked, runAndKill(round));
        }
        long acked = lastAcked;
        FileStore store = new FileStore(vertx, dir, 256 * 1024, true, 1 << 20);
        Bytes group = Bytes.ofHex("c0ffee");
        List<Long> seqs = new ArrayList<>();
        store.open(r -> seqs.add(RecordCodec.messageOf(r).seq()))
                .compose(v -> store.read(group, acked, 1))
                .map(read -> {
                    assertTrue(acked > 100, "the child acknowledged " + acked);
                    assertTrue(seqs.contains(acked), "acknowledged seq " + acked + " survived");
                    assertEquals(1, read.size());
                    return store;
                })
                .compose(Store::close)
                .onComplete(ctx.succeedingThenComplete());
    }

    /** Starts the child on the same store, waits for some acknowledgements, kills it with SIGKILL. */
    private long runAndKill(int round) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StoreCrashChild.class.getName(), dir.toString())
                .redirectErrorStream(false)
                .start();
        long maxAck = 0;
        long seen = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    maxAck = Math.max(maxAck, Long.parseLong(line.substring(4)));
                    if (++seen >= 300 + round * 50) {
                        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flush
                        break;
                    }
                }
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(seen > 0, "the child acknowledged appends");
        return maxAck;
    }
}
