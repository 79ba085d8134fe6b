-- Verification runs, SQLite dialect. Counterpart: crates/store-postgres/migrations/0001_runs.sql;
-- the two must keep the same meaning (see lazo-store's crate documentation), checked by the same
-- conformance tests on both backends.
-- Never edit this file once released: sqlx records its checksum, and a changed applied migration
-- makes `SqliteStore::open` fail. Add a new numbered file instead (and its PostgreSQL counterpart).
--
-- STRICT tables: a value of the wrong type is an error, not silently stored (as in PostgreSQL).
-- Internal integer keys (`run_pk`, `unit_pk`) join the tables; only `runs.id` leaves the database.

CREATE TABLE runs (
    run_pk              INTEGER PRIMARY KEY,
    id                  TEXT    NOT NULL UNIQUE CHECK (length(id) = 36),
    started_at          TEXT    NOT NULL,
    started_at_ms       INTEGER NOT NULL,
    kind                TEXT    NOT NULL CHECK (kind IN ('demo', 'intake')),
    lazo_version        TEXT    NOT NULL,
    population          TEXT    NOT NULL,
    theta               REAL    NOT NULL,
    mutation            TEXT    NOT NULL,
    policy_toml         TEXT    NOT NULL,
    -- Decimal text: a u64 seed does not fit a signed 64-bit integer.
    seed                TEXT    CHECK (seed <> '' AND seed NOT GLOB '*[^0-9]*'),
    unit_count          INTEGER NOT NULL CHECK (unit_count >= 0),
    verified_count      INTEGER NOT NULL CHECK (verified_count >= 0),
    not_supported_count INTEGER NOT NULL CHECK (not_supported_count >= 0),
    inconclusive_count  INTEGER NOT NULL CHECK (inconclusive_count >= 0),
    alert_count         INTEGER NOT NULL CHECK (alert_count >= 0),
    elapsed_ms          INTEGER NOT NULL CHECK (elapsed_ms >= 0),
    CHECK (verified_count + not_supported_count + inconclusive_count = unit_count)
) STRICT;

-- The list of runs, newest first.
CREATE INDEX runs_by_time ON runs (started_at_ms DESC, run_pk DESC);

CREATE TABLE run_units (
    unit_pk              INTEGER PRIMARY KEY,
    run_pk               INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position             INTEGER NOT NULL,
    unit_id              TEXT    NOT NULL,
    verdict              TEXT    NOT NULL
                         CHECK (verdict IN ('verified', 'not_supported', 'inconclusive')),
    reasons_json         TEXT    NOT NULL
                         CHECK (json_valid(reasons_json) AND json_type(reasons_json) = 'array'),
    recommendations_json TEXT    NOT NULL
                         CHECK (json_valid(recommendations_json)
                                AND json_type(recommendations_json) = 'array'),
    -- Last column: listing units never reads the (large) report's overflow pages.
    report_json          TEXT    NOT NULL CHECK (json_valid(report_json)),
    UNIQUE (run_pk, unit_id),
    UNIQUE (run_pk, position)
) STRICT;

-- Units by verdict, within a run or across runs (a review queue of inconclusive units).
CREATE INDEX run_units_by_verdict ON run_units (verdict, run_pk, position);

CREATE TABLE unit_members (
    unit_pk   INTEGER NOT NULL REFERENCES run_units (unit_pk) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    sample_id TEXT    NOT NULL,
    role      TEXT    NOT NULL CHECK (role IN ('mother', 'father', 'child')),
    PRIMARY KEY (unit_pk, position),
    UNIQUE (unit_pk, sample_id)
) STRICT, WITHOUT ROWID;

-- A unit has at most one mother and one father.
CREATE UNIQUE INDEX unit_members_one_per_parent_role
    ON unit_members (unit_pk, role) WHERE role IN ('mother', 'father');

-- Every unit a sample was presented in.
CREATE INDEX unit_members_by_sample ON unit_members (sample_id);

CREATE TABLE profiles (
    run_pk    INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    sample_id TEXT    NOT NULL,
    loci_json TEXT    NOT NULL CHECK (json_valid(loci_json) AND json_type(loci_json) = 'array'),
    PRIMARY KEY (run_pk, position),
    UNIQUE (run_pk, sample_id)
) STRICT;

CREATE TABLE alerts (
    alert_pk    INTEGER PRIMARY KEY,
    run_pk      INTEGER NOT NULL REFERENCES runs (run_pk) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    unit_id     TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind <> ''),
    sample_id   TEXT,
    detail_json TEXT    NOT NULL CHECK (json_valid(detail_json)),
    UNIQUE (run_pk, position),
    FOREIGN KEY (run_pk, unit_id) REFERENCES run_units (run_pk, unit_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX alerts_by_unit ON alerts (run_pk, unit_id);
