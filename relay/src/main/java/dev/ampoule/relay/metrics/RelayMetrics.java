package dev.ampoule.relay.metrics;

import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.WeakHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The relay's meters, on an injected {@link MeterRegistry} (Prometheus in production). Names are
 * the constants below, all under {@code ampoule.} (Prometheus: {@code ampoule_*}; README lists
 * them); tags are low-cardinality (frame type, error code, operation, limit name) — never a user,
 * device or group id. The tag values known in advance are registered at zero from the start, so
 * that rates and alerts see a series before its first event.
 */
public final class RelayMetrics {

    public static final String CONNECTIONS = "ampoule.connections";
    public static final String FRAMES_IN = "ampoule.frames.in";
    public static final String FRAMES_OUT = "ampoule.frames.out";
    public static final String REJECTIONS = "ampoule.rejections";
    public static final String ACCEPTED = "ampoule.messages.accepted";
    public static final String DELIVERIES = "ampoule.deliveries";
    public static final String FANOUT_LATENCY = "ampoule.fanout.latency";
    public static final String STORE_LATENCY = "ampoule.store.latency";
    public static final String STORE_DISK_BYTES = "ampoule.store.disk.bytes";
    public static final String SLOW_DISCONNECTS = "ampoule.slow.disconnects";
    public static final String LIMITS = "ampoule.limits.exceeded";
    public static final String GROUPS = "ampoule.groups";
    /** Gauge: attachment blobs the relay holds. */
    public static final String BLOBS = "ampoule.blobs";
    /** Counter: connections closed because they answered no ping in {@code pingTimeoutSeconds}. */
    public static final String DEAD_PEERS = "ampoule.ws.dead.peers";
    /** Gauge: 1 while the relay is ready to serve ({@code /ready} answers 200), else 0. */
    public static final String READY = "ampoule.ready";
    /** Gauges: free and total bytes of the file system holding {@code dataDir}. */
    public static final String DATA_DIR_FREE_BYTES = "ampoule.data.dir.free.bytes";
    public static final String DATA_DIR_TOTAL_BYTES = "ampoule.data.dir.total.bytes";
    /** Timer, by loop: how late each event loop runs a periodic task ({@link LoopDelay}). */
    public static final String LOOP_DELAY = "ampoule.event.loop.delay";
    /** Counter, by loop: CPU seconds each event loop's thread used ({@link LoopDelay}). */
    public static final String LOOP_CPU = "ampoule.event.loop.cpu";

    /** The limits counted in {@value #LIMITS}, registered at zero. */
    public static final List<String> KNOWN_LIMITS = List.of("frame_size", "messages_per_second", "claims",
            "claims_per_target", "relay_claims", "connections_per_user", "queued_bytes", "group_queue", "group_size",
            "key_packages", "devices_per_user", "tickets_per_user", "tickets_outstanding", "admin_writes_per_user",
            "teams_per_org", "teams_created_per_user", "members_per_team");
    /** The kinds counted in {@value #ACCEPTED}, registered at zero. */
    public static final List<String> KNOWN_KINDS = List.of("create_group", "application", "proposal", "commit",
            "relay_proposal");
    /** The store operations timed in {@value #STORE_LATENCY}, registered at zero. */
    public static final List<String> KNOWN_STORE_OPS = List.of("append", "read");

    public static final String TAG_TYPE = "type";
    public static final String TAG_CODE = "code";
    public static final String TAG_OP = "op";
    public static final String TAG_KIND = "kind";
    public static final String TAG_LIMIT = "limit";
    public static final String TAG_LOOP = "loop";

    private final MeterRegistry registry;
    private final Map<ErrorCode, Counter> rejections = new EnumMap<>(ErrorCode.class);
    private final Map<String, Counter> framesIn = new ConcurrentHashMap<>();
    private final Map<String, Counter> framesOut = new ConcurrentHashMap<>();
    private final Map<String, Counter> accepted = new ConcurrentHashMap<>();
    private final Map<String, Counter> limits = new ConcurrentHashMap<>();
    private final Map<String, Timer> store = new ConcurrentHashMap<>();
    private final Counter deliveries;
    private final Counter slowDisconnects;
    private final Timer fanout;
    private final Counter deadPeers;

