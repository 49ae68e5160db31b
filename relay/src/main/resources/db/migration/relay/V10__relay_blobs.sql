-- Blobs (store=postgresql): encrypted attachments, history records and shared records, opaque to
-- the relay, kept apart from its log (dev.ampoule.relay.blob.PgBlobStore).
--
-- relay_blob: one row per blob. An upload inserts it unfinished; its chunks follow in
-- relay_blob_chunk; finishing sets meta (dev.ampoule.relay.blob.BlobMeta, encoded) and finished.
-- Unfinished rows (an upload cut short) are deleted, with their chunks, when the relay starts.
CREATE TABLE relay_blob (
    blob_id        BYTEA    PRIMARY KEY,
    finished       BOOLEAN  NOT NULL DEFAULT FALSE,
    meta           BYTEA,
    CONSTRAINT relay_blob_finished_meta CHECK (finished = (meta IS NOT NULL))
);

-- relay_blob_chunk: a blob's bytes, one row per uploaded chunk, keyed by the chunk's offset.
CREATE TABLE relay_blob_chunk (
    blob_id        BYTEA    NOT NULL REFERENCES relay_blob (blob_id) ON DELETE CASCADE,
    off            BIGINT   NOT NULL CHECK (off >= 0),
    data           BYTEA    NOT NULL,
    PRIMARY KEY (blob_id, off)
);
