-- Provenance and freshness of facts, official sync and batch imports.
--
-- Each contact field of an actor says where its value comes from and as of
-- when (provenance: {field: {source, as_of, verified_at, verified_by}}), so
-- that an official import never silently overwrites a person's value and
-- pages can say "selon l'annuaire Service-Public.fr, 18 novembre 2026".
-- Adoptions carry their last confirmation by a person. Import runs keep
-- their report; the proposals a run files point to it (a batch).

-- +goose Up
ALTER TABLE actors ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN siret TEXT NOT NULL DEFAULT '';
ALTER TABLE actors ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}';

ALTER TABLE adoptions ADD COLUMN verified_at TEXT;                       -- RFC 3339; NULL = never confirmed
ALTER TABLE adoptions ADD COLUMN verified_by INTEGER REFERENCES users (id);

CREATE TABLE import_runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('dila', 'adoptions')),
    author_id   INTEGER REFERENCES users (id),  -- who ran it; NULL from the command line without -as
    file_name   TEXT    NOT NULL DEFAULT '',
    file_date   TEXT    NOT NULL DEFAULT '',    -- YYYY-MM-DD, the file's own date when it gives one
    source_url  TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL DEFAULT 'done' CHECK (status IN ('done', 'pending', 'decided')),
    report      TEXT    NOT NULL DEFAULT '{}',  -- JSON report of the run
    created_at  TEXT    NOT NULL
);
CREATE INDEX import_runs_kind ON import_runs (kind, created_at);

ALTER TABLE proposals ADD COLUMN batch_id INTEGER REFERENCES import_runs (id);
ALTER TABLE proposals ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}'; -- provenance of the values it proposes
CREATE INDEX proposals_batch ON proposals (batch_id) WHERE batch_id IS NOT NULL;

-- "Toujours d'actualité": a person confirms a fact. Moderators' and
-- representatives' confirmations apply at once; others wait here.
CREATE TABLE confirmations (
    id          INTEGER PRIMARY KEY,
    target_type TEXT    NOT NULL CHECK (target_type IN ('actor', 'adoption')),
    target_id   TEXT    NOT NULL,
    field       TEXT    NOT NULL DEFAULT '',    -- the actor field confirmed; '' for an adoption
    user_id     INTEGER NOT NULL REFERENCES users (id),
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'rejected')),
    reviewer_id INTEGER REFERENCES users (id),
    reviewed_at TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX confirmations_status ON confirmations (status, created_at);

-- The date the bundle was loaded is not a change: records never changed
-- since have no "last updated" date.
UPDATE actors SET updated_at = '' WHERE version = 1 AND NOT EXISTS
    (SELECT 1 FROM versions v WHERE v.record_type = 'actor' AND v.record_id = actors.id);
UPDATE tools SET updated_at = '' WHERE version = 1 AND NOT EXISTS
    (SELECT 1 FROM versions v WHERE v.record_type = 'tool' AND v.record_id = tools.slug);
UPDATE adoptions SET updated_at = '' WHERE version = 1 AND NOT EXISTS
    (SELECT 1 FROM versions v WHERE v.record_type = 'adoption'
        AND v.record_id = 'adoption-' || adoptions.actor_id || '-' || adoptions.tool_slug);

-- +goose Down
DROP TABLE confirmations;
DROP INDEX proposals_batch;
ALTER TABLE proposals DROP COLUMN provenance;
ALTER TABLE proposals DROP COLUMN batch_id;
DROP TABLE import_runs;
ALTER TABLE adoptions DROP COLUMN verified_by;
ALTER TABLE adoptions DROP COLUMN verified_at;
ALTER TABLE actors DROP COLUMN provenance;
ALTER TABLE actors DROP COLUMN siret;
ALTER TABLE actors DROP COLUMN opening_hours;
