package dev.ampoule.relay.history;

import dev.ampoule.relay.blob.BlobService;
import dev.ampoule.relay.gateway.ContentHandler;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.protocol.Frame;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Routes a device's frames about blobs, history and records to the service of each. A frame whose
 * answer depends on who may read what (a fetch, a history list or grant, a record's recipients or
 * share) is served only once {@code rightsRead} completes: in a cluster, every change of the
 * history rights and recipients committed before the frame arrived is applied by then, on this
 * instance too (a failed read refuses the frame). Event-loop confined.
 */
public final class ContentService implements ContentHandler {

    private final BlobService blobs;
    private final HistoryService history;
    private final RecordService records;
    private final Supplier<Future<Void>> rightsRead;

    public ContentService(BlobService blobs, HistoryService history, RecordService records,
            Supplier<Future<Void>> rightsRead) {
        this.blobs = blobs;
        this.history = history;
        this.records = records;
        this.rightsRead = rightsRead;
    }

    @Override
    public Future<Frame.RelayFrame> handle(DeviceId device, Frame.ContentFrame frame) {
        return switch (frame) {
            case Frame.UploadBlob u -> u.use() instanceof Frame.BlobUse.Record r ? records.upload(device, u, r)
                    : blobs.upload(device, u);
            case Frame.UploadChunk c -> blobs.chunk(device, c);
            case Frame.FetchBlob f -> rightsRead.get().compose(v -> blobs.fetch(device, f));
            case Frame.ListHistory l -> rightsRead.get().compose(v -> history.list(device, l));
            case Frame.GrantHistory g -> rightsRead.get().compose(v -> history.grant(device, g));
            case Frame.ListRecipients l -> rightsRead.get().compose(v -> records.recipients(device, l));
            case Frame.ShareRecord r -> rightsRead.get().compose(v -> records.share(device, r));
        };
    }
}
