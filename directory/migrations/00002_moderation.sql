-- Accounts, proposals, review, votes, history, reports.
-- Nothing is overwritten without a trace: every applied change writes a
-- version row (the snapshot of the record and what changed), and the
-- snapshot of the version it replaces is written first if it was not yet.

-- +goose Up
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    email               TEXT    NOT NULL UNIQUE,        -- lower-cased
    display_name        TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,               -- argon2id, PHC string
    role                TEXT    NOT NULL DEFAULT 'contributor'
                                CHECK (role IN ('contributor', 'moderator', 'admin')),
    blocked_until       TEXT,                           -- RFC 3339; NULL = not blocked
    blocked_reason      TEXT    NOT NULL DEFAULT '',
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,                           -- login lockout after repeated failures
    password_changed_at TEXT    NOT NULL,
    created_at          TEXT    NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,                   -- SHA-256 of the cookie's token
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    expires_at   TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,               -- SHA-256; the token is shown once
    prefix       TEXT    NOT NULL,                      -- first characters, to recognise it in a list
    created_at   TEXT    NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- A user who verifiably represents an actor: their edits to it apply at once
-- (and stay listed for review).
CREATE TABLE representatives (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    actor_id   TEXT    NOT NULL REFERENCES actors (id),
    granted_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, actor_id)
) WITHOUT ROWID;

CREATE TABLE proposals (
    id              INTEGER PRIMARY KEY,
    author_id       INTEGER NOT NULL REFERENCES users (id),
    target_type     TEXT    NOT NULL CHECK (target_type IN ('actor', 'tool', 'adoption')),
    target_id       TEXT    NOT NULL,                   -- actor id, tool slug, adoption id (new id for a creation)
    action          TEXT    NOT NULL CHECK (action IN ('create', 'update', 'delete', 'place')),
    base_version    INTEGER NOT NULL,                   -- version it was made against (0 for a creation)
    changes         TEXT    NOT NULL,                   -- JSON {field: {"old": …, "new": …}}
    comment         TEXT    NOT NULL DEFAULT '',
    source          TEXT    NOT NULL DEFAULT '',        -- where the contributor got the fact
    warnings        TEXT    NOT NULL DEFAULT '[]',      -- JSON: likely duplicates shown at submission
    departement     TEXT    NOT NULL DEFAULT '',        -- territory of the target, for queue filters and feeds
    region          TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'approved', 'rejected', 'superseded', 'withdrawn')),
    applied_version INTEGER,                            -- the version it made, once applied
    needs_review    INTEGER NOT NULL DEFAULT 0,         -- applied at once (trusted, representative): to review after the fact
    approved_by     TEXT    NOT NULL DEFAULT '',        -- moderator, votes, trust, representative
    reviewer_id     INTEGER REFERENCES users (id),
    reviewed_at     TEXT,
    reason          TEXT    NOT NULL DEFAULT '',        -- the moderator's reason
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX proposals_status ON proposals (status, created_at);
CREATE INDEX proposals_target ON proposals (target_type, target_id);
CREATE INDEX proposals_author ON proposals (author_id, created_at);

CREATE TABLE votes (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    value       INTEGER NOT NULL CHECK (value IN (-1, 1)),
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
) WITHOUT ROWID;

CREATE TABLE proposal_comments (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    body        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX proposal_comments_proposal ON proposal_comments (proposal_id);

-- One row per version of a record: its full snapshot and what changed.
CREATE TABLE versions (
    record_type TEXT    NOT NULL CHECK (record_type IN ('actor', 'tool', 'adoption')),
    record_id   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    action      TEXT    NOT NULL,                       -- import, create, update, delete, place, revert
    data        TEXT    NOT NULL,                       -- JSON snapshot of the editable fields
    changes     TEXT    NOT NULL DEFAULT '{}',          -- JSON {field: {"old": …, "new": …}} against the previous version
    author_id   INTEGER REFERENCES users (id),          -- NULL for the bundled data
    proposal_id INTEGER REFERENCES proposals (id),
    reason      TEXT    NOT NULL DEFAULT '',
    departement TEXT    NOT NULL DEFAULT '',
    region      TEXT    NOT NULL DEFAULT '',
    tools       TEXT    NOT NULL DEFAULT '',            -- tool slug(s) concerned, for feeds by tool
    seq         INTEGER NOT NULL DEFAULT 0,             -- the change sequence that made it
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (record_type, record_id, version)
) WITHOUT ROWID;
CREATE INDEX versions_seq ON versions (seq);

CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    target_type TEXT    NOT NULL CHECK (target_type IN ('actor', 'tool', 'adoption')),
    target_id   TEXT    NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('wrong', 'outdated', 'abusive')),
    comment     TEXT    NOT NULL DEFAULT '',
    reporter_id INTEGER REFERENCES users (id),          -- NULL for an anonymous report
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    resolver_id INTEGER REFERENCES users (id),
    resolution  TEXT    NOT NULL DEFAULT '',
    resolved_at TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX reports_status ON reports (status, created_at);

-- +goose Down
DROP TABLE reports;
DROP TABLE versions;
DROP TABLE proposal_comments;
DROP TABLE votes;
DROP TABLE proposals;
DROP TABLE representatives;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
