-- Verification runs, PostgreSQL dialect. Counterpart: crates/store-sqlite/migrations/0001_runs.sql;
-- the two must keep the same meaning (see lazo-store's crate documentation), checked by the same
-- conformance tests on both backends.
-- Never edit this file once released: sqlx records its checksum, and a changed applied migration
-- makes `PgStore::connect` fail. Add a new numbered file instead (and its SQLite counterpart).
--
-- Dialect differences, none of them a difference in meaning:
-- - `runs.id` is a `uuid` (SQLite: 36-character text); it is read back as its lowercase
--   hyphenated text, the same text SQLite stores.
-- - Integers are `bigint`, the width of SQLite's INTEGER (counts are u32, `elapsed_ms` up to
--   i64::MAX); internal keys are identity columns (SQLite: INTEGER PRIMARY KEY, the rowid).
-- - JSON columns are `json`, never `jsonb`: `json` validates the text and keeps it byte for byte
--   (`jsonb` reorders keys, drops whitespace and duplicate keys, respells numbers). SQLite checks
--   `json_valid` on text. Invalid JSON fails the cast on insert (SQLSTATE class 22) rather than
--   a CHECK; the store reports both as an invalid record.
-- - The seed check uses a regular expression where SQLite uses GLOB.

CREATE TABLE runs (
    run_pk              bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                  uuid             NOT NULL UNIQUE,
    started_at          text             NOT NULL,
    started_at_ms       bigint           NOT NULL,
    kind                text             NOT NULL CHECK (kind IN ('demo', 'intake')),
    lazo_version        text             NOT NULL,
    population          text             NOT NULL,
    theta               double precision NOT NULL,
    mutation            text             NOT NULL,
    policy_toml         text             NOT NULL,
    -- Decimal text: a u64 seed does not fit a signed 64-bit integer.
    seed                text             CHECK (seed <> '' AND seed !~ '[^0-9]'),
    unit_count          bigint           NOT NULL CHECK (unit_count >= 0),
    verified_count      bigint           NOT NULL CHECK (verified_count >= 0),
    not_supported_count bigint           NOT NULL CHECK (not_supported_count >= 0),
    inconclusive_count  bigint           NOT NULL CHECK (inconclusive_count >= 0),
    alert_count         bigint           NOT NULL CHECK (alert_count >= 0),
    elapsed_ms          bigint           NOT NULL CHECK (elapsed_ms >= 0),
    CHECK (verified_count + not_supported_count + inconclusive_count = unit_count)
);

-- The list of runs, newest first.
CREATE INDEX runs_by_time ON runs (started_at_ms DESC, run_pk DESC);

CREATE TABLE run_units (
    unit_pk              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_pk               bigint NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position             bigint NOT NULL,
    unit_id              text   NOT NULL,
    verdict              text   NOT NULL
                         CHECK (verdict IN ('verified', 'not_supported', 'inconclusive')),
    reasons_json         json   NOT NULL CHECK (json_typeof(reasons_json) = 'array'),
    recommendations_json json   NOT NULL CHECK (json_typeof(recommendations_json) = 'array'),
    -- Large values are TOASTed out of line: listing units never reads the reports.
    report_json          json   NOT NULL,
    UNIQUE (run_pk, unit_id),
    UNIQUE (run_pk, position)
);

-- Units by verdict, within a run or across runs (a review queue of inconclusive units).
CREATE INDEX run_units_by_verdict ON run_units (verdict, run_pk, position);

CREATE TABLE unit_members (
    unit_pk   bigint NOT NULL REFERENCES run_units (unit_pk) ON DELETE CASCADE,
    position  bigint NOT NULL,
    sample_id text   NOT NULL,
    role      text   NOT NULL CHECK (role IN ('mother', 'father', 'child')),
    PRIMARY KEY (unit_pk, position),
    UNIQUE (unit_pk, sample_id)
);

-- A unit has at most one mother and one father.
CREATE UNIQUE INDEX unit_members_one_per_parent_role
    ON unit_members (unit_pk, role) WHERE role IN ('mother', 'father');

-- Every unit a sample was presented in.
CREATE INDEX unit_members_by_sample ON unit_members (sample_id);

CREATE TABLE profiles (
    run_pk    bigint NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position  bigint NOT NULL,
    sample_id text   NOT NULL,
    loci_json json   NOT NULL CHECK (json_typeof(loci_json) = 'array'),
    PRIMARY KEY (run_pk, position),
    UNIQUE (run_pk, sample_id)
);

CREATE TABLE alerts (
    alert_pk    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_pk      bigint NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position    bigint NOT NULL,
    unit_id     text   NOT NULL,
    kind        text   NOT NULL CHECK (kind <> ''),
    sample_id   text,
    detail_json json   NOT NULL,
    UNIQUE (run_pk, position),
    FOREIGN KEY (run_pk, unit_id) REFERENCES run_units (run_pk, unit_id) ON DELETE CASCADE
);

CREATE INDEX alerts_by_unit ON alerts (run_pk, unit_id);
