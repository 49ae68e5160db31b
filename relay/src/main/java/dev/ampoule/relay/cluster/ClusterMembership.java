package dev.ampoule.relay.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.ampoule.relay.config.RelayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * How a relay node joins its cluster: a Vert.x clustered event bus whose membership is Hazelcast's
 * (open-source edition: membership and the event bus's subscription map only — nothing the relay's
 * correctness rests on; durability and ordering come from PostgreSQL).
 *
 * <p>Discovery by configuration: a fixed member list ({@code clusterMembers}, for loopback and VMs)
 * or the DNS lookup of a headless Kubernetes Service ({@code clusterKubernetesService}). Multicast is
 * never used. Hazelcast's own shutdown hook is off: on SIGTERM the relay drains first, then leaves.
 * A member that stops answering heartbeats is dropped after {@value #MAX_NO_HEARTBEAT_SECONDS} s.
 */
public final class ClusterMembership {

    /** Seconds without a heartbeat after which a member is taken out of the cluster. */
    static final int MAX_NO_HEARTBEAT_SECONDS = 8;

    private ClusterMembership() {
    }

    /** The Hazelcast configuration of a node: Vert.x's defaults for its maps, and our network and discovery. */
    public static Config hazelcastConfig(RelayConfig c) {
        Config config = ConfigUtil.loadConfig(); // Vert.x's default-cluster.xml: the maps the event bus needs
        config.setClusterName(c.clusterName);
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(MAX_NO_HEARTBEAT_SECONDS));
        // join quickly (a node waits for others to answer before it forms a cluster of its own; a
        // split formed meanwhile is merged a few seconds later — nothing rests on membership)
        config.setProperty("hazelcast.wait.seconds.before.join", "1");
        config.setProperty("hazelcast.max.wait.seconds.before.join", "3");
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(c.clusterPort).setPortAutoIncrement(false).setPublicAddress(c.clusterHost + ":" + c.clusterPort);
        if (isAddress(c.clusterHost)) {
            config.setProperty("hazelcast.socket.bind.any", "false");
            network.getInterfaces().setEnabled(true).addInterface(c.clusterHost);
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        if (c.clusterKubernetesService.isPresent()) {
            join.getTcpIpConfig().setEnabled(false);
            join.getKubernetesConfig().setEnabled(true)
                    .setProperty("service-dns", c.clusterKubernetesService.get())
                    .setProperty("service-port", Integer.toString(c.clusterPort));
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(c.clusterMembers.stream()
                    .map(m -> m.contains(":") ? m : m + ":" + c.clusterPort).toList());
            join.getTcpIpConfig().addMember(c.clusterHost + ":" + c.clusterPort);
        }
        return config;
    }

    /** Vert.x options of a node: the event bus bound to {@code clusterHost:clusterBusPort}. */
    public static VertxOptions vertxOptions(RelayConfig c) {
        return new VertxOptions().setPreferNativeTransport(true).setEventBusOptions(new EventBusOptions()
                .setHost(c.clusterHost)
                .setPort(c.clusterBusPort)
                .setClusterPublicHost(c.clusterHost));
    }

    /** Starts a clustered Vert.x for this node and joins the cluster. */
    public static Future<Vertx> join(RelayConfig c) {
        return Vertx.builder()
                .with(vertxOptions(c))
                .withClusterManager(new HazelcastClusterManager(hazelcastConfig(c)))
                .buildClustered();
    }

    /** The same, with Vert.x's metrics on {@code registry} (as {@code RelayMeters.vertx} for a single relay). */
    public static Future<Vertx> join(RelayConfig c, MeterRegistry registry) {
        return Vertx.builder()
                .with(vertxOptions(c).setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .withClusterManager(new HazelcastClusterManager(hazelcastConfig(c)))
                .buildClustered();
    }

    /** A literal IPv4 address (bound as an interface); a host name is only announced. */
    private static boolean isAddress(String host) {
        return host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }
}
