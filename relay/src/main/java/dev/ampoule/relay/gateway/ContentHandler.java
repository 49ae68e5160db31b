package dev.ampoule.relay.gateway;

import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.ErrorCode;
import dev.ampoule.relay.protocol.Frame;
import dev.ampoule.relay.protocol.RelayException;
import io.vertx.core.Future;

/**
 * Answers a device's frames about what the relay keeps beside a group's messages — blobs, history,
 * records ({@link Frame.ContentFrame}). Called on the event loop; the future fails with a
 * {@link RelayException} for a refusal.
 */
@FunctionalInterface
public interface ContentHandler {

    Future<Frame.RelayFrame> handle(DeviceId device, Frame.ContentFrame frame);

    /** A relay that keeps none: every such frame is refused. */
    ContentHandler NONE = (device, frame) -> Future.failedFuture(
            new RelayException(ErrorCode.FORBIDDEN, "this relay keeps no blobs"));
}
