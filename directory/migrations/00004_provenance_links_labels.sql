-- Where facts come from and how old they are; typed relations and labels.
--
-- adoptions.as_of: the date the fact's source states, as precise as the
-- source is: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' ('' when no source states a
-- date). ISO text, so that dates compare in order ('2009' < '2016-02-25').
-- Sources (the JSON list in `sources`) are cited as a person would: title,
-- publication, author, date, url, quote; `document` stays as an internal
-- reference (a seed article's file name) and is never shown as the source.
-- The status one_off is a use for a one-off event or experiment at the as_of
-- date, never counted as current use.
--
-- SQLite cannot change a CHECK constraint in place: the adoptions table is
-- rebuilt, keeping every row, its id and its version. Databases filled
-- before this migration get as_of from their sources' years.

-- +goose Up
CREATE TABLE adoptions_new (
    id         INTEGER PRIMARY KEY,
    actor_id   TEXT    NOT NULL REFERENCES actors (id),
    tool_slug  TEXT    NOT NULL REFERENCES tools (slug),
    usage      TEXT    NOT NULL DEFAULT '',
    since      INTEGER,                         -- year, NULL when unknown
    status     TEXT    NOT NULL CHECK (status IN ('in_use', 'abandoned', 'planned', 'one_off')),
    contact    TEXT    NOT NULL DEFAULT '',
    url        TEXT    NOT NULL DEFAULT '',
    as_of      TEXT    NOT NULL DEFAULT ''
               CHECK (as_of = '' OR as_of GLOB '[12][0-9][0-9][0-9]'
                      OR as_of GLOB '[12][0-9][0-9][0-9]-[01][0-9]'
                      OR as_of GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'),
    sources    TEXT    NOT NULL DEFAULT '[]',
    deleted    INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (actor_id, tool_slug)
);
INSERT INTO adoptions_new (id, actor_id, tool_slug, usage, since, status, contact, url, as_of, sources,
    deleted, version, created_at, updated_at)
SELECT id, actor_id, tool_slug, usage, since, status, contact, url,
    COALESCE((SELECT CAST(MAX(CAST(json_extract(s.value, '$.year') AS INTEGER)) AS TEXT)
              FROM json_each(adoptions.sources) AS s
              WHERE json_extract(s.value, '$.year') BETWEEN 1000 AND 2999), ''),
    sources, deleted, version, created_at, updated_at
FROM adoptions;
DROP TABLE adoptions;
ALTER TABLE adoptions_new RENAME TO adoptions;
CREATE INDEX adoptions_tool ON adoptions (tool_slug);

-- Typed relations between actors (and from an actor to a tool): a member of
-- a network, a partner of a syndicate. Read from the bundle; each has its
-- status as of its sources' date.
CREATE TABLE actor_links (
    id          INTEGER PRIMARY KEY,
    actor_id    TEXT    NOT NULL REFERENCES actors (id),
    type        TEXT    NOT NULL CHECK (type IN ('member_of', 'partner_of', 'founded')),
    target_type TEXT    NOT NULL CHECK (target_type IN ('actor', 'tool')),
    target_id   TEXT    NOT NULL,                -- actor id or tool slug
    status      TEXT    NOT NULL CHECK (status IN ('active', 'planned', 'past')),
    note        TEXT    NOT NULL DEFAULT '',
    as_of       TEXT    NOT NULL DEFAULT '',     -- as adoptions.as_of
    sources     TEXT    NOT NULL DEFAULT '[]',
    created_at  TEXT    NOT NULL,
    UNIQUE (actor_id, type, target_type, target_id)
);
CREATE INDEX actor_links_target ON actor_links (target_type, target_id);

-- Labels awarded to actors: the Villes Internet label at a level ('5@') for a year.
CREATE TABLE actor_labels (
    id         INTEGER PRIMARY KEY,
    actor_id   TEXT    NOT NULL REFERENCES actors (id),
    label      TEXT    NOT NULL,                 -- a label scheme id, e.g. 'villes-internet'
    year       INTEGER NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    level      TEXT    NOT NULL DEFAULT '',      -- e.g. '5@'; '' when the source gives none
    sources    TEXT    NOT NULL DEFAULT '[]',
    created_at TEXT    NOT NULL,
    UNIQUE (actor_id, label, year)
);

-- +goose Down
DROP TABLE actor_labels;
DROP TABLE actor_links;
CREATE TABLE adoptions_old (
    id         INTEGER PRIMARY KEY,
    actor_id   TEXT    NOT NULL REFERENCES actors (id),
    tool_slug  TEXT    NOT NULL REFERENCES tools (slug),
    usage      TEXT    NOT NULL DEFAULT '',
    since      INTEGER,
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
INSERT INTO adoptions_old (id, actor_id, tool_slug, usage, since, status, contact, url, sources,
    deleted, version, created_at, updated_at)
SELECT id, actor_id, tool_slug, usage, since,
    CASE status WHEN 'one_off' THEN 'abandoned' ELSE status END,
    contact, url, sources, deleted, version, created_at, updated_at
FROM adoptions;
DROP TABLE adoptions;
ALTER TABLE adoptions_old RENAME TO adoptions;
CREATE INDEX adoptions_tool ON adoptions (tool_slug);
