package dev.ampoule.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.client.support.Party;
import dev.ampoule.client.support.RelayFixture;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.support.TestDevice;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The SDK keeps the relay stocked with this device's KeyPackages. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyPackageTest {

    @TempDir
    Path dir;

    private RelayFixture relay;
    private Party victim;
    private Party coordinator;

    @AfterEach
    void tearDown() {
        for (Party p : new Party[] {victim, coordinator}) {
            if (p != null) {
                p.close();
            }
        }
        relay.close();
    }

    @Test
    void connectPublishesTheTargetAndALastResortPackage(Vertx vertx) {
        relay = new RelayFixture(vertx, dir.resolve("relay"), new JsonObject()).start();
        victim = new Party(relay, dir, "pharmacist", "counter").configure(b -> b.keyPackages(7, 2)).start();
        assertEquals(7L, victim.client.publishKeyPackages(0).join());
        assertEquals(10L, victim.client.publishKeyPackages(3).join());
        // with every ordinary one claimed, the last-resort package is still handed out
        try (TestDevice claimer = TestDevice.connected(vertx, relay.port, relay.token("claimer"), "x")) {
            for (int i = 0; i < 12; i++) {
                Frame f = claimer.call(new Frame.ClaimKeyPackages("pharmacist", Optional.empty(), 1));
                assertEquals(1, assertInstanceOf(Frame.KeyPackages.class, f).entries().size());
            }
        }
    }

    @Test
    void claimedKeyPackagesAreReplenishedWhenFewAreLeft(Vertx vertx) {
        relay = new RelayFixture(vertx, dir.resolve("relay"), new JsonObject()).start();
        victim = new Party(relay, dir, "pharmacist", "counter")
                .configure(b -> b.keyPackages(6, 3).keyPackageCheckInterval(Duration.ofMillis(200))).start();
        try (TestDevice claimer = TestDevice.connected(vertx, relay.port, relay.token("claimer"), "x")) {
            for (int i = 0; i < 4; i++) {
                claimer.call(new Frame.ClaimKeyPackages("pharmacist", Optional.empty(), 1));
            }
        }
        ClientEvent.KeyPackagesPublished refill = victim.events.awaitFirst(ClientEvent.KeyPackagesPublished.class,
                p -> p.published() == 4, 20);
        assertEquals(6, refill.stored());
    }

    @Test
    void joiningAGroupTopsTheStockUp(Vertx vertx) {
        relay = new RelayFixture(vertx, dir.resolve("relay"), new JsonObject()).start();
        victim = new Party(relay, dir, "pharmacist", "counter").configure(b -> b.keyPackages(3, 3)).start();
        coordinator = new Party(relay, dir, "coordinator", "desk").start();
        GroupId team = coordinator.client.createGroup("care-team-kp").join();
        coordinator.client.addMembers(team, List.of("pharmacist")).join();
        victim.events.awaitFirst(ClientEvent.GroupJoined.class, j -> j.groupId().equals(team), 20);
        // the Welcome used one of three: the client tops the stock up again
        ClientEvent.KeyPackagesPublished refill = victim.events.awaitFirst(ClientEvent.KeyPackagesPublished.class,
                p -> p.published() == 1, 20);
        assertEquals(3, refill.stored());
        List<ClientEvent> events = victim.events.events();
        assertTrue(events.indexOf(refill) > events.indexOf(victim.events.all(ClientEvent.GroupJoined.class).get(0)),
                "after the join");
    }
}
