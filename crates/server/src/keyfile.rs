//! The audit key file: 32 random bytes, mode 0600, never in the database.

use std::io::Write as _;
use std::path::Path;

use lazo_store::lazo_audit::AuditKey;

/// The key file's name in a data directory.
pub const KEY_FILE: &str = "audit.key";

/// Reads the key at `path`.
pub fn load(path: &Path) -> std::io::Result<AuditKey> {
    let bytes = std::fs::read(path)?;
    AuditKey::new(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

/// Reads the key at `path`, creating it (32 random bytes, 0600, parent directory 0700) if it
/// does not exist. Returns the key and whether it was created.
pub fn load_or_create(path: &Path) -> std::io::Result<(AuditKey, bool)> {
    if path.exists() {
        return Ok((load(path)?, false));
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let key: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(&key)?;
            file.sync_all()?;
            Ok((
                AuditKey::new(key.to_vec()).map_err(std::io::Error::other)?,
                true,
            ))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok((load(path)?, false)),
        Err(e) => Err(e),
    }
}
