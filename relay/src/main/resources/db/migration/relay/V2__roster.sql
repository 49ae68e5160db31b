-- The care teams' roster in PostgreSQL (store=postgresql): the same batches of records as the
-- embedded roster store (dev.ampoule.relay.roster.RosterRecord, encoded by RosterCodec.encodeBatch),
-- one row each, in order.
--
-- ord is the roster's version: a writer appends at the version it read plus one, so that two nodes
-- changing the roster at once cannot both succeed (the primary key refuses the second; it reads the
-- first's change, checks its own again and retries). A compaction (after an erasure) replaces every
-- row by one snapshot batch (snapshot = true): readers that see it start over from it.
CREATE TABLE roster_log (
    ord       BIGINT   PRIMARY KEY,
    snapshot  BOOLEAN  NOT NULL DEFAULT false,
    batch     BYTEA    NOT NULL
);
