-- Intake in the web service, PostgreSQL dialect. Counterpart:
-- crates/store-sqlite/migrations/0004_intake.sql (same meaning). Never edit once released;
-- add a new numbered file instead. Dialect differences: `consent` is a boolean (SQLite 0/1),
-- the date check a regular expression (SQLite GLOB).

-- The site of an intake made in the service (a field agent's site); NULL for runs tied to no
-- site (demo runs, `lazo verify --save`). Field agents list and read only their site's runs.
ALTER TABLE runs ADD COLUMN site text CHECK (site IS NULL OR trim(site) <> '');

-- A site's runs, newest first.
CREATE INDEX runs_by_site_and_time ON runs (site, started_at_ms DESC, run_pk DESC);

-- Chain of custody of each sample of a run: who collected it, when (YYYY-MM-DD), where, with
-- consent or not, with which kit or instrument.
CREATE TABLE sample_custody (
    run_pk       bigint  NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position     bigint  NOT NULL,
    sample_id    text    NOT NULL,
    collector    text    NOT NULL,
    collected_on text    NOT NULL CHECK (collected_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    place        text    NOT NULL,
    consent      boolean NOT NULL,
    kit          text    NOT NULL,
    PRIMARY KEY (run_pk, position),
    UNIQUE (run_pk, sample_id)
);
