//! The chain detects every kind of tampering and accepts every honest log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use lazo_audit::{AuditError, AuditKey, Digest, Event, Head, Record, append, verify};
use proptest::prelude::*;

fn key() -> AuditKey {
    AuditKey::new(vec![7u8; 32]).unwrap()
}

fn event(i: usize) -> Event {
    Event {
        at: format!("2026-11-23T12:{:02}:00Z", i % 60),
        actor: ["maria", "jose", "system"][i % 3].into(),
        action: ["sign_in", "read_profile", "export"][i % 3].into(),
        target: format!("sample:S{i:06}"),
        detail: format!("{{\"request\":{i}}}"),
    }
}

fn chain(n: usize) -> Vec<Record> {
    let mut head = Head::EMPTY;
    (0..n)
        .map(|i| {
            let r = append(&key(), head, event(i));
            head = Head::of(&r);
            r
        })
        .collect()
}

fn broken_at(records: &[Record]) -> u64 {
    match verify(&key(), records) {
        Err(AuditError::Broken { seq, .. }) => seq,
        other => panic!("tampering not detected: {other:?}"),
    }
}

#[test]
fn an_honest_chain_verifies() {
    let records = chain(50);
    let v = verify(&key(), &records).unwrap();
    assert_eq!(v.records, 50);
    assert_eq!(v.head, Head::of(&records[49]));
    assert_eq!(verify(&key(), &[]).unwrap().records, 0);
}

#[test]
fn a_modified_row_is_detected_at_that_row() {
    let mut records = chain(20);
    records[7].event.actor = "intruder".into();
    assert_eq!(broken_at(&records), 8);
}

#[test]
fn deletion_insertion_reordering_and_truncated_prefix_are_detected() {
    let records = chain(10);
    let mut deleted = records.clone();
    deleted.remove(4);
    assert_eq!(broken_at(&deleted), 6);

    let mut reordered = records.clone();
    reordered.swap(2, 3);
    assert_eq!(broken_at(&reordered), 4);

    let mut inserted = records.clone();
    let forged = append(&key(), Head::of(&records[2]), event(99));
    inserted.insert(3, forged);
    assert_eq!(broken_at(&inserted), 4);

    // Dropping the first records is caught: the chain must start at 1.
    assert_eq!(broken_at(&records[3..]), 4);
}

#[test]
fn recomputing_the_chain_without_the_key_does_not_verify() {
    // Someone with database access rewrites a record and re-chains everything after it with a
    // key of their own: verification under the real key fails at the first rewritten record.
    let mut records = chain(10);
    let other = AuditKey::new(vec![9u8; 32]).unwrap();
    let mut head = Head::of(&records[4]);
    for r in records.iter_mut().skip(5) {
        let mut e = r.event.clone();
        if r.seq == 6 {
            e.detail = "{}".into();
        }
        *r = append(&other, head, e);
        head = Head::of(r);
    }
    assert_eq!(broken_at(&records), 6);
}

#[test]
fn field_boundaries_are_unambiguous() {
    let mut a = event(1);
    a.actor = "ab".into();
    a.action = "c".into();
    let mut b = event(1);
    b.actor = "a".into();
    b.action = "bc".into();
    assert_ne!(
        append(&key(), Head::EMPTY, a).mac,
        append(&key(), Head::EMPTY, b).mac
    );
}

#[test]
fn short_keys_and_bad_digests_are_refused() {
    assert!(AuditKey::new(vec![1u8; 16]).is_err());
    assert!(Digest::from_hex("zz").is_err());
    let d = chain(1)[0].mac;
    assert_eq!(Digest::from_hex(&d.to_hex()).unwrap(), d);
}

#[test]
fn records_round_trip_through_json_and_still_verify() {
    let records = chain(5);
    let json = serde_json::to_string(&records).unwrap();
    assert!(json.contains(&records[4].mac.to_hex()));
    let back: Vec<Record> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, records);
    verify(&key(), &back).unwrap();
}

proptest! {
    /// Changing any single byte of any text field of any record breaks the chain there.
    #[test]
    fn any_single_field_change_is_detected(n in 1usize..15, which in 0usize..15, field in 0usize..5, extra in "[a-z]{1,3}") {
        let mut records = chain(n);
        let i = which % n;
        let e = &mut records[i].event;
        match field {
            0 => e.at.push_str(&extra),
            1 => e.actor.push_str(&extra),
            2 => e.action.push_str(&extra),
            3 => e.target.push_str(&extra),
            _ => e.detail.push_str(&extra),
        }
        prop_assert_eq!(broken_at(&records), i as u64 + 1);
    }
}
