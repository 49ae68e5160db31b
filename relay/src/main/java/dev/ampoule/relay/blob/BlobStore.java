package dev.ampoule.relay.blob;

import dev.ampoule.relay.protocol.Bytes;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;

/**
 * Where the relay keeps blobs — encrypted attachments, history records and shared records, opaque
 * to it — apart from its message {@code Store}: the embedded file store ({@link FileBlobStore},
 * under the data directory) or PostgreSQL ({@link PgBlobStore}), as the relay's {@code store}
 * setting says. A blob is written in order, by one upload at a time, and becomes visible only once
 * {@link #finish finished} with its metadata; an upload never finished leaves nothing behind
 * after a restart.
 *
 * <p>Called from the relay's event loop; never blocks it. The caller orders the calls of one
 * upload (each after the previous one completed).
 */
public interface BlobStore {

    /** Opens: discards unfinished uploads and returns the metadata of every stored blob. */
    Future<List<BlobMeta>> open();

    /** Starts writing a blob (any unfinished bytes under the id are discarded). */
    Future<Void> begin(Bytes blobId);

    /** Appends {@code data}, which starts at {@code offset}: the bytes written so far. */
    Future<Void> append(Bytes blobId, long offset, Buffer data);

    /** Makes the blob durable and visible with its metadata (its size is the bytes written). */
    Future<Void> finish(BlobMeta meta);

    /** Discards an unfinished upload. */
    Future<Void> abort(Bytes blobId);

    /**
     * Bytes of a finished blob from {@code offset}: at most {@code maxLength}, possibly fewer (at
     * its end, or where the store keeps one piece of it), none only at or past its end.
     */
    Future<Buffer> read(Bytes blobId, long offset, int maxLength);

    /** Deletes a blob (finished or not); nothing if there is none. */
    Future<Void> delete(Bytes blobId);

    /**
     * The blobs other writers finished since this store opened or last looked (PostgreSQL shared by
     * several relay instances; none for a store with one writer), oldest first; may include blobs
     * this store finished or returned from {@link #open}.
     */
    default Future<List<BlobMeta>> finishedElsewhere() {
        return Future.succeededFuture(List.of());
    }

    /**
     * Drops unfinished uploads that received nothing for longer than {@code idle}: those of a relay
     * that stopped or crashed while another relay of a cluster shares the store (a store with one
     * writer discards them at {@link #open}). How many were dropped.
     */
    default Future<Integer> dropAbandoned(Duration idle) {
        return Future.succeededFuture(0);
    }

    /** Closes; unfinished uploads are discarded at the next {@link #open} (one writer) or by {@link #dropAbandoned}. */
    Future<Void> close();
}
