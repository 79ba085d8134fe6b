-- Supervisor sign-off of stored verdicts, SQLite dialect. Counterpart:
-- crates/store-postgres/migrations/0003_reviews.sql (same meaning, see lazo-store's crate
-- documentation). Never edit once released; add a new numbered file instead.
--
-- One row per sign-off. The latest `version` of a unit is its current sign-off; earlier rows are
-- its history. A unit with no row awaits review.

CREATE TABLE reviews (
    review_pk       INTEGER PRIMARY KEY,
    run_pk          INTEGER NOT NULL,
    unit_id         TEXT    NOT NULL,
    -- 1 for a unit's first review, then 2, 3…: two sign-offs that both follow the same one
    -- (a double submit, two supervisors at once) cannot both be stored.
    version         INTEGER NOT NULL CHECK (version >= 1),
    -- The account name as text: the history outlives the account.
    reviewer        TEXT    NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 64),
    decision        TEXT    NOT NULL CHECK (decision IN ('confirmed', 'overridden')),
    -- The unit's verdict when the review was written (runs never change, so it is the unit's).
    machine_verdict TEXT    NOT NULL
                    CHECK (machine_verdict IN ('verified', 'not_supported', 'inconclusive')),
    final_verdict   TEXT    NOT NULL
                    CHECK (final_verdict IN ('verified', 'not_supported', 'inconclusive')),
    reason          TEXT    CHECK (reason IS NULL OR trim(reason) <> ''),
    reviewed_at     TEXT    NOT NULL,
    reviewed_at_ms  INTEGER NOT NULL,
    UNIQUE (run_pk, unit_id, version),
    FOREIGN KEY (run_pk, unit_id) REFERENCES run_units (run_pk, unit_id) ON DELETE CASCADE,
    -- A confirmation keeps the machine's verdict; an override changes it and says why.
    CHECK ((decision = 'confirmed' AND final_verdict = machine_verdict)
        OR (decision = 'overridden' AND final_verdict <> machine_verdict AND reason IS NOT NULL))
) STRICT;

-- Append-only: no update ever; no delete while the unit exists (deleting a run, under a
-- retention policy, still takes its units' reviews with it).
CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews
WHEN EXISTS (SELECT 1 FROM run_units u WHERE u.run_pk = OLD.run_pk AND u.unit_id = OLD.unit_id)
BEGIN SELECT RAISE(ABORT, 'reviews are append-only'); END;
