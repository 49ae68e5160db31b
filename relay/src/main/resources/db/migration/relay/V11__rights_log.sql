-- Who may read a care team's history, and who shared records are shared with (store=postgresql):
-- the same records as the embedded rights logs (dev.ampoule.relay.history.RightsRecord, encoded),
-- one row each, shared by every relay instance of every node (dev.ampoule.relay.history.PgRightsLog).
--
-- log: 1 the history rights (dataDir/rights with the file store), 2 the records' recipients
-- (dataDir/records). ord orders every row; a writer inserts while holding the transaction-scoped
-- advisory lock of its log, so rows of one log commit in ord order and a reader that has read up
-- to ord n never misses a row below n that commits later. A rewrite (after an erasure) inserts a
-- reset row (record NULL) and the live records after it and deletes every older row of the log in
-- one transaction: a reader that meets a reset row drops what it had and applies what follows.
CREATE TABLE rights_log (
    ord     BIGINT    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    log     SMALLINT  NOT NULL CHECK (log IN (1, 2)),
    record  BYTEA
);

CREATE INDEX rights_log_by_log ON rights_log (log, ord);
