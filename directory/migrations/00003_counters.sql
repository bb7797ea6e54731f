-- Counters that limits are checked against, changed atomically, and the
-- keys of names. See directory/login.go and directory/names.go.

-- +goose Up

-- Login attempts: per account for clients the account has not logged in
-- from ('account:' || SHA-256 of the e-mail, known or not), per device
-- cookie for those it has ('device:' || SHA-256 of the cookie's nonce). An
-- attempt is counted before its password is checked.
CREATE TABLE login_counters (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,      -- attempts counted in the window
    window_start TEXT    NOT NULL,      -- RFC 3339
    locked_until TEXT                   -- RFC 3339; NULL = not locked
) WITHOUT ROWID;

-- Secrets made with the database: the key device cookies are signed with.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO secrets (name, value) VALUES ('device_cookie_key', lower(hex(randomblob(32))));

-- The key two display names share when they look alike (NFKC, folded,
-- confusables mapped): unique, so that two accounts cannot look the same
-- even when registered at the same instant. Rows older than this
-- migration get theirs when the database is opened.
ALTER TABLE users ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX users_name_key ON users (name_key);

-- The server-wide limits on registrations and anonymous reports, and the
-- per-account limit on reports, count recent rows.
CREATE INDEX users_created ON users (created_at);
CREATE INDEX reports_created ON reports (created_at);
CREATE INDEX reports_reporter ON reports (reporter_id, created_at);

-- +goose Down
DROP INDEX reports_reporter;
DROP INDEX reports_created;
DROP INDEX users_created;
DROP INDEX users_name_key;
ALTER TABLE users DROP COLUMN name_key;
DROP TABLE secrets;
DROP TABLE login_counters;
