-- Accounts, sessions and the audit trail, PostgreSQL dialect. Counterpart:
-- crates/store-sqlite/migrations/0002_accounts_audit.sql (same meaning). Never edit once
-- released; add a new numbered file instead.

CREATE TABLE accounts (
    account_pk           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    role                 TEXT    NOT NULL
        CHECK (role IN ('field_agent', 'lab_analyst', 'supervisor', 'auditor', 'admin')),
    site                 TEXT,
    password_hash        TEXT    NOT NULL,
    disabled             BOOLEAN NOT NULL DEFAULT false,
    must_change_password BOOLEAN NOT NULL DEFAULT false,
    failed_sign_ins      INTEGER NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    locked_until_ms      BIGINT,
    created_at           TEXT    NOT NULL
);

-- The cookie's token is never stored, only its SHA-256.
CREATE TABLE sessions (
    token_hash   TEXT   PRIMARY KEY CHECK (length(token_hash) = 64),
    account_pk   BIGINT NOT NULL REFERENCES accounts (account_pk) ON DELETE CASCADE,
    csrf_token   TEXT   NOT NULL,
    created_ms   BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_pk);

-- One HMAC chain (lazo-audit); the key is never in the database. Appends lock the table
-- (EXCLUSIVE: readers go on) so the chain stays one line across processes.
CREATE TABLE audit_log (
    seq    BIGINT PRIMARY KEY CHECK (seq >= 1),
    at     TEXT   NOT NULL,
    actor  TEXT   NOT NULL,
    action TEXT   NOT NULL,
    target TEXT   NOT NULL,
    detail TEXT   NOT NULL,
    prev   TEXT   NOT NULL CHECK (length(prev) = 64),
    mac    TEXT   NOT NULL CHECK (length(mac) = 64)
);

-- Append-only for the application: updates and deletes are refused. (Someone who can drop the
-- trigger can edit rows; the chain's MACs are what catches that.)
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
