package dev.ampoule.relay.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The meters of the relay process besides the relay's own ({@code ampoule_*}, see
 * {@link dev.ampoule.relay.metrics.RelayMetrics}): Vert.x's ({@code vertx_*}: HTTP server requests,
 * WebSocket connections, bytes, event-loop pools; Vert.x's default labels — method and status
 * code, never a path or an address) and the JVM's and the process's ({@code jvm_*},
 * {@code process_*}, {@code system_*}), all on the relay's registry.
 */
public final class RelayMeters {

    private RelayMeters() {
    }

    /** A Vert.x instance whose metrics go to {@code registry}, on the native transport where it loads. */
    public static Vertx vertx(MeterRegistry registry) {
        return Vertx.builder()
                .with(new VertxOptions().setPreferNativeTransport(true)
                        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
    }

    /**
     * The network transport {@code vertx} runs on, for the start-up log: {@code epoll} on Linux
     * (the relay asks for Netty's native transport), else {@code nio} and why the native one did
     * not load.
     */
    public static String transport(Vertx vertx) {
        if (vertx.isNativeTransportEnabled()) {
            return "native (epoll)";
        }
        Throwable cause = vertx.unavailableNativeTransportCause();
        return "nio" + (cause == null ? "" : " (the native transport is unavailable: " + cause.getMessage() + ")");
    }

    /** Binds the JVM's and the process's meters to {@code registry} (once per registry). */
    @SuppressWarnings("resource") // the GC meters live as long as the process
    public static void bindProcess(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }
}
