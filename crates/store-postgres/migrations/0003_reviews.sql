-- Supervisor sign-off of stored verdicts, PostgreSQL dialect. Counterpart:
-- crates/store-sqlite/migrations/0003_reviews.sql (same meaning, see lazo-store's crate
-- documentation). Never edit once released; add a new numbered file instead.
--
-- One row per sign-off. The latest `version` of a unit is its current sign-off; earlier rows are
-- its history. A unit with no row awaits review.

CREATE TABLE reviews (
    review_pk       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_pk          bigint NOT NULL,
    unit_id         text   NOT NULL,
    -- 1 for a unit's first review, then 2, 3…: two sign-offs that both follow the same one
    -- (a double submit, two supervisors at once) cannot both be stored.
    version         bigint NOT NULL CHECK (version >= 1),
    -- The account name as text: the history outlives the account.
    reviewer        text   NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 64),
    decision        text   NOT NULL CHECK (decision IN ('confirmed', 'overridden')),
    -- The unit's verdict when the review was written (runs never change, so it is the unit's).
    machine_verdict text   NOT NULL
                    CHECK (machine_verdict IN ('verified', 'not_supported', 'inconclusive')),
    final_verdict   text   NOT NULL
                    CHECK (final_verdict IN ('verified', 'not_supported', 'inconclusive')),
    reason          text   CHECK (reason IS NULL OR trim(reason) <> ''),
    reviewed_at     text   NOT NULL,
    reviewed_at_ms  bigint NOT NULL,
    UNIQUE (run_pk, unit_id, version),
    FOREIGN KEY (run_pk, unit_id) REFERENCES run_units (run_pk, unit_id) ON DELETE CASCADE,
    -- A confirmation keeps the machine's verdict; an override changes it and says why.
    CHECK ((decision = 'confirmed' AND final_verdict = machine_verdict)
        OR (decision = 'overridden' AND final_verdict <> machine_verdict AND reason IS NOT NULL))
);

-- Append-only: no update ever; no delete while the unit exists (deleting a run, under a
-- retention policy, still takes its units' reviews with it: the cascade runs after the unit's
-- row is gone).
CREATE FUNCTION reviews_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (
        SELECT 1 FROM run_units u WHERE u.run_pk = OLD.run_pk AND u.unit_id = OLD.unit_id
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'reviews are append-only';
END;
$$;
CREATE TRIGGER reviews_append_only BEFORE UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_append_only();
