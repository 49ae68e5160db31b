-- The relay's durable state in PostgreSQL (store=postgresql): the same records as the embedded
-- file store (dev.ampoule.relay.store.StoreRecord, encoded by RecordCodec), in two tables.
--
-- relay_log: every record appended since the last checkpoint, in append order (ord). Group
-- messages (application messages, proposals, commits) carry their group id, sequence number,
-- epoch and kind in columns, so that the database itself refuses a second message with the same
-- sequence number and a second commit for the same epoch of a group.
CREATE TABLE relay_log (
    ord          BIGINT   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_id     BYTEA,
    seq          BIGINT,
    epoch        BIGINT,
    kind         SMALLINT,
    ts_millis    BIGINT,
    payload      BYTEA    NOT NULL,
    CONSTRAINT relay_log_message_columns CHECK (
        (group_id IS NULL AND seq IS NULL AND epoch IS NULL AND kind IS NULL)
        OR (group_id IS NOT NULL AND seq IS NOT NULL AND epoch IS NOT NULL AND kind IN (1, 2, 3)))
);

-- one message per (group, sequence number): no duplicates, whatever the writers
CREATE UNIQUE INDEX relay_log_group_seq ON relay_log (group_id, seq) WHERE group_id IS NOT NULL;

-- exactly one accepted commit (kind 3) per group epoch
CREATE UNIQUE INDEX relay_log_commit_epoch ON relay_log (group_id, epoch) WHERE kind = 3;

-- relay_checkpoint: the live state at the last compaction (replayed first, in ord), replacing
-- every earlier non-message record of relay_log.
CREATE TABLE relay_checkpoint (
    ord          BIGINT   PRIMARY KEY,
    payload      BYTEA    NOT NULL
);
