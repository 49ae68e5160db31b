package dev.ampoule.relay.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * How the relay instances of a cluster tell each other about durable writes ({@link NodeEvent}s):
 * one event-bus consumer per node, on one address — never one per connection, device, user or group
 * (each consumer registration is cluster-wide state in Hazelcast's subscription map; registering
 * them per device is known to collapse under churn).
 *
 * <p>Routing: every batch is published to every node; each node hands it to its local instances,
 * which ignore what concerns no device they serve. Events are coalesced per instance and event-loop
 * turn ({@link Port}), so a node sends at most one batch per turn whatever the message rate, and a
 * receiver's cost is one hash lookup per event. README "Clustering" has the measurements behind
 * choosing this over a presence map (group → nodes).
 *
 * <p>Nothing depends on an event arriving: they only make delivery prompt. The database holds every
 * fact; a receiver that missed events catches up when it next reads (a device's session reads from
 * its cursor on every reconnect, and an instance reloads a group it finds stale in the database).
 */
public final class NodeBus {

    private static final Logger LOG = LoggerFactory.getLogger(NodeBus.class);
    /** The one address every node consumes. */
    public static final String ADDRESS = "ampoule.relay.node-events";
    /** Gauge: the nodes of the cluster this node sees (1 when not clustered). */
    public static final String MEMBERS = "ampoule.cluster.members";
    /** Counter: batches of node events received from other nodes. */
    public static final String BATCHES_IN = "ampoule.cluster.event.batches.in";

    /** An instance of the relay on this node: gets the events of every other instance. */
    private record Subscriber(Context context, Consumer<List<NodeEvent>> handler) {
    }

    private final Vertx vertx;
    private final String nodeId;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final Counter batchesIn;
    private MessageConsumer<Buffer> consumer;

    private NodeBus(Vertx vertx, MeterRegistry registry) {
        this.vertx = vertx;
        ClusterManager cm = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
        this.nodeId = cm != null ? cm.getNodeId() : "local-" + UUID.randomUUID();
        this.batchesIn = Counter.builder(BATCHES_IN).description("node event batches received from other nodes")
                .register(registry);
        Gauge.builder(MEMBERS, () -> cm == null ? 1 : cm.getNodes().size())
                .description("relay nodes in the cluster, as this node sees it").register(registry);
    }

    /** Starts the node's bus: its one consumer on {@link #ADDRESS} when clustered. */
    public static Future<NodeBus> start(Vertx vertx, MeterRegistry registry) {
        NodeBus bus = new NodeBus(vertx, registry);
        if (!vertx.isClustered()) {
            return Future.succeededFuture(bus);
        }
        bus.consumer = vertx.eventBus().consumer(ADDRESS, m -> bus.received(m.body()));
        return bus.consumer.completion().map(bus);
    }

    public String nodeId() {
        return nodeId;
    }

    /** The nodes of the cluster (this one alone when not clustered). */
    public int members() {
        return vertx.isClustered() ? ((VertxInternal) vertx).clusterManager().getNodes().size() : 1;
    }

    /**
     * Subscribes an instance: {@code handler} runs on {@code context} with the events of every other
     * instance of this node and of every other node. Returns the instance's {@link Port}.
     */
    public Port subscribe(Context context, Consumer<List<NodeEvent>> handler) {
        Subscriber s = new Subscriber(context, handler);
        subscribers.add(s);
        return new Port(s);
    }

    /** Stops consuming (the node leaves). */
    public Future<Void> close() {
        subscribers.clear();
        return consumer == null ? Future.succeededFuture() : consumer.unregister();
    }

    private void received(Buffer body) {
        NodeEvent.Batch batch;
        try {
            batch = NodeEvent.decode(body);
        } catch (IllegalArgumentException e) {
            LOG.warn("dropped a malformed node event batch: {}", e.getMessage());
            return;
        }
        if (batch.origin().equals(nodeId)) {
            return; // this node's own instances were told directly
        }
        batchesIn.increment();
        for (Subscriber s : subscribers) {
            s.context().runOnContext(v -> s.handler().accept(batch.events()));
        }
    }

    private void publish(Subscriber from, List<NodeEvent> events) {
        for (Subscriber s : subscribers) {
            if (s != from) {
                s.context().runOnContext(v -> s.handler().accept(events));
            }
        }
        if (vertx.isClustered()) {
            vertx.eventBus().publish(ADDRESS, NodeEvent.encode(new NodeEvent.Batch(nodeId, events)),
                    new DeliveryOptions().setLocalOnly(false));
        }
    }

    /**
     * One instance's side of the bus, confined to its context: events told in one event-loop turn
     * go out together at its end, duplicates merged (the highest {@code endSeq} of a group).
     */
    public final class Port {
        private final Subscriber self;
        private final Map<Object, NodeEvent> pending = new LinkedHashMap<>();

        private Port(Subscriber self) {
            this.self = self;
        }

        public void tell(NodeEvent event) {
            boolean first = pending.isEmpty();
            Object key = switch (event) {
                case NodeEvent.GroupAdvanced g -> List.of("advanced", g.groupId());
                default -> event;
            };
            pending.merge(key, event, (a, b) -> a instanceof NodeEvent.GroupAdvanced x
                    && b instanceof NodeEvent.GroupAdvanced y && x.endSeq() > y.endSeq() ? a : b);
            if (first) {
                self.context().runOnContext(v -> flush());
            }
        }

        private void flush() {
            if (pending.isEmpty()) {
                return;
            }
            List<NodeEvent> events = new ArrayList<>(pending.values());
            pending.clear();
            publish(self, events);
        }

        /** Stops receiving (the instance stops). */
        public void close() {
            flush();
            subscribers.remove(self);
        }
    }
}
