-- The audit log in PostgreSQL (store=postgresql): one hash chain for the whole cluster. Each row is
-- one entry, its line exactly as the file audit log would hold it (dev.ampoule.relay.audit.
-- FileAuditLog documents the format and the hash); team, usr and actor are copied out of the line
-- for queries.
CREATE TABLE audit_log (
    seq      BIGINT  PRIMARY KEY,
    time_ms  BIGINT  NOT NULL,
    team     TEXT,
    usr      TEXT,
    actor    TEXT,
    line     TEXT    NOT NULL
);
CREATE INDEX audit_log_team ON audit_log (team, seq) WHERE team IS NOT NULL;
CREATE INDEX audit_log_usr ON audit_log (usr, seq) WHERE usr IS NOT NULL;
CREATE INDEX audit_log_actor ON audit_log (actor, seq) WHERE actor IS NOT NULL;

-- The chain's head: the last entry's seq, hash and time. Every writer locks this one row
-- (SELECT ... FOR UPDATE) in the transaction that appends its entries, so the relays of a cluster
-- extend the chain one after the other, each from the head the previous one left.
CREATE TABLE audit_head (
    id       SMALLINT  PRIMARY KEY CHECK (id = 1),
    seq      BIGINT    NOT NULL,
    hash     TEXT      NOT NULL,
    time_ms  BIGINT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash, time_ms)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);
