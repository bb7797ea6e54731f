-- PostgreSQL twin of ../00003_counters.sql (types as in 00001_core.sql):
-- counters that limits are checked against, changed atomically (under the
-- writer lock, as every write transaction), and the keys of names. See
-- directory/login.go and directory/names.go.

-- +goose Up

-- Login attempts: per account for clients the account has not logged in
-- from ('account:' || SHA-256 of the e-mail, known or not), per device
-- cookie for those it has ('device:' || SHA-256 of the cookie's nonce). An
-- attempt is counted before its password is checked.
CREATE TABLE login_counters (
    key          TEXT COLLATE "C" PRIMARY KEY,
    failures     BIGINT NOT NULL,               -- attempts counted in the window
    window_start TEXT COLLATE "C" NOT NULL,     -- RFC 3339
    locked_until TEXT COLLATE "C"               -- RFC 3339; NULL = not locked
);

-- Secrets made with the database: the key device cookies are signed with,
-- 64 hex digits as SQLite's lower(hex(randomblob(32))): the SHA-256 of two
-- random UUIDs (244 bits from pg_strong_random; built in since PostgreSQL 13).
CREATE TABLE secrets (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
INSERT INTO secrets (name, value) VALUES ('device_cookie_key',
    encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'));

-- The key two display names share when they look alike (NFKC, folded,
-- confusables mapped): unique, so that two accounts cannot look the same
-- even when registered at the same instant. Rows older than this
-- migration get theirs when the database is opened.
ALTER TABLE users ADD COLUMN name_key TEXT COLLATE "C";
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
