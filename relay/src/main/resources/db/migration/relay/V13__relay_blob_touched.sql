-- When an unfinished upload last received a chunk (store=postgresql), so that a relay starting in a
-- cluster leaves the other relays' uploads in progress alone and only uploads idle for longer than
-- twice BlobLimits.uploadIdle are dropped, by whichever relay sweeps first (dev.ampoule.relay.blob.PgBlobStore).
ALTER TABLE relay_blob ADD COLUMN touched TIMESTAMPTZ NOT NULL DEFAULT now();
