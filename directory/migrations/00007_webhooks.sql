-- Webhooks: an account's subscriptions to events (a proposal created, a
-- change applied or reverted, a report filed) in its area, and the queue of
-- their deliveries. A delivery is written in the same transaction as the
-- change it reports, so it survives a restart and never holds the write up;
-- the server's dispatcher sends it, signed, and retries it for a day.

-- +goose Up
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    owner_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    secret          TEXT    NOT NULL,               -- HMAC-SHA256 key; kept to sign, shown once to the owner
    description     TEXT    NOT NULL DEFAULT '',
    events          TEXT    NOT NULL DEFAULT '[]',  -- JSON array of event types; empty = every type
    departements    TEXT    NOT NULL DEFAULT '[]',  -- JSON arrays: the filter (see directory/webhook.go)
    regions         TEXT    NOT NULL DEFAULT '[]',
    epcis           TEXT    NOT NULL DEFAULT '[]',
    tools           TEXT    NOT NULL DEFAULT '[]',
    themes          TEXT    NOT NULL DEFAULT '[]',
    actors          TEXT    NOT NULL DEFAULT '[]',
    active          INTEGER NOT NULL DEFAULT 1,
    disabled_at     TEXT,                           -- when it was disabled for failing
    disabled_reason TEXT    NOT NULL DEFAULT '',    -- the notice its owner reads
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX webhooks_owner ON webhooks (owner_id);

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    delivery_id     TEXT    NOT NULL UNIQUE,        -- random; the X-Voisinage-Delivery header
    event           TEXT    NOT NULL,               -- the X-Voisinage-Event header
    event_id        TEXT    NOT NULL,               -- the same for every copy of an event, replays included
    payload         TEXT    NOT NULL,               -- the JSON body, signed as it is
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,                           -- when pending: not before (also a lease while sending)
    last_attempt_at TEXT,
    last_status     INTEGER,                        -- HTTP status of the last answer; NULL when none came
    last_error      TEXT    NOT NULL DEFAULT '',
    replay_of       INTEGER REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
    created_at      TEXT    NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- An administrator may let an account that does not moderate (a regional
-- site, a network) manage webhooks; its API tokens then may too.
ALTER TABLE users ADD COLUMN can_webhooks INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN can_webhooks;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
