package dev.ampoule.relay.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.relay.support.RelayCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three relay JVMs on loopback form one cluster (a fixed member list): each sees the three; a node
 * killed with SIGKILL is dropped by the others; a node stopped with SIGTERM drains, leaves and exits
 * cleanly.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterMembershipTest {

    @TempDir
    Path dir;

    private RelayCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void threeNodesJoinAndSeeNodesLeave() {
        cluster = RelayCluster.start(dir, 3, Map.of());
        for (var node : cluster.nodes()) {
            assertEquals(3.0, cluster.metric(node, "ampoule_cluster_members").orElseThrow(), node.toString());
            assertEquals(200, cluster.get(node, "/ready").orElseThrow().statusCode(), node + " is ready");
        }

        cluster.node(2).kill();
        cluster.awaitMembers(2, Duration.ofSeconds(40));

        cluster.node(1).terminate();
        assertTrue(cluster.node(1).awaitExit(Duration.ofSeconds(40)), "SIGTERM ends the node");
        assertTrue(cluster.node(1).stoppedCleanly(), "the node drained and stopped: " + cluster.node(1).tail(20));
        cluster.awaitMembers(1, Duration.ofSeconds(40));
        assertEquals(200, cluster.get(cluster.node(0), "/ready").orElseThrow().statusCode());
    }
}
