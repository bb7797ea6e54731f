-- Core directory: actors, their parent links, tools and adoptions.
-- Every record has a version (1 on creation, +1 per applied change) and
-- created/updated times in UTC (RFC 3339), so that edits can build on them.

-- +goose Up
CREATE TABLE actors (
    ref          INTEGER PRIMARY KEY,          -- rowid: the stable load order
    id           TEXT    NOT NULL UNIQUE,      -- "{kind}-{official code}" or "{kind}-{slug}"
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL CHECK (name <> ''),
    code         TEXT    NOT NULL DEFAULT '',  -- INSEE COG code, or SIREN for an EPCI
    siren        TEXT    NOT NULL DEFAULT '',
    epci_type    TEXT    NOT NULL DEFAULT '',
    departement  TEXT    NOT NULL DEFAULT '',
    region       TEXT    NOT NULL DEFAULT '',
    postal_codes TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    population   INTEGER,                       -- NULL when unknown
    zone         TEXT    NOT NULL DEFAULT '',
    lon          REAL,
    lat          REAL,
    precision    TEXT    NOT NULL DEFAULT '',
    point_source TEXT    NOT NULL DEFAULT '',
    website      TEXT    NOT NULL DEFAULT '',
    email        TEXT    NOT NULL DEFAULT '',
    phone        TEXT    NOT NULL DEFAULT '',
    address      TEXT    NOT NULL DEFAULT '',
    description  TEXT    NOT NULL DEFAULT '',
    labels       TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
    sources      TEXT    NOT NULL DEFAULT '[]', -- JSON array of {document, year, quote}
    synthetic    INTEGER NOT NULL DEFAULT 0,    -- 1 for benchmark actors, never mixed with real data
    deleted      INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    CHECK ((lon IS NULL) = (lat IS NULL)),
    CHECK (lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)),
    CHECK ((lon IS NULL) = (precision = ''))
);
CREATE INDEX actors_kind ON actors (kind);

CREATE TABLE actor_parents (
    actor_id  TEXT    NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    parent_id TEXT    NOT NULL REFERENCES actors (id),
    rank      INTEGER NOT NULL, -- 0 = nearest parent
    PRIMARY KEY (actor_id, parent_id)
) WITHOUT ROWID;
CREATE INDEX actor_parents_parent ON actor_parents (parent_id);

CREATE TABLE tools (
    slug          TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL CHECK (name <> ''),
    description   TEXT    NOT NULL DEFAULT '',
    url           TEXT    NOT NULL DEFAULT '',
    tutorial_url  TEXT    NOT NULL DEFAULT '',
    licence       TEXT    NOT NULL DEFAULT '',
    free_software INTEGER NOT NULL DEFAULT 0,
    themes        TEXT    NOT NULL DEFAULT '[]', -- JSON array of theme ids
    sources       TEXT    NOT NULL DEFAULT '[]',
    deleted       INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

CREATE TABLE adoptions (
    id         INTEGER PRIMARY KEY,
    actor_id   TEXT    NOT NULL REFERENCES actors (id),
    tool_slug  TEXT    NOT NULL REFERENCES tools (slug),
    usage      TEXT    NOT NULL DEFAULT '',
    since      INTEGER,                         -- year, NULL when unknown
    status     TEXT    NOT NULL CHECK (status IN ('in_use', 'abandoned', 'planned')),
    contact    TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    sources    TEXT    NOT NULL DEFAULT '[]',
    deleted    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (actor_id, tool_slug)
);
CREATE INDEX adoptions_tool ON adoptions (tool_slug);

-- Key/value facts about the database: which bundle filled it, the change sequence.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE meta;
DROP TABLE adoptions;
DROP TABLE tools;
DROP TABLE actor_parents;
DROP TABLE actors;
