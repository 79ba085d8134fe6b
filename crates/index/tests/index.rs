//! The index itself: ids, removal (expungement), compaction, persistence.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use lazo_genetics::Profile;
use lazo_index::{
    ExclusionFilter, FORMAT_VERSION, IdentityQuery, IndexError, MAGIC, ProfileIndex, ROW_BYTES,
    ScreenConfig, Slot, Stringency, score_survivors, screen_parent_child, search_familial,
    search_identity,
};

#[test]
fn rows_are_48_bytes() {
    assert_eq!(ROW_BYTES, 48);
}

#[test]
fn insert_get_and_ids() {
    let table = table();
    let mut sim = sim(&table, &model(), 1);
    let mut index = ProfileIndex::new();
    let p = sim.founder("ignored");
    assert_eq!(index.insert("A", &p).unwrap(), Slot(0));
    assert_eq!(index.insert("B", &sim.founder("x")).unwrap(), Slot(1));
    assert!(matches!(
        index.insert("A", &p),
        Err(IndexError::DuplicateId(id)) if id == "A"
    ));
    assert!(matches!(index.insert("", &p), Err(IndexError::EmptyId)));
    assert!(matches!(
        index.insert(&"x".repeat(2000), &p),
        Err(IndexError::IdTooLong(2000))
    ));
    assert_eq!(index.len(), 2);
    let stored = index.get("A").unwrap();
    assert_eq!(stored.id(), "A");
    assert_eq!(stored.slot(), Slot(0));
    let mut expected = p.clone();
    expected.sample_id = "A".into();
    assert_eq!(stored.to_profile(), expected);
    assert_eq!(index.id(Slot(1)), Some("B"));
    assert!(index.get("C").is_none());
    // Unicode ids are fine.
    index.insert("niño-ß-😀", &p).unwrap();
    assert_eq!(
        index
            .get("niño-ß-😀")
            .unwrap()
            .to_profile()
            .typed_locus_count(),
        24
    );
}

#[test]
fn remove_and_compact() {
    let table = table();
    let mut sim = sim(&table, &model(), 2);
    let mut index = ProfileIndex::new();
    let people: Vec<Profile> = (0..200).map(|i| sim.founder(format!("{i}"))).collect();
    for (i, p) in people.iter().enumerate() {
        index.insert(&format!("P{i}"), p).unwrap();
    }
    for i in (0..200).step_by(3) {
        assert!(index.remove(&format!("P{i}")));
    }
    assert!(!index.remove("P0"));
    assert!(!index.remove("nobody"));
    assert_eq!(index.len(), 133);
    assert_eq!(index.tombstones(), 67);
    assert!(index.get("P3").is_none());
    assert_eq!(index.id(Slot(3)), None);
    // A removed id can be used again.
    index.insert("P3", &people[3]).unwrap();
    assert_eq!(index.len(), 134);

    let before: Vec<(String, Profile)> = index
        .iter()
        .map(|p| (p.id().to_string(), p.to_profile()))
        .collect();
    assert_eq!(index.compact(), 67);
    assert_eq!(index.tombstones(), 0);
    assert_eq!(index.slot_count(), 134);
    let after: Vec<(String, Profile)> = index
        .iter()
        .map(|p| (p.id().to_string(), p.to_profile()))
        .collect();
    assert_eq!(before, after);
    assert_eq!(index.slot("P3"), Some(Slot(133)));
    assert_eq!(index.compact(), 0);
}

#[test]
fn many_ids_survive_hashing() {
    let table = table();
    let mut sim = sim(&table, &model(), 3);
    let p = sim.founder("x");
    let mut index = ProfileIndex::new();
    for i in 0..20_000 {
        index.insert(&format!("S{i:07}"), &p).unwrap();
    }
    for i in (0..20_000).step_by(7) {
        assert_eq!(index.slot(&format!("S{i:07}")), Some(Slot(i)));
    }
    assert!(index.slot("S9999999").is_none());
    let usage = index.memory_usage();
    assert!(usage.rows >= 20_000 * 48);
    assert!(usage.total() < 20_000 * 160, "{usage:?}");
}

/// Parent–child pairs plus unrelated people; returns index, the pairs (parent id, child id).
fn families(n: usize, seed: u64) -> (ProfileIndex, Vec<(String, String)>, Vec<Profile>) {
    let table = table();
    let model = model();
    let mut sim = sim(&table, &model, seed);
    let mut index = ProfileIndex::new();
    let mut pairs = Vec::new();
    let mut children = Vec::new();
    for i in 0..n {
        let (parent, child) = sim.relative_pair(
            lazo_kinship::Relationship::ParentChild,
            lazo_kinship::ParentSex::Male,
            "p",
            "c",
        );
        index.insert(&format!("PAR{i}"), &parent).unwrap();
        index.insert(&format!("KID{i}"), &child).unwrap();
        index.insert(&format!("DUP{i}"), &child).unwrap();
        pairs.push((format!("PAR{i}"), format!("KID{i}")));
        children.push(child);
        index.insert(&format!("UNR{i}"), &sim.founder("u")).unwrap();
    }
    (index, pairs, children)
}

