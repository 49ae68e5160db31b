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

/** kill -9 of a separate process writing to the store, also while it compacts: every acknowledged append survives. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS) // five child JVMs on a busy machine
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

    /**
     * kill -9 while the store compacts: each round kills the child in the middle of its n-th
     * checkpoint (after it began, before it completed); afterwards every acknowledged message is
     * there, and so is the whole live state (exactly once per record), whichever checkpoint won.
     */
    @Test
    void acknowledgedAppendsAndTheLiveStateSurviveKill9DuringCompaction(Vertx vertx, VertxTestContext ctx)
            throws Exception {
        List<Long> acked = new ArrayList<>();
        int midCompaction = 0;
        for (int round = 0; round < 4; round++) {
            Killed k = runAndKillCompacting(round + 2, round);
            acked.addAll(k.acked());
            midCompaction += k.duringCompaction() ? 1 : 0;
        }
        assertTrue(midCompaction >= 2, "killed during a compaction " + midCompaction + " times of 4");
        FileStore store = new FileStore(vertx, dir, 256 * 1024, true, 1 << 20);
        java.util.Set<Long> seqs = new java.util.HashSet<>();
        java.util.Set<Bytes> refs = new java.util.HashSet<>();
        store.open(r -> {
            switch (r) {
                case StoreRecord.MessageAccepted m -> seqs.add(m.message().seq());
                case StoreRecord.KeyPackageAdded kp -> refs.add(kp.ref());
                default -> { }
            }
        }).map(v -> {
            assertTrue(acked.size() > 100, "the child acknowledged " + acked.size());
            List<Long> lost = acked.stream().filter(s -> !seqs.contains(s)).toList();
            assertTrue(lost.isEmpty(), () -> lost.size() + " acknowledged messages lost, from " + lost.get(0) + " to "
                    + lost.get(lost.size() - 1) + "; recovered " + seqs.size() + " up to "
                    + seqs.stream().mapToLong(Long::longValue).max().orElse(0));
            assertEquals(StoreCrashChild.LIVE, refs.size(), "the live state survived");
            return store;
        }).compose(Store::close).onComplete(ctx.succeedingThenComplete());
    }

    private record Killed(List<Long> acked, boolean duringCompaction) {
    }

    /** Runs the compacting child; kills it (SIGKILL) right after it begins compaction {@code n}, {@code delayMillis} later. */
    private Killed runAndKillCompacting(int n, int delayMillis) throws Exception {
        Process p = child("compact");
        List<Long> acked = new ArrayList<>();
        boolean killedDuring = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
                if (line.startsWith("ACK ")) {
                    acked.add(Long.parseLong(line.substring(4)));
                } else if (line.equals("COMPACTING " + n)) {
                    Thread.sleep(delayMillis);
                    // what it printed meanwhile: did compaction n end before the signal?
                    killedDuring = true;
                    while (out.ready() && (line = out.readLine()) != null) {
                        if (line.startsWith("ACK ")) {
                            acked.add(Long.parseLong(line.substring(4)));
                        } else if (line.equals("COMPACTED " + n)) {
                            killedDuring = false;
                        }
                    }
                    p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flush
                    break;
                }
            }
        } finally {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        return new Killed(acked, killedDuring);
    }

    private Process child(String... mode) throws java.io.IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                StoreCrashChild.class.getName(), dir.toString()));
        command.addAll(List.of(mode));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Starts the child on the same store, waits for some acknowledgements, kills it with SIGKILL. */
    private long runAndKill(int round) throws Exception {
        Process p = child();
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
