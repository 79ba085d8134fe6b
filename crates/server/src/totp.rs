//! The second factor: TOTP (RFC 6238; SHA-1, 6 digits, 30-second steps, one step of clock skew
//! either way), the codes every authenticator app shows. `totp-rs` computes the codes; this
//! module holds the settings in one place, makes secrets, and writes the `otpauth://` URI the
//! apps read (by hand: the crate's URI feature pulls in a URL parser for one `format!`).
//!
//! A code is accepted once: the step it belongs to is claimed in the store atomically
//! ([`lazo_store::AccountStore::claim_totp_step`]), so an overheard code cannot be replayed.

use totp_rs::{Builder, Secret, Totp};

/// Seconds per step.
const STEP_SECONDS: u64 = 30;

/// A new random secret (160 bits, as RFC 4226 recommends), base32 for the account record and
/// for typing into an app.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::from(bytes).to_base32()
}

fn totp(secret_base32: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret_base32.trim()).ok()?;
    Builder::new()
        .with_secret(secret)
        .with_step_duration(STEP_SECONDS)
        .with_skew(1)
        .with_digits(6)
        .build()
        .ok()
}

/// The step `code` belongs to at `now_ms` (within one step either way), or `None` for a wrong
/// code, a malformed one or an unusable secret. Spaces in the code are ignored (apps show
/// `123 456`).
pub fn check(secret_base32: &str, code: &str, now_ms: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now_ms / 1000).ok()?;
    let step = totp(secret_base32)?.check(&code, now)?;
    i64::try_from(step).ok()
}

/// The code an app shows at `now_ms` (for tests and for the enrolment page's self-check).
pub fn code_at(secret_base32: &str, now_ms: i64) -> Option<String> {
    let now = u64::try_from(now_ms / 1000).ok()?;
    Some(totp(secret_base32)?.generate(now).to_string())
}

/// `otpauth://totp/Lazo:NAME?secret=…&issuer=Lazo&…`, what an app's "enter a setup key" or QR
/// scan takes.
pub fn otpauth_uri(account: &str, secret_base32: &str) -> String {
    let label: String = account
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        "otpauth://totp/Lazo:{label}?secret={secret_base32}&issuer=Lazo&algorithm=SHA1&digits=6&period={STEP_SECONDS}"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (secret "12345678901234567890"), last six digits.
    #[test]
    fn rfc_6238_vectors() {
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        for (seconds, code) in [
            (59_i64, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(
                code_at(&secret, seconds * 1000).unwrap(),
                code,
                "t={seconds}"
            );
            assert!(
                check(&secret, code, seconds * 1000).is_some(),
                "t={seconds}"
            );
        }
    }

    #[test]
    fn skew_of_one_step_and_no_more() {
        let secret = new_secret();
        let t = 1_800_000_000_000_i64;
        let code = code_at(&secret, t).unwrap();
        let step = t / 1000 / 30;
        assert_eq!(check(&secret, &code, t), Some(step));
        assert_eq!(check(&secret, &code, t + 30_000), Some(step));
        assert_eq!(check(&secret, &code, t - 30_000), Some(step));
        assert_eq!(check(&secret, &code, t + 61_000), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(check(&secret, &spaced, t), Some(step));
        for bad in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(check(&secret, bad, t), None, "{bad:?}");
        }
        assert_eq!(check("not base32!", &code, t), None);
    }

    #[test]
    fn uri_escapes_the_account() {
        let uri = otpauth_uri("ana maría", "ABC");
        assert!(uri.starts_with("otpauth://totp/Lazo:ana%20mar%C3%ADa?secret=ABC&issuer=Lazo"));
    }
}
