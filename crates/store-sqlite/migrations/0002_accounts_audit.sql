-- Accounts, sessions and the audit trail, SQLite dialect. Counterpart:
-- crates/store-postgres/migrations/0002_accounts_audit.sql (same meaning). Never edit once
-- released; add a new numbered file instead.

CREATE TABLE accounts (
    account_pk           INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    role                 TEXT    NOT NULL
        CHECK (role IN ('field_agent', 'lab_analyst', 'supervisor', 'auditor', 'admin')),
    site                 TEXT,
    password_hash        TEXT    NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    failed_sign_ins      INTEGER NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    locked_until_ms      INTEGER,
    created_at           TEXT    NOT NULL
) STRICT;

-- The cookie's token is never stored, only its SHA-256.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY CHECK (length(token_hash) = 64),
    account_pk   INTEGER NOT NULL REFERENCES accounts (account_pk) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_ms   INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_account ON sessions (account_pk);

-- One HMAC chain (lazo-audit); the key is never in the database.
CREATE TABLE audit_log (
    seq    INTEGER PRIMARY KEY CHECK (seq >= 1),
    at     TEXT    NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL,
    prev   TEXT    NOT NULL CHECK (length(prev) = 64),
    mac    TEXT    NOT NULL CHECK (length(mac) = 64)
) STRICT;

-- Append-only for the application: updates and deletes are refused. (Someone who can drop the
-- triggers can edit rows; the chain's MACs are what catches that.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
