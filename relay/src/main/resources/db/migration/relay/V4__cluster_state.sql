-- The Delivery Service's state for a cluster (clusterEnabled): tables every relay node reads and
-- writes, so that any node serves any group and any device. The database orders each group and
-- keeps its invariants by construction, whatever the nodes and their timing:
--   * a group's sequence numbers come from its row (UPDATE ... SET next_seq = next_seq + 1
--     RETURNING), in the transaction that inserts the message: no gap, no duplicate;
--   * a Commit moves the row from its epoch to the next only if the row is still at that epoch:
--     the first Commit of an epoch wins, and (group_id, epoch) of commits is unique besides;
--   * the row's version moves with every change of the group's state other than an application
--     message (a Commit, a proposal, a cut-off, a fence): a node's write that names the version
--     it read fails when the group changed meanwhile, and the node reads the group again;
--   * while a group has a fence (a user taken off the roster still has leaves), its version has
--     moved, and no node appends an application message: the fence holds on every node at once.

CREATE TABLE ds_groups (
    group_id        BYTEA    PRIMARY KEY,
    creator_user    TEXT     NOT NULL,
    creator_device  TEXT     NOT NULL,
    epoch           BIGINT   NOT NULL,
    state_seq       BIGINT   NOT NULL,   -- the Commit that made group_info current (0: the creation)
    next_seq        BIGINT   NOT NULL,   -- the next sequence number
    version         BIGINT   NOT NULL,
    group_info      BYTEA    NOT NULL,
    ratchet_tree    BYTEA    NOT NULL,
    created_ms      BIGINT   NOT NULL
);

-- Every retained message of every group: application messages, proposals and Commits.
CREATE TABLE ds_messages (
    group_id   BYTEA     NOT NULL,
    seq        BIGINT    NOT NULL,
    epoch      BIGINT    NOT NULL,
    kind       SMALLINT  NOT NULL CHECK (kind IN (1, 2, 3)),
    ts_ms      BIGINT    NOT NULL,
    digest     BYTEA     NOT NULL,   -- SHA-256 of the message: a replayed message is refused
    payload    BYTEA     NOT NULL,
    PRIMARY KEY (group_id, seq)
);
CREATE UNIQUE INDEX ds_messages_commit_epoch ON ds_messages (group_id, epoch) WHERE kind = 3;
CREATE UNIQUE INDEX ds_messages_digest ON ds_messages (group_id, digest);
CREATE INDEX ds_messages_time ON ds_messages (ts_ms);

-- Who receives a group's messages: every device that had a leaf since since_seq (0: the creation).
CREATE TABLE ds_access (
    group_id   BYTEA   NOT NULL,
    user_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    since_seq  BIGINT  NOT NULL,
    PRIMARY KEY (group_id, user_id, device_id)
);
CREATE INDEX ds_access_device ON ds_access (user_id, device_id);

-- A device's departures from a group: it receives up to until_seq, then nothing until the Commit
-- rejoin_seq added it again (0: not re-added).
CREATE TABLE ds_departures (
    group_id   BYTEA   NOT NULL,
    user_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    until_seq  BIGINT  NOT NULL,
    rejoin_seq BIGINT  NOT NULL,
    ts_ms      BIGINT  NOT NULL,
    PRIMARY KEY (group_id, user_id, device_id, until_seq)
);

-- Users taken off a team's roster who still have leaves in its group: the group is fenced while
-- it has a row here; the Commit that removes a user's last leaf deletes the user's row.
CREATE TABLE ds_fences (
    group_id  BYTEA  NOT NULL,
    user_id   TEXT   NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- A device's cursor in a group: every message up to seq is acknowledged. It only moves forward.
CREATE TABLE ds_cursors (
    user_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    group_id   BYTEA   NOT NULL,
    seq        BIGINT  NOT NULL,
    PRIMARY KEY (user_id, device_id, group_id)
);

-- A device's mailbox of Welcomes: numbered by the device's own sequence (next_seq), kept until
-- acknowledged (acked).
CREATE TABLE ds_mailbox_heads (
    user_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    next_seq   BIGINT  NOT NULL,
    acked      BIGINT  NOT NULL,
    PRIMARY KEY (user_id, device_id)
);
CREATE TABLE ds_mailbox (
    user_id      TEXT    NOT NULL,
    device_id    TEXT    NOT NULL,
    mailbox_seq  BIGINT  NOT NULL,
    group_id     BYTEA   NOT NULL,
    group_seq    BIGINT  NOT NULL,
    welcome      BYTEA   NOT NULL,
    ts_ms        BIGINT  NOT NULL,
    PRIMARY KEY (user_id, device_id, mailbox_seq)
);

-- The KeyPackage directory: an ordinary KeyPackage is handed out once (the claim deletes its row;
-- of two nodes claiming it, one deletes it and the other finds nothing); a last-resort one stays.
CREATE TABLE ds_key_packages (
    user_id      TEXT      NOT NULL,
    device_id    TEXT      NOT NULL,
    ref          BYTEA     NOT NULL,
    suite        INTEGER   NOT NULL,
    key_package  BYTEA     NOT NULL,
    last_resort  BOOLEAN   NOT NULL,
    added        BIGINT    GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (user_id, device_id, ref)
);

-- Signature keys each device registered over its own connection.
CREATE TABLE ds_signature_keys (
    user_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    key        BYTEA   NOT NULL,
    added      BIGINT  GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (user_id, device_id, key)
);