#[derive(Debug, PartialEq)]
struct Results {
    identity: Vec<Vec<String>>,
    familial: Vec<Vec<(String, Option<f64>, f64)>>,
    screen: Vec<(String, String, Option<f64>, Option<Stringency>)>,
}

fn all_searches(index: &ProfileIndex, queries: &[Profile]) -> Results {
    let table = table();
    let model = model();
    let identity = queries
        .iter()
        .map(|q| {
            search_identity(
                index,
                q,
                &IdentityQuery {
                    stringency: Stringency::Moderate,
                    ..IdentityQuery::default()
                },
                &table,
            )
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect()
        })
        .collect();
    let familial = queries
        .iter()
        .map(|q| {
            let r = search_familial(index, q, &table, 0.01, Some(&model), 5).unwrap();
            r.by_parent_child
                .into_iter()
                .chain(r.by_full_sibling)
                .map(|h| (h.id, h.parent_child_log10_lr, h.full_sibling_log10_lr))
                .collect()
        })
        .collect();
    let mut screen = Vec::new();
    let config = ScreenConfig {
        mutation: Some(&model),
        theta: 0.01,
        ..ScreenConfig::new(&table)
    };
    screen_parent_child(index, &config, |h| {
        screen.push((
            h.first_id.to_string(),
            h.second_id.to_string(),
            h.parent_child_log10_lr,
            h.identity,
        ))
    })
    .unwrap();
    Results {
        identity,
        familial,
        screen,
    }
}

#[test]
fn expunged_profiles_leave_every_search() {
    let (mut index, pairs, children) = families(40, 5);
    let before = all_searches(&index, &children);
    // Before: each child finds itself and its duplicate, and its parent is first by LR.
    for (i, ids) in before.identity.iter().enumerate() {
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert!(ids.contains(&format!("KID{i}")) && ids.contains(&format!("DUP{i}")));
    }
    let in_screen = |r: &Results, id: &str| r.screen.iter().any(|h| h.0 == id || h.1 == id);
    let in_familial = |r: &Results, id: &str| r.familial.iter().flatten().any(|h| h.0 == id);
    assert!(in_screen(&before, "PAR7") && in_familial(&before, "PAR7"));

    for i in [0, 7, 13] {
        assert!(index.remove(&pairs[i].0));
        assert!(index.remove(&format!("DUP{i}")));
    }
    let after = all_searches(&index, &children);
    for i in [0usize, 7, 13] {
        for id in [pairs[i].0.clone(), format!("DUP{i}")] {
            assert!(!after.identity.iter().flatten().any(|x| *x == id), "{id}");
            assert!(!in_familial(&after, &id), "{id}");
            assert!(!in_screen(&after, &id), "{id}");
        }
    }
    assert_eq!(after.identity[7], vec!["KID7".to_string()]);

    // Compaction and a write/read round trip change nothing.
    let mut compacted = index.clone();
    compacted.compact();
    assert_eq!(all_searches(&compacted, &children), after);
    let mut file = Vec::new();
    index.write_to(&mut file).unwrap();
    let read = ProfileIndex::read_from(&file[..]).unwrap();
    assert_eq!(read.len(), index.len());
    assert_eq!(read.tombstones(), 0);
    assert_eq!(all_searches(&read, &children), after);
    // The removed genotypes and ids are not in the file.
    let text = String::from_utf8_lossy(&file);
    assert!(!text.contains("PAR7") && !text.contains("DUP13"));
    assert!(text.contains("KID7"));
}

#[test]
fn persistence_round_trip_is_exact() {
    let (mut index, _, children) = families(30, 6);
    index.remove("UNR3");
    let mut file = Vec::new();
    let written = index.write_to(&mut file).unwrap();
    assert_eq!(written as usize, file.len());
    assert_eq!(&file[..8], &MAGIC);
    let read = ProfileIndex::read_from(&file[..]).unwrap();
    let dump = |i: &ProfileIndex| -> Vec<(String, Profile)> {
        i.iter()
            .map(|p| (p.id().to_string(), p.to_profile()))
            .collect()
    };
    assert_eq!(dump(&read), dump(&index));
    for l in loci() {
        assert_eq!(read.alleles(l), index.alleles(l), "codes are kept");
    }
    assert_eq!(
        all_searches(&read, &children),
        all_searches(&index, &children)
    );
    // Writing the read index gives the same bytes.
    let mut again = Vec::new();
    read.write_to(&mut again).unwrap();
    assert_eq!(again, file);
    // Empty index.
    let mut empty = Vec::new();
    ProfileIndex::new().write_to(&mut empty).unwrap();
    assert!(ProfileIndex::read_from(&empty[..]).unwrap().is_empty());
}