    public RelayMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (ErrorCode c : ErrorCode.values()) {
            rejections.put(c, Counter.builder(REJECTIONS).tag(TAG_CODE, c.name())
                    .description("requests refused, by error code").register(registry));
        }
        deliveries = Counter.builder(DELIVERIES).description("messages written to devices").register(registry);
        slowDisconnects = Counter.builder(SLOW_DISCONNECTS)
                .description("connections closed because their write queue stayed full").register(registry);
        fanout = Timer.builder(FANOUT_LATENCY).description("from a message's acceptance to its delivery to a device")
                .publishPercentileHistogram().register(registry);
        deadPeers = Counter.builder(DEAD_PEERS).description("connections closed for answering no ping in time")
                .register(registry);
        KNOWN_LIMITS.forEach(l -> limitCounter(l));
        KNOWN_KINDS.forEach(k -> acceptedCounter(k));
        KNOWN_STORE_OPS.forEach(o -> storeTimer(o));
        for (Class<?> type : Frame.ClientFrame.class.getPermittedSubclasses()) {
            framesIn.computeIfAbsent(type.getSimpleName(), t -> Counter.builder(FRAMES_IN).tag(TAG_TYPE, t).register(registry));
        }
        for (Class<?> type : Frame.RelayFrame.class.getPermittedSubclasses()) {
            framesOut.computeIfAbsent(type.getSimpleName(), t -> Counter.builder(FRAMES_OUT).tag(TAG_TYPE, t).register(registry));
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Gauge values of every relay instance that shares a registry (one registry per node; several
     * gateway instances each add their part): per registry and name, the suppliers summed.
     */
    private static final Map<MeterRegistry, Map<String, List<Supplier<Number>>>> SHARED = new WeakHashMap<>();
    private final List<Map.Entry<String, Supplier<Number>>> mine = new ArrayList<>();

    /**
     * Adds this instance's part of a gauge (open connections, groups, disk bytes): the gauge is the
     * sum over the instances of the node, until each {@link #close}s.
     */
    public void gauge(String name, Supplier<Number> value) {
        List<Supplier<Number>> parts;
        synchronized (SHARED) {
            Map<String, List<Supplier<Number>>> byName = SHARED.computeIfAbsent(registry, r -> new HashMap<>());
            parts = byName.get(name);
            if (parts == null) {
                List<Supplier<Number>> list = new CopyOnWriteArrayList<>();
                parts = list;
                byName.put(name, list);
                io.micrometer.core.instrument.Gauge old = registry.find(name).gauge();
                if (old != null) {
                    registry.remove(old);
                }
                io.micrometer.core.instrument.Gauge.builder(name,
                        () -> list.stream().mapToDouble(x -> x.get().doubleValue()).sum()).register(registry);
            }
        }
        parts.add(value);
        mine.add(Map.entry(name, value));
    }

    /** Takes this instance's parts out of the gauges (it stopped). */
    public void close() {
        synchronized (SHARED) {
            Map<String, List<Supplier<Number>>> byName = SHARED.get(registry);
            if (byName != null) {
                mine.forEach(e -> {
                    List<Supplier<Number>> parts = byName.get(e.getKey());
                    if (parts != null) {
                        parts.remove(e.getValue());
                    }
                });
            }
        }
        mine.clear();
    }

    public void frameIn(String type) {
        framesIn.computeIfAbsent(type, t -> Counter.builder(FRAMES_IN).tag(TAG_TYPE, t).register(registry)).increment();
    }

    public void frameOut(String type) {
        framesOut.computeIfAbsent(type, t -> Counter.builder(FRAMES_OUT).tag(TAG_TYPE, t).register(registry)).increment();
    }

    public void rejected(ErrorCode code) {
        rejections.get(code).increment();
    }

    public void accepted(String kind) {
        acceptedCounter(kind).increment();
    }

    private Counter acceptedCounter(String kind) {
        return accepted.computeIfAbsent(kind, k -> Counter.builder(ACCEPTED).tag(TAG_KIND, k).register(registry));
    }

    public void limitExceeded(String limit) {
        limitCounter(limit).increment();
    }

    private Counter limitCounter(String limit) {
        return limits.computeIfAbsent(limit, l -> Counter.builder(LIMITS).tag(TAG_LIMIT, l).register(registry));
    }

    /** A connection was closed for answering no ping in time. */
    public void deadPeer() {
        deadPeers.increment();
    }

    public void delivered(long acceptedAtMillis, long nowMillis) {
        deliveries.increment();
        fanout.record(Math.max(0, nowMillis - acceptedAtMillis), TimeUnit.MILLISECONDS);
    }

    public void slowDisconnect() {
        slowDisconnects.increment();
    }

    public void storeLatency(String op, Duration d) {
        storeTimer(op).record(d);
    }

    private Timer storeTimer(String op) {
        return store.computeIfAbsent(op, o -> Timer.builder(STORE_LATENCY).tag(TAG_OP, o).publishPercentileHistogram()
                .register(registry));
    }

    public double rejectionCount(ErrorCode code) {
        return rejections.get(code).count();
    }
}
