-- 48-hour screening of unaccompanied children, SQLite dialect. Counterpart:
-- crates/store-postgres/migrations/0006_screening.sql (same meaning; see lazo-store's crate
-- documentation). Never edit once released; add a new numbered file instead.
--
-- A screening is a child's record: the application never deletes one, and once completed only
-- the supervisor's signature may be added. The triggers below hold that for anyone who writes
-- through SQL without dropping them.

CREATE TABLE screening_instruments (
    instrument_pk INTEGER PRIMARY KEY,
    id            TEXT    NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    version       TEXT    NOT NULL CHECK (length(version) BETWEEN 1 AND 64),
    toml          TEXT    NOT NULL CHECK (length(toml) > 0),
    UNIQUE (id, version)
) STRICT;

CREATE TRIGGER screening_instruments_no_update BEFORE UPDATE ON screening_instruments
BEGIN SELECT RAISE(ABORT, 'screening instruments are kept as first saved'); END;
CREATE TRIGGER screening_instruments_no_delete BEFORE DELETE ON screening_instruments
BEGIN SELECT RAISE(ABORT, 'screening instruments are kept as first saved'); END;

CREATE TABLE screenings (
    screening_pk       INTEGER PRIMARY KEY,
    id                 TEXT    NOT NULL UNIQUE CHECK (length(id) = 36),
    child_ref          TEXT    NOT NULL CHECK (length(trim(child_ref)) BETWEEN 1 AND 64),
    site               TEXT    NOT NULL CHECK (length(site) > 0),
    language           TEXT    NOT NULL CHECK (length(language) > 0),
    interviewer        TEXT    NOT NULL CHECK (length(interviewer) > 0),
    instrument_id      TEXT    NOT NULL,
    instrument_version TEXT    NOT NULL,
    apprehended_at     TEXT    NOT NULL,
    apprehended_at_ms  INTEGER NOT NULL,
    started_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    status             TEXT    NOT NULL CHECK (status IN ('draft', 'completed', 'signed')),
    revision           INTEGER NOT NULL CHECK (revision >= 0),
    answers_json       TEXT    NOT NULL
                       CHECK (json_valid(answers_json) AND json_type(answers_json) = 'object'),
    completed_at       TEXT,
    completed_at_ms    INTEGER,
    completed_by       TEXT,
    outcome            TEXT,
    decision_json      TEXT    CHECK (decision_json IS NULL OR json_valid(decision_json)),
    signed_by          TEXT,
    signed_at          TEXT,
    sign_reason        TEXT    CHECK (sign_reason IS NULL OR length(trim(sign_reason)) > 0),
    FOREIGN KEY (instrument_id, instrument_version)
        REFERENCES screening_instruments (id, version),
    -- The columns each status has: a draft no decision, a completed one no signature.
    CHECK ((status = 'draft') = (completed_at IS NULL)),
    CHECK ((completed_at IS NULL) = (completed_at_ms IS NULL)
       AND (completed_at IS NULL) = (completed_by IS NULL)
       AND (completed_at IS NULL) = (outcome IS NULL)
       AND (completed_at IS NULL) = (decision_json IS NULL)),
    CHECK ((status = 'signed') = (signed_at IS NOT NULL)),
    CHECK ((signed_at IS NULL) = (signed_by IS NULL)
       AND (signed_at IS NULL) = (sign_reason IS NULL))
) STRICT;

-- Lists: a site's screenings, or all by status, newest apprehension first.
CREATE INDEX screenings_by_site ON screenings (site, apprehended_at_ms DESC, screening_pk DESC);
CREATE INDEX screenings_by_status ON screenings (status, apprehended_at_ms DESC, screening_pk DESC);
CREATE INDEX screenings_by_time ON screenings (apprehended_at_ms DESC, screening_pk DESC);

CREATE TRIGGER screenings_no_delete BEFORE DELETE ON screenings
BEGIN SELECT RAISE(ABORT, 'screenings are children''s records and are never deleted'); END;

-- Who, where, when and which instrument never change.
CREATE TRIGGER screenings_fixed_columns BEFORE UPDATE ON screenings
WHEN NEW.id IS NOT OLD.id OR NEW.child_ref IS NOT OLD.child_ref OR NEW.site IS NOT OLD.site
  OR NEW.language IS NOT OLD.language OR NEW.interviewer IS NOT OLD.interviewer
  OR NEW.instrument_id IS NOT OLD.instrument_id
  OR NEW.instrument_version IS NOT OLD.instrument_version
  OR NEW.apprehended_at IS NOT OLD.apprehended_at
  OR NEW.apprehended_at_ms IS NOT OLD.apprehended_at_ms
  OR NEW.started_at IS NOT OLD.started_at
BEGIN SELECT RAISE(ABORT, 'a screening''s child, site, language, interviewer, instrument and times are fixed'); END;

-- A signed screening is final.
CREATE TRIGGER screenings_signed_final BEFORE UPDATE ON screenings
WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed screening cannot change'); END;

-- A completed screening only gains its signature.
CREATE TRIGGER screenings_completed_frozen BEFORE UPDATE ON screenings
WHEN OLD.status = 'completed' AND (NEW.status IS NOT 'signed'
  OR NEW.answers_json IS NOT OLD.answers_json OR NEW.revision IS NOT OLD.revision
  OR NEW.decision_json IS NOT OLD.decision_json OR NEW.outcome IS NOT OLD.outcome
  OR NEW.completed_at IS NOT OLD.completed_at OR NEW.completed_by IS NOT OLD.completed_by)
BEGIN SELECT RAISE(ABORT, 'a completed screening only gains its signature'); END;

-- A draft is completed, or gets new answers; it is not signed before it is completed.
CREATE TRIGGER screenings_draft_forward BEFORE UPDATE ON screenings
WHEN OLD.status = 'draft' AND NEW.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'a draft must be completed before it is signed'); END;
