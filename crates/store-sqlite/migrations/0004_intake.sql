-- Intake in the web service, SQLite dialect. Counterpart:
-- crates/store-postgres/migrations/0004_intake.sql (same meaning). Never edit once released;
-- add a new numbered file instead.

-- The site of an intake made in the service (a field agent's site); NULL for runs tied to no
-- site (demo runs, `lazo verify --save`). Field agents list and read only their site's runs.
ALTER TABLE runs ADD COLUMN site TEXT CHECK (site IS NULL OR trim(site) <> '');

-- A site's runs, newest first.
CREATE INDEX runs_by_site_and_time ON runs (site, started_at_ms DESC, run_pk DESC);

-- Chain of custody of each sample of a run: who collected it, when (YYYY-MM-DD), where, with
-- consent or not, with which kit or instrument.
CREATE TABLE sample_custody (
    run_pk       INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    sample_id    TEXT    NOT NULL,
    collector    TEXT    NOT NULL,
    collected_on TEXT    NOT NULL
                 CHECK (collected_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    place        TEXT    NOT NULL,
    consent      INTEGER NOT NULL CHECK (consent IN (0, 1)),
    kit          TEXT    NOT NULL,
    PRIMARY KEY (run_pk, position),
    UNIQUE (run_pk, sample_id)
) STRICT;
