-- The order blobs were finished in (store=postgresql), so that every relay instance of a cluster
-- learns the blobs the others stored (dev.ampoule.relay.blob.PgBlobStore): finishing a blob sets
-- finished_ord from this sequence while holding a transaction-scoped advisory lock, so blobs commit
-- in finished_ord order and an instance that has read up to n never misses one below n. Blobs
-- finished before this column existed have none; every instance reads them when it opens.
CREATE SEQUENCE relay_blob_finished_ord;
ALTER TABLE relay_blob ADD COLUMN finished_ord BIGINT;
CREATE INDEX relay_blob_by_finished_ord ON relay_blob (finished_ord);
