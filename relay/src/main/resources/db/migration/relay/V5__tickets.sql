-- Browser tickets shared by a cluster's relays: issued by one node, redeemed once on whichever node
-- the browser's WebSocket reaches (the redemption deletes the row; of two nodes redeeming it, one
-- finds it). Only the ticket's SHA-256 is kept, never the ticket.
CREATE TABLE ds_tickets (
    ticket_hash  BYTEA    PRIMARY KEY,
    user_id      TEXT     NOT NULL,
    org          TEXT,
    roles        TEXT[]   NOT NULL,
    token_exp_ms BIGINT   NOT NULL,
    expires_ms   BIGINT   NOT NULL
);
CREATE INDEX ds_tickets_user ON ds_tickets (user_id);
CREATE INDEX ds_tickets_expiry ON ds_tickets (expires_ms);
