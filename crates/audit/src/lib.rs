//! The audit trail: every sign-in, read of a child's record or DNA profile, change, export and
//! permission change becomes one record in an append-only chain.
//!
//! Each record carries the MAC of its predecessor and its own MAC over a canonical encoding of
//! its fields, so editing, deleting, inserting or reordering any record breaks verification
//! from that point on. The MAC is HMAC-SHA-256 under a key held outside the database (see
//! [`AuditKey`]): a plain hash chain could be recomputed by whoever can write the database,
//! which is exactly the person an audit trail must be able to catch.
//!
//! Pure: no clock (timestamps come in as text), no storage (the service stores records and
//! hands them back in order for [`verify`]).

use std::fmt;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A MAC, 32 bytes, shown and stored as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest([u8; 32]);

impl Digest {
    /// The predecessor of the first record.
    pub const GENESIS: Digest = Digest([0; 32]);

    pub fn to_hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(text: &str) -> Result<Digest, AuditError> {
        let bad = || AuditError::MalformedDigest(text.to_string());
        if text.len() != 64 || !text.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Digest(out))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl TryFrom<String> for Digest {
    type Error = AuditError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Digest::from_hex(&s)
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.to_hex()
    }
}

/// The secret key of the chain. Kept outside the database (a file readable only by the
/// service, or a secret store), so that database access alone cannot forge a valid chain.
#[derive(Clone)]
pub struct AuditKey(Vec<u8>);

/// Shortest key accepted: 32 bytes, the HMAC-SHA-256 block size guidance for full strength.
pub const MIN_KEY_BYTES: usize = 32;

impl AuditKey {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<AuditKey, AuditError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(AuditError::WeakKey(bytes.len()));
        }
        Ok(AuditKey(bytes))
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(..)")
    }
}

/// What happened, before it is chained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When, as RFC 3339 text supplied by the caller.
    pub at: String,
    /// Who: an account name, or `system`.
    pub actor: String,
    /// What kind of thing: `sign_in`, `sign_in_failed`, `read_profile`, `read_child`, `export`,
    /// `change`, `permission_change`, … (a closed list is kept by the service).
    pub action: String,
    /// On what: e.g. `unit:U0001`, `sample:S000123`, `account:maria`.
    pub target: String,
    /// Anything else, as JSON text (request id, IP, fields changed).
    pub detail: String,
}

/// One record of the chain, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the chain, from 1, without gaps.
    pub seq: u64,
    #[serde(flatten)]
    pub event: Event,
    pub prev: Digest,
    pub mac: Digest,
}

/// The head of a chain: where the next record attaches. The service keeps it (or reloads it
/// from the last stored record) and appends under a lock, so records form one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub mac: Digest,
}

impl Head {
    pub const EMPTY: Head = Head {
        seq: 0,
        mac: Digest::GENESIS,
    };

    pub fn of(record: &Record) -> Head {
        Head {
            seq: record.seq,
            mac: record.mac,
        }
    }
}

/// Builds the next record after `head`.
pub fn append(key: &AuditKey, head: Head, event: Event) -> Record {
    let seq = head.seq + 1;
    let mac = mac(key, seq, &event, &head.mac);
    Record {
        seq,
        event,
        prev: head.mac,
        mac,
    }
}

/// Canonical encoding: every field length-prefixed, so no two different records encode alike
/// (`("ab","c")` and `("a","bc")` differ).
fn mac(key: &AuditKey, seq: u64, event: &Event, prev: &Digest) -> Digest {
    // A key of any length is accepted by HMAC; `new_from_slice` only fails for fixed-size MACs.
    let Ok(mut m) = HmacSha256::new_from_slice(&key.0) else {
        unreachable!("HMAC accepts keys of any length")
    };
    m.update(b"lazo-audit-v1");
    m.update(&seq.to_be_bytes());
    for field in [
        &event.at,
        &event.actor,
        &event.action,
        &event.target,
        &event.detail,
    ] {
        m.update(&(field.len() as u64).to_be_bytes());
        m.update(field.as_bytes());
    }
    m.update(&prev.0);
    Digest(m.finalize().into_bytes().into())
}

/// A verified chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub records: u64,
    pub head: Head,
}

/// Checks records given in storage order: sequence numbers 1, 2, 3, … without gaps, each
/// record pointing at its predecessor's MAC, each MAC valid under `key`. Reports the first
/// broken record: everything before it is trustworthy, nothing from it on.
pub fn verify<'a>(
    key: &AuditKey,
    records: impl IntoIterator<Item = &'a Record>,
) -> Result<Verified, AuditError> {
    let mut head = Head::EMPTY;
    for record in records {
        let expected_seq = head.seq + 1;
        if record.seq != expected_seq {
            return Err(AuditError::Broken {
                seq: record.seq,
                reason: format!(
                    "expected record {expected_seq}: a record is missing, duplicated or out of order"
                ),
            });
        }
        if record.prev != head.mac {
            return Err(AuditError::Broken { seq: record.seq, reason: "does not point at the previous record: a record was removed, inserted or altered before it".into() });
        }
        if mac(key, record.seq, &record.event, &record.prev) != record.mac {
            return Err(AuditError::Broken { seq: record.seq, reason: "its content does not match its MAC: the record was altered (or the key is wrong)".into() });
        }
        head = Head::of(record);
    }
    Ok(Verified {
        records: head.seq,
        head,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("audit chain broken at record {seq}: {reason}")]
    Broken { seq: u64, reason: String },
    #[error("malformed digest {0:?} (expected 64 hex digits)")]
    MalformedDigest(String),
    #[error("audit key of {0} bytes is too short (at least {MIN_KEY_BYTES})")]
    WeakKey(usize),
}
