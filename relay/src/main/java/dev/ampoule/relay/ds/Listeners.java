package dev.ampoule.relay.ds;

import dev.ampoule.relay.protocol.DeviceId;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** The connected devices' {@link DeliveryService.Listener}s, and telling them what changed. Event-loop confined. */
final class Listeners {

    private final Vertx vertx;
    private final Map<DeviceId, Set<DeliveryService.Listener>> byDevice = new HashMap<>();
    /** Groups whose receivers are told in the next {@link #advanceLater} turn (identity: one entry per group). */
    private final Set<GroupState> toAdvance = new LinkedHashSet<>();

    Listeners(Vertx vertx) {
        this.vertx = vertx;
    }

    void attach(DeviceId device, DeliveryService.Listener listener) {
        byDevice.computeIfAbsent(device, d -> new LinkedHashSet<>()).add(listener);
    }

    void detach(DeviceId device, DeliveryService.Listener listener) {
        Set<DeliveryService.Listener> set = byDevice.get(device);
        if (set != null) {
            set.remove(listener);
            if (set.isEmpty()) {
                byDevice.remove(device);
            }
        }
    }

    /** Whether the device is connected to this relay. */
    boolean attached(DeviceId device) {
        return byDevice.containsKey(device);
    }

    /** Every device receiving the group: it has new durable messages. */
    void groupAdvanced(GroupState g) {
        for (DeviceId d : List.copyOf(g.access.keySet())) {
            device(d, l -> l.groupAdvanced(g.id));
        }
    }

    /**
     * As {@link #groupAdvanced}, in a later turn of the event loop (after the sender's Ok is written).
     * The groups advanced before that turn runs are told once each: the messages of a group that
     * became durable together (one batch of the store) wake each receiver once, not once per message.
     */
    void groupAdvancedLater(GroupState g) {
        if (toAdvance.add(g) && toAdvance.size() == 1) {
            later(this::advanceLater);
        }
    }

    private void advanceLater() {
        List<GroupState> groups = List.copyOf(toAdvance);
        toAdvance.clear();
        groups.forEach(this::groupAdvanced);
    }

    /** Runs {@code events} in a later turn of the event loop. */
    void later(Runnable events) {
        vertx.runOnContext(x -> events.run());
    }

    /** Tells the device's listeners. */
    void device(DeviceId device, Consumer<DeliveryService.Listener> event) {
        Set<DeliveryService.Listener> ls = byDevice.get(device);
        if (ls != null) {
            List.copyOf(ls).forEach(event);
        }
    }
}
