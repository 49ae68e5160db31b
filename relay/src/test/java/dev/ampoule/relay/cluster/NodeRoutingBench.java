package dev.ampoule.relay.cluster;

import com.hazelcast.map.IMap;
import dev.ampoule.relay.config.RelayConfig;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.support.RelayCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How to route "group advanced" notifications between relay nodes, measured (README "Clustering",
 * BENCHMARKS.md): three clustered Vert.x nodes over Hazelcast on loopback, in one JVM, each with
 * one event-bus consumer. Node 0 notifies {@code N} writes to groups spread over the nodes:
 * <ul>
 * <li><b>broadcast</b>: the events of one event-loop turn go out as one batch published to every
 *     node, which keeps what concerns its devices (what {@link NodeBus} does);
 * <li><b>presence</b>: a Hazelcast map group → nodes is read for each write, then the event is sent
 *     to each node holding the group's devices.
 * </ul>
 * Prints the writes per second each way and the median time from a write to its arrival on the
 * other nodes. Run (BENCHMARKS.md has the exact commands): {@code java -cp
 * relay/target/test-classes:relay/target/classes:<the relay's test class path>
 * dev.ampoule.relay.cluster.NodeRoutingBench}.
 */
public final class NodeRoutingBench {

    private static final int NODES = 3;
    private static final int GROUPS = 1_000;
    private static final int WRITES = 50_000;
    private static final int BURST = 50;

    private NodeRoutingBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Vertx> nodes = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            ports.add(RelayCluster.freePort());
        }
        String members = String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
        for (int i = 0; i < NODES; i++) {
            RelayConfig c = RelayConfig.builder().store(RelayConfig.StoreKind.POSTGRESQL).postgresUrl("postgresql://x/y")
                    .clusterEnabled(true).clusterName("bench-" + ProcessHandle.current().pid())
                    .clusterPort(ports.get(i)).clusterBusPort(0).clusterMembers(List.of(members.split(","))).build();
            nodes.add(ClusterMembership.join(c).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS));
        }
        // each group is present on one or two nodes
        IMap<String, Set<String>> presence = ((HazelcastClusterManager) ((VertxInternal) nodes.get(0)).clusterManager())
                .getHazelcastInstance().getMap("bench.presence");
        List<String> ids = nodes.stream().map(v -> ((VertxInternal) v).clusterManager().getNodeId()).toList();
        for (int g = 0; g < GROUPS; g++) {
            Set<String> at = new HashSet<>(List.of(ids.get(g % NODES)));
            if (g % 2 == 0) {
                at.add(ids.get((g + 1) % NODES));
            }
            presence.put(Bytes.wrap(new byte[] {(byte) (g >> 8), (byte) g}).hex(), at);
        }
        AtomicLong received = new AtomicLong();
        AtomicLong latencyNanos = new AtomicLong();
        for (int i = 1; i < NODES; i++) {
            Vertx v = nodes.get(i);
            v.eventBus().<Buffer>consumer("bench.broadcast", m -> {
                Buffer b = m.body();
                long sent = b.getLong(0);
                int n = b.getInt(8);
                received.addAndGet(n);
                latencyNanos.addAndGet((System.nanoTime() - sent) * n);
            });
            v.eventBus().<Buffer>consumer("bench.node." + ids.get(i), m -> {
                received.incrementAndGet();
                latencyNanos.addAndGet(System.nanoTime() - m.body().getLong(0));
            });
        }
        Thread.sleep(2_000);
        for (int round = 0; round < 2; round++) {
            System.out.println(round == 0 ? "warm-up" : "measured");
            run("broadcast", nodes.get(0), received, latencyNanos, () -> broadcast(nodes.get(0)));
            run("presence", nodes.get(0), received, latencyNanos, () -> presence(nodes.get(0), presence, ids.get(0)));
        }
        for (Vertx v : nodes) {
            v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private interface Writes {
        Future<Long> run();
    }

    private static void run(String name, Vertx v, AtomicLong received, AtomicLong latency, Writes writes)
            throws Exception {
        received.set(0);
        latency.set(0);
        long t0 = System.nanoTime();
        long expected = writes.run().toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
        long sent = System.nanoTime();
        long deadline = sent + TimeUnit.SECONDS.toNanos(60);
        while (received.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-9s %,d writes notified in %.2f s: %,.0f writes/s; %,d arrivals, mean %.2f ms from write"
                + " to arrival%n", name, WRITES, seconds, WRITES / seconds, received.get(),
                latency.get() / 1e6 / Math.max(1, received.get()));
    }

    /** Bursts of writes; one batch per burst (one event-loop turn) published to every node. */
    private static Future<Long> broadcast(Vertx v) {
        Promise<Long> done = Promise.promise();
        v.runOnContext(x -> burst(v, 0, done, (from, to) -> {
            Buffer b = Buffer.buffer(12 + (to - from) * 40);
            b.appendLong(System.nanoTime()).appendInt(to - from);
            for (int w = from; w < to; w++) {
                b.appendUnsignedShort(32).appendBytes(new byte[32]).appendLong(w);
            }
            v.eventBus().publish("bench.broadcast", b);
            return Future.succeededFuture((long) (to - from) * (NODES - 1));
        }));
        return done.future();
    }

    /** Each write: the presence map read, then a send to each node holding the group (but this one). */
    private static Future<Long> presence(Vertx v, IMap<String, Set<String>> map, String self) {
        Promise<Long> done = Promise.promise();
        v.runOnContext(x -> burst(v, 0, done, (from, to) -> {
            List<Future<Long>> all = new ArrayList<>();
            for (int w = from; w < to; w++) {
                int g = w % GROUPS;
                String key = Bytes.wrap(new byte[] {(byte) (g >> 8), (byte) g}).hex();
                all.add(Future.fromCompletionStage(map.getAsync(key), v.getOrCreateContext()).map(at -> {
                    long n = 0;
                    for (String node : at) {
                        if (!node.equals(self)) {
                            v.eventBus().send("bench.node." + node, Buffer.buffer().appendLong(System.nanoTime()));
                            n++;
                        }
                    }
                    return n;
                }));
            }
            return Future.all(all).map(cf -> {
                long n = 0;
                for (int i = 0; i < cf.size(); i++) {
                    n += cf.<Long>resultAt(i);
                }
                return n;
            });
        }));
        return done.future();
    }

    private interface Burst {
        Future<Long> send(int from, int to);
    }

    private static void burst(Vertx v, long arrivals, Promise<Long> done, Burst burst) {
        burstFrom(v, 0, arrivals, done, burst);
    }

    private static void burstFrom(Vertx v, int from, long arrivals, Promise<Long> done, Burst burst) {
        if (from >= WRITES) {
            done.complete(arrivals);
            return;
        }
        int to = Math.min(WRITES, from + BURST);
        burst.send(from, to).onComplete(ar -> burstFrom(v, to, arrivals + ar.result(), done, burst));
    }
}
