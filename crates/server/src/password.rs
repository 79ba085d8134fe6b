//! Password hashing: argon2id with a random 16-byte salt.
//!
//! Stored form: `$argon2id$v=19$m=M,t=T,p=P$SALT_HEX$HASH_HEX` (PHC-shaped, with hex instead of
//! base64 so no encoding crate is needed); the cost is read back from the string, so raising
//! [`Cost::DEFAULT`] later leaves old hashes verifiable.

use argon2::{Algorithm, Argon2, Params, Version};

/// Argon2id cost: memory in KiB, passes, lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl Cost {
    /// OWASP's first recommendation for argon2id (19 MiB, 2 passes, 1 lane).
    pub const DEFAULT: Cost = Cost {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };
    /// Cheap, for tests only.
    pub const TEST: Cost = Cost {
        m_kib: 64,
        t: 1,
        p: 1,
    };
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn argon(cost: Cost) -> Result<Argon2<'static>, HashError> {
    let params =
        Params::new(cost.m_kib, cost.t, cost.p, Some(32)).map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Hashes `password` with a fresh salt.
pub fn hash(password: &str, cost: Cost) -> Result<String, HashError> {
    let salt: [u8; 16] = rand::random();
    let mut out = [0u8; 32];
    argon(cost)?
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        cost.m_kib,
        cost.t,
        cost.p,
        hex(&salt),
        hex(&out)
    ))
}

/// Whether `password` matches `stored`. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let ["", "argon2id", "v=19", cost, salt, expected] = parts.as_slice() else {
        return false;
    };
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in cost.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().ok(),
            Some(("t", v)) => t = v.parse().ok(),
            Some(("p", v)) => p = v.parse().ok(),
            _ => return false,
        }
    }
    let (Some(m_kib), Some(t), Some(p)) = (m, t, p) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (unhex(salt), unhex(expected)) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let Ok(argon) = argon(Cost { m_kib, t, p }) else {
        return false;
    };
    if argon
        .hash_password_into(password.as_bytes(), &salt, &mut out)
        .is_err()
    {
        return false;
    }
    constant_time_eq(&out, &expected)
}

/// Compares without an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A random password of 20 characters from an unambiguous alphabet (~100 bits).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: [u8; 20] = rand::random();
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Minimum rules for a chosen password.
pub fn acceptable(password: &str) -> bool {
    password.chars().count() >= 12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash("correct horse battery", Cost::TEST).unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterz", &h));
        assert!(!verify("x", "garbage"));
        assert_ne!(hash("a", Cost::TEST).ok(), hash("a", Cost::TEST).ok());
    }
}