#[test]
fn corrupt_files_are_refused() {
    let (index, _, _) = families(5, 7);
    let mut file = Vec::new();
    index.write_to(&mut file).unwrap();

    assert!(matches!(
        ProfileIndex::read_from(&b"NOTANIDX........"[..]),
        Err(IndexError::BadMagic)
    ));
    assert!(matches!(
        ProfileIndex::read_from(&b"LAZ"[..]),
        Err(IndexError::BadMagic)
    ));
    let mut v2 = file.clone();
    v2[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        ProfileIndex::read_from(&v2[..]),
        Err(IndexError::UnsupportedVersion(2))
    ));
    // Every truncation is an error, never a panic or a partial index.
    for cut in [9, 20, 100, file.len() / 2, file.len() - 9, file.len() - 1] {
        assert!(
            ProfileIndex::read_from(&file[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    // Any flipped bit is caught (by validation or by the checksum).
    for at in (12..file.len()).step_by(file.len() / 50) {
        let mut bad = file.clone();
        bad[at] ^= 0x10;
        assert!(ProfileIndex::read_from(&bad[..]).is_err(), "flip at {at}");
    }
    let mut bad = file.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(matches!(
        ProfileIndex::read_from(&bad[..]),
        Err(IndexError::Checksum { .. })
    ));
}

#[test]
fn exclusion_filter_counts_pairs() {
    let (index, _, _) = families(20, 8);
    let filter = ExclusionFilter::build(&index);
    assert_eq!(filter.len(), 80);
    assert_eq!(filter.pairs(), 80 * 79 / 2);
    let mut seen = Vec::new();
    filter
        .for_each_survivor(1, |a, b| seen.push((a, b)))
        .unwrap();
    assert_eq!(seen.len() as u64, filter.count_survivors(1).unwrap());
    // Parent–child pairs (and the duplicate children) survive.
    for i in 0..20u32 {
        let (par, kid, dup) = (Slot(4 * i), Slot(4 * i + 1), Slot(4 * i + 2));
        assert!(
            seen.contains(&(par, kid)) && seen.contains(&(par, dup)) && seen.contains(&(kid, dup))
        );
    }
    assert!(filter.count_survivors(4).is_err());
    assert!(filter.count_survivors(0).unwrap() <= filter.count_survivors(3).unwrap());
    let listed = filter.survivors(1).unwrap();
    let pairs: Vec<(Slot, Slot)> = listed.iter().map(|s| (s.first, s.second)).collect();
    assert_eq!(pairs, seen);
    assert!(filter.survivors(4).is_err());
}

#[test]
fn score_survivors_refuses_what_no_filter_gives() {
    let (mut index, _, _) = families(5, 9);
    let table = table();
    let config = ScreenConfig::new(&table);
    let survivors = ExclusionFilter::build(&index).survivors(1).unwrap();
    assert!(survivors.len() >= 2);
    let refused = |list: &[lazo_index::FilterSurvivor], index: &ProfileIndex| {
        matches!(
            score_survivors(index, &config, list, |_| {}),
            Err(IndexError::InvalidQuery(_))
        )
    };
    assert!(!refused(&survivors, &index));
    let mut reversed = survivors.clone();
    reversed.reverse();
    assert!(refused(&reversed, &index));
    let mut doubled = survivors.clone();
    doubled.insert(1, survivors[0]);
    assert!(refused(&doubled, &index));
    let mut swapped = survivors.clone();
    swapped[0] = lazo_index::FilterSurvivor {
        first: survivors[0].second,
        second: survivors[0].first,
        ..survivors[0]
    };
    assert!(refused(&swapped, &index));
    // A removed profile is no longer a survivor of anything.
    let gone = index.iter().next().unwrap().id().to_string();
    let gone_slot = index.slot(&gone).unwrap();
    index.remove(&gone);
    let with_gone: Vec<_> = survivors
        .iter()
        .copied()
        .filter(|s| s.first == gone_slot || s.second == gone_slot)
        .collect();
    if !with_gone.is_empty() {
        assert!(refused(&with_gone, &index));
    }
}

#[test]
fn live_rows_follow_removal() {
    let (mut index, _, _) = families(3, 10);
    let before = index.live_rows();
    assert_eq!(before.rows.len(), index.len());
    let victim = index.iter().nth(2).unwrap().id().to_string();
    let victim_slot = index.slot(&victim).unwrap();
    index.remove(&victim);
    let after = index.live_rows();
    assert_eq!(after.rows.len(), before.rows.len() - 1);
    assert!(!after.slots.contains(&victim_slot));
    for (slot, row) in after.slots.iter().zip(&after.rows) {
        let at = before.slots.iter().position(|s| s == slot).unwrap();
        assert_eq!(row, &before.rows[at]);
    }
}
