package dev.ampoule.relay.history;

import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.gateway.ContentHandler;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import io.vertx.core.Future;

/** Routes a device's frames about blobs, history and records to the service of each. Event-loop confined. */
public final class ContentService implements ContentHandler {

    private final BlobService blobs;
    private final HistoryService history;
    private final RecordService records;

    public ContentService(BlobService blobs, HistoryService history, RecordService records) {
        this.blobs = blobs;
        this.history = history;
        this.records = records;
    }

    @Override
    public Future<Frame.RelayFrame> handle(DeviceId device, Frame.ContentFrame frame) {
        return switch (frame) {
            case Frame.UploadBlob u -> u.use() instanceof Frame.BlobUse.Record r ? records.upload(device, u, r)
                    : blobs.upload(device, u);
            case Frame.UploadChunk c -> blobs.chunk(device, c);
            case Frame.FetchBlob f -> blobs.fetch(device, f);
            case Frame.ListHistory l -> history.list(device, l);
            case Frame.GrantHistory g -> history.grant(device, g);
            case Frame.ListRecipients l -> records.recipients(device, l);
            case Frame.ShareRecord r -> records.share(device, r);
        };
    }
}
