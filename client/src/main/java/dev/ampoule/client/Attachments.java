package dev.ampoule.client;

import dev.ampoule.client.content.ContentKey;
import dev.ampoule.relay.protocol.Frame;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/** Files sent to groups: upload then the message with the reference; fetch by reference. */
final class Attachments {

    private final ClientEngine engine;

    Attachments(ClientEngine engine) {
        this.engine = engine;
    }

    CompletableFuture<SentAttachment> send(GroupId groupId, Path file, String contentType, String name) {
        Payloads.label(new dev.ampoule.mls.codec.TlsWriter(8), contentType);
        Payloads.label(new dev.ampoule.mls.codec.TlsWriter(8), name);
        ContentKey key = ContentKey.random();
        return engine.onState(() -> CompletableFuture.completedFuture(engine.requireGroup(groupId)))
                .thenCompose(v -> engine.transfers.upload(groupId, BlobTransfers.Source.of(file),
                        new Frame.BlobUse.Attachment(), key))
                .thenCompose(up -> {
                    Attachment a = new Attachment(groupId, up.blobId(), contentType, name, up.plainSize(), up.blobSize(),
                            up.digest(), key);
                    Content.File content = new Content.File(a);
                    return engine.ops.send(groupId, content)
                            .thenCompose(m -> engine.history.record(groupId, Payloads.encode(content), m))
                            .thenApply(m -> new SentAttachment(a, m));
                });
    }

    CompletableFuture<Long> fetch(Attachment a, Path target) {
        return engine.onState(() -> CompletableFuture.completedFuture(engine.requireGroup(a.groupId())))
                .thenCompose(v -> engine.transfers.download(new BlobTransfers.Stored(a.blobId(), a.blobSize(),
                        a.digest(), a.key()), target, a.size()));
    }
}
