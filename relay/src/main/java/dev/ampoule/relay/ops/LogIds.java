package dev.ampoule.relay.ops;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import org.slf4j.MDC;

/**
 * The correlation ids a log event may carry, in the MDC for the duration of a log call: the
 * connection (an id the relay gives each WebSocket), the device ({@code user#device}) and the
 * group (its id in hex). Ids only — never a token, key, ciphertext or message content; the JSON
 * encoder writes these three MDC keys and no other. Event loops run many connections on one thread,
 * so the ids are set around each log call and removed after it:
 * <pre>
 * try (LogIds ids = LogIds.of(connection, device, null)) {
 *     LOG.debug("device authenticated");
 * }
 * </pre>
 */
public final class LogIds implements AutoCloseable {

    public static final String CONNECTION = "connection";
    public static final String DEVICE = "device";
    public static final String GROUP = "group";

    private final String[] previous = new String[3];

    private LogIds(String connection, String device, String group) {
        previous[0] = swap(CONNECTION, connection);
        previous[1] = swap(DEVICE, device);
        previous[2] = swap(GROUP, group);
    }

    /** Puts the ids given (null: left as they are) in the MDC until {@link #close()}. */
    public static LogIds of(String connection, DeviceId device, Bytes group) {
        return new LogIds(connection, device == null ? null : device.toString(), group == null ? null : group.hex());
    }

    /** Only the group's id. */
    public static LogIds group(Bytes group) {
        return of(null, null, group);
    }

    private static String swap(String key, String value) {
        if (value == null) {
            return MDC.get(key);
        }
        String old = MDC.get(key);
        MDC.put(key, value);
        return old;
    }

    /** Puts back what the MDC held before. */
    @Override
    public void close() {
        restore(CONNECTION, previous[0]);
        restore(DEVICE, previous[1]);
        restore(GROUP, previous[2]);
    }

    private static void restore(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
