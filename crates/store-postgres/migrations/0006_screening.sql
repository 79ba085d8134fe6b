-- 48-hour screening of unaccompanied children, PostgreSQL dialect. Counterpart:
-- crates/store-sqlite/migrations/0006_screening.sql (same meaning; see lazo-store's crate
-- documentation). Never edit once released; add a new numbered file instead.
--
-- A screening is a child's record: the application never deletes one, and once completed only
-- the supervisor's signature may be added. The triggers below hold that for anyone who writes
-- through SQL without dropping them. Dialect differences as in 0001: `id` is a `uuid`, JSON
-- columns are `json` (kept byte for byte, never `jsonb`), integers are `bigint`.

CREATE TABLE screening_instruments (
    instrument_pk bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            text   NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    version       text   NOT NULL CHECK (length(version) BETWEEN 1 AND 64),
    toml          text   NOT NULL CHECK (length(toml) > 0),
    UNIQUE (id, version)
);

CREATE FUNCTION screening_instruments_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'screening instruments are kept as first saved';
END;
$$;
CREATE TRIGGER screening_instruments_kept BEFORE UPDATE OR DELETE ON screening_instruments
    FOR EACH ROW EXECUTE FUNCTION screening_instruments_kept();

CREATE TABLE screenings (
    screening_pk       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 uuid   NOT NULL UNIQUE,
    child_ref          text   NOT NULL CHECK (length(btrim(child_ref)) BETWEEN 1 AND 64),
    site               text   NOT NULL CHECK (length(site) > 0),
    language           text   NOT NULL CHECK (length(language) > 0),
    interviewer        text   NOT NULL CHECK (length(interviewer) > 0),
    instrument_id      text   NOT NULL,
    instrument_version text   NOT NULL,
    apprehended_at     text   NOT NULL,
    apprehended_at_ms  bigint NOT NULL,
    started_at         text   NOT NULL,
    updated_at         text   NOT NULL,
    status             text   NOT NULL CHECK (status IN ('draft', 'completed', 'signed')),
    revision           bigint NOT NULL CHECK (revision >= 0),
    answers_json       json   NOT NULL CHECK (json_typeof(answers_json) = 'object'),
    completed_at       text,
    completed_at_ms    bigint,
    completed_by       text,
    outcome            text,
    decision_json      json,
    signed_by          text,
    signed_at          text,
    sign_reason        text   CHECK (sign_reason IS NULL OR length(btrim(sign_reason)) > 0),
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
);

-- Lists: a site's screenings, or all by status, newest apprehension first.
CREATE INDEX screenings_by_site ON screenings (site, apprehended_at_ms DESC, screening_pk DESC);
CREATE INDEX screenings_by_status ON screenings (status, apprehended_at_ms DESC, screening_pk DESC);
CREATE INDEX screenings_by_time ON screenings (apprehended_at_ms DESC, screening_pk DESC);

-- No deletes; who, where, when and which instrument never change; a signed screening is
-- final; a completed one only gains its signature; a draft is completed before it is signed.
-- (`json` has no equality operator: compared as text, which is what is stored.)
CREATE FUNCTION screenings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'screenings are children''s records and are never deleted';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.child_ref IS DISTINCT FROM OLD.child_ref
       OR NEW.site IS DISTINCT FROM OLD.site OR NEW.language IS DISTINCT FROM OLD.language
       OR NEW.interviewer IS DISTINCT FROM OLD.interviewer
       OR NEW.instrument_id IS DISTINCT FROM OLD.instrument_id
       OR NEW.instrument_version IS DISTINCT FROM OLD.instrument_version
       OR NEW.apprehended_at IS DISTINCT FROM OLD.apprehended_at
       OR NEW.apprehended_at_ms IS DISTINCT FROM OLD.apprehended_at_ms
       OR NEW.started_at IS DISTINCT FROM OLD.started_at THEN
        RAISE EXCEPTION 'a screening''s child, site, language, interviewer, instrument and times are fixed';
    END IF;
    IF OLD.status = 'signed' THEN
        RAISE EXCEPTION 'a signed screening cannot change';
    END IF;
    IF OLD.status = 'completed' AND (NEW.status IS DISTINCT FROM 'signed'
       OR NEW.answers_json::text IS DISTINCT FROM OLD.answers_json::text
       OR NEW.revision IS DISTINCT FROM OLD.revision
       OR NEW.decision_json::text IS DISTINCT FROM OLD.decision_json::text
       OR NEW.outcome IS DISTINCT FROM OLD.outcome
       OR NEW.completed_at IS DISTINCT FROM OLD.completed_at
       OR NEW.completed_by IS DISTINCT FROM OLD.completed_by) THEN
        RAISE EXCEPTION 'a completed screening only gains its signature';
    END IF;
    IF OLD.status = 'draft' AND NEW.status = 'signed' THEN
        RAISE EXCEPTION 'a draft must be completed before it is signed';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER screenings_guard BEFORE UPDATE OR DELETE ON screenings
    FOR EACH ROW EXECUTE FUNCTION screenings_guard();
