package dev.ampoule.relay.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The relay's Vert.x: on Linux (x86-64, ARM64) on Netty's epoll transport, elsewhere on NIO, saying why. */
class RelayMetersTest {

    @Test
    void theRelayRunsOnTheNativeTransportWhereItShipsOne() throws Exception {
        Vertx vertx = RelayMeters.vertx(new SimpleMeterRegistry());
        try {
            String arch = System.getProperty("os.arch");
            boolean shipped = System.getProperty("os.name").equals("Linux")
                    && (arch.equals("amd64") || arch.equals("aarch64"));
            assertEquals(shipped, vertx.isNativeTransportEnabled(), RelayMeters.transport(vertx));
            if (shipped) {
                assertEquals("native (epoll)", RelayMeters.transport(vertx));
            } else {
                assertTrue(RelayMeters.transport(vertx).startsWith("nio"), RelayMeters.transport(vertx));
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
