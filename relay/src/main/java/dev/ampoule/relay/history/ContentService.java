package dev.ampoule.relay.history;

import dev.ampoule.relay.blob.BlobMeta;
import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.gateway.ContentHandler;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import io.vertx.core.Future;

/** Routes a device's frames about blobs, history and records to the service of each. Event-loop confined. */
public final class ContentService implements ContentHandler {

    private final BlobService blobs;

    public ContentService(BlobService blobs) {
        this.blobs = blobs;
    }

    @Override
    public Future<Frame.RelayFrame> handle(DeviceId device, Frame.ContentFrame frame) {
        return switch (frame) {
            case Frame.UploadBlob u -> switch (u.use()) {
                case Frame.BlobUse.Attachment a -> blobs.upload(device, u, BlobMeta.Kind.ATTACHMENT);
            };
            case Frame.UploadChunk c -> blobs.chunk(device, c);
            case Frame.FetchBlob f -> blobs.fetch(device, f);
        };
    }
}
