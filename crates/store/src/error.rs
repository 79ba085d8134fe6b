//! The one error type every backend returns.

use std::path::PathBuf;

/// Why a store operation failed. Backends map their driver's errors onto these variants so
/// callers (the CLI, the web service) can tell a caller mistake from a broken database without
/// knowing which database it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record breaks a rule of the store: a malformed timestamp, a summary that does not
    /// match the units, a value the schema rejects (CHECK, NOT NULL, FOREIGN KEY), invalid JSON.
    /// Nothing was written.
    #[error("invalid record: {0}")]
    Invalid(String),
    /// A uniqueness rule was broken: a run id already saved, a unit id or sample id twice in one
    /// run. Nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Stored data that cannot be read back as a record (an unknown verdict word, a list column
    /// that is not a JSON array…): the database was edited by hand or by a newer version.
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    /// The data directory or database file could not be created or opened.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Creating the schema or upgrading it failed (for example a migration already applied was
    /// edited afterwards, or the database was written by a newer version of Lazo).
    #[error("database schema migration failed: {0}")]
    Migration(String),
    /// Any other failure of the database or its driver (disk full, locked too long, I/O error).
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl StoreError {
    /// Whether the caller's record was at fault (as opposed to the database or the machine).
    pub fn is_caller_error(&self) -> bool {
        matches!(self, StoreError::Invalid(_) | StoreError::Conflict(_))
    }
}
