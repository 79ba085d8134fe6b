-- Second factor (TOTP, RFC 6238), PostgreSQL dialect. Counterpart:
-- crates/store-sqlite/migrations/0005_totp.sql.
--
-- totp_secret: the shared secret in base32, NULL while the account has no second factor.
-- totp_last_step: the last 30-second step whose code was accepted; a code is accepted only for a
-- later step, so an overheard code cannot be replayed.
ALTER TABLE accounts
    ADD COLUMN totp_secret text CHECK (totp_secret IS NULL OR length(totp_secret) >= 26),
    ADD COLUMN totp_last_step bigint;
