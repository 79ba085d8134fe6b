//! The packed scans and bitmap kernels against naive reference implementations written on
//! `Profile`s, on random small indexes with a tiny allele alphabet (so that matches, dropout
//! matches, exclusions and ties are all common).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use lazo_genetics::{Allele, FrequencyTable, Genotype, Locus, Profile};
use lazo_index::{
    ExclusionFilter, FilterSurvivor, IdentityQuery, PresentedSample, ProfileIndex,
    RepeatChildConfig, SampleRole, ScreenConfig, Stringency, dropout_match_probability,
    genotype_match_probability, repeat_child_alerts, score_survivors, screen_parent_child,
    search_familial, search_identity,
};
use lazo_kinship::{Relationship, fast, pairwise};
use proptest::prelude::*;

/// Per locus: untyped, or two allele indices in 0..4 (alleles 8, 9, 9.3, 10).
fn arb_profile() -> impl Strategy<Value = Vec<Option<(u8, u8)>>> {
    proptest::collection::vec(
        prop_oneof![1 => Just(None), 3 => (0u8..4, 0u8..4).prop_map(Some)],
        24,
    )
}

/// Profiles derived from a few random bases by random edits (keep, drop the locus, drop an
/// allele, replace the genotype), so that identity matches, dropout matches and near misses
/// are frequent.
fn arb_profiles(max: usize) -> impl Strategy<Value = Vec<Vec<Option<(u8, u8)>>>> {
    let edit = prop_oneof![
        40 => Just(0u8),
        1 => Just(1u8),
        1 => Just(2u8),
        1 => Just(3u8),
    ];
    (
        proptest::collection::vec(arb_profile(), 1..4),
        proptest::collection::vec(
            (
                0usize..4,
                proptest::collection::vec((edit, (0u8..4, 0u8..4)), 24),
            ),
            1..max,
        ),
    )
        .prop_map(|(bases, members)| {
            members
                .into_iter()
                .map(|(b, edits)| {
                    let base = &bases[b % bases.len()];
                    base.iter()
                        .zip(edits)
                        .map(|(g, (e, r))| match (e, g) {
                            (0, g) => *g,
                            (1, _) => None,
                            (2, Some((x, _))) => Some((*x, *x)),
                            (2, None) => None,
                            _ => Some(r),
                        })
                        .collect()
                })
                .collect()
        })
}

fn allele(i: u8) -> Allele {
    Allele::from_tenths([80, 90, 93, 100][usize::from(i)]).unwrap()
}

fn make(id: &str, spec: &[Option<(u8, u8)>], loci: &[Locus]) -> Profile {
    let mut p = Profile::new(id);
    for (l, s) in loci.iter().zip(spec) {
        if let Some((x, y)) = s {
            p.set_genotype(*l, Genotype::new(allele(*x), allele(*y)));
        }
    }
    p
}

#[derive(Debug)]
struct World {
    index: ProfileIndex,
    /// Live (id, profile) in slot order.
    live: Vec<(String, Profile)>,
}

fn world(specs: &[Vec<Option<(u8, u8)>>], removed: &[bool], loci: &[Locus]) -> World {
    let mut index = ProfileIndex::new();
    let mut live = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let id = format!("P{i}");
        let p = make(&id, s, loci);
        index.insert(&id, &p).unwrap();
        if removed.get(i).copied().unwrap_or(false) {
            index.remove(&id);
        } else {
            live.push((id, p));
        }
    }
    World { index, live }
}

/// (shared, bad, dropout) of candidate `c` against query `q`, naively.
fn naive_compare(
    q: &Profile,
    c: &Profile,
    s: Stringency,
    loci: &[Locus],
) -> (u8, u8, u8, Vec<(Locus, Genotype, bool)>) {
    let (mut shared, mut bad, mut dropout) = (0, 0, 0);
    let mut matching = Vec::new();
    for &l in loci {
        let (Some(gq), Some(gc)) = (q.genotype(l), c.genotype(l)) else {
            continue;
        };
        shared += 1;
        let eq = gq == gc;
        let subset = |small: Genotype, big: Genotype| {
            small.is_homozygous() && big.contains(small.alleles()[0])
        };
        let ok = eq || (s == Stringency::Moderate && (subset(gq, gc) || subset(gc, gq)));
        if !ok {
            bad += 1;
        } else if !eq {
            dropout += 1;
            let hom = if gq.is_homozygous() { gq } else { gc };
            matching.push((l, hom, true));
        } else {
            matching.push((l, gc, false));
        }
    }
    (shared, bad, dropout, matching)
}

fn naive_rmp(table: &FrequencyTable, theta: f64, matching: &[(Locus, Genotype, bool)]) -> f64 {
    let mut log10 = 0.0;
    for &(l, g, drop) in matching {
        let freq = |a: Allele| table.frequency(l, a);
        let p = if drop {
            dropout_match_probability(freq(g.alleles()[0]), theta)
        } else {
            genotype_match_probability(g, freq, theta)
        };
        log10 += p.log10();
    }
    log10
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn identity_scan_matches_naive(
        specs in arb_profiles(50),
        removed in proptest::collection::vec(any::<bool>(), 0..50),
        moderate in any::<bool>(),
        max_mm in 0u8..3,
        min_shared in 1u8..14,
        theta in prop_oneof![Just(0.0), Just(0.01)],
    ) {
        let table = table();
        let loci = loci();
        let (query, specs) = specs.split_last().unwrap();
        let w = world(specs, &removed, &loci);
        let q = make("q", query, &loci);
        let stringency = if moderate { Stringency::Moderate } else { Stringency::High };
        let iq = IdentityQuery { stringency, max_mismatching_loci: max_mm, min_shared_loci: min_shared, theta };
        let got = search_identity(&w.index, &q, &iq, &table).unwrap();
        let mut expected: Vec<(String, u8, u8, u8, f64)> = Vec::new();
        for (id, p) in &w.live {
            let (shared, bad, dropout, matching) = naive_compare(&q, p, stringency, &loci);
            if shared >= min_shared && bad <= max_mm {
                expected.push((id.clone(), shared, bad, dropout, -naive_rmp(&table, theta, &matching)));
            }
        }
        prop_assert_eq!(got.len(), expected.len());
        for h in &got {
            let e = expected.iter().find(|e| e.0 == h.id).unwrap();
            prop_assert_eq!((h.shared_loci, h.mismatching_loci, h.dropout_loci), (e.1, e.2, e.3));
            prop_assert!((h.log10_lr - e.4).abs() < 1e-9, "{} vs {}", h.log10_lr, e.4);
        }
        for pair in got.windows(2) {
            prop_assert!(pair[0].log10_lr >= pair[1].log10_lr);
        }
    }

    #[test]
    fn familial_scan_matches_naive(
        specs in arb_profiles(40),
        removed in proptest::collection::vec(any::<bool>(), 0..40),
        top_k in 1usize..8,
        with_mutation in any::<bool>(),
    ) {
        let table = table();
        let model = model();
        let mutation = with_mutation.then_some(&model);
        let loci = loci();
        let (query, specs) = specs.split_last().unwrap();
        let w = world(specs, &removed, &loci);
        let q = make("q", query, &loci);
        let theta = 0.01;
        let got = search_familial(&w.index, &q, &table, theta, mutation, top_k).unwrap();
        let mut pc: Vec<(f64, usize, String)> = Vec::new();
        let mut fs: Vec<(f64, usize, String)> = Vec::new();
        for (rank, (id, p)) in w.live.iter().enumerate() {
            let (mut a, mut b) = (0.0, 0.0);
            for &l in &loci {
                let (Some(gq), Some(gc)) = (q.genotype(l), p.genotype(l)) else { continue };
                let dense = table.dense(l).unwrap();
                a += fast::duo(dense, l, gc, gq, true, theta, mutation).log10();
                b += pairwise::locus_lr(gq, gc, |x| table.frequency(l, x), Relationship::FullSiblings.ibd(), theta).log10();
            }
            if a > f64::NEG_INFINITY {
                pc.push((a, rank, id.clone()));
            }
            fs.push((b, rank, id.clone()));
        }
        let order = |v: &mut Vec<(f64, usize, String)>| {
            v.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            v.truncate(top_k);
        };
        order(&mut pc);
        order(&mut fs);
        let got_pc: Vec<(f64, String)> = got.by_parent_child.iter().map(|h| (h.parent_child_log10_lr.unwrap(), h.id.clone())).collect();
        let got_fs: Vec<(f64, String)> = got.by_full_sibling.iter().map(|h| (h.full_sibling_log10_lr, h.id.clone())).collect();
        let exp_pc: Vec<(f64, String)> = pc.into_iter().map(|x| (x.0, x.2)).collect();
        let exp_fs: Vec<(f64, String)> = fs.into_iter().map(|x| (x.0, x.2)).collect();
        prop_assert_eq!(got_pc, exp_pc);
        prop_assert_eq!(got_fs, exp_fs);
    }

    #[test]
    fn screen_matches_naive(
        specs in arb_profiles(45),
        removed in proptest::collection::vec(any::<bool>(), 0..45),
        max_inconsistent in 0u8..4,
        min_shared in 1u8..16,
        min_log10_lr in -2.0f64..6.0,
        moderate in any::<bool>(),
    ) {
        let table = table();
        let model = model();
        let loci = loci();
        let w = world(&specs, &removed, &loci);
        let identity = Some(if moderate { Stringency::Moderate } else { Stringency::High });
        let config = ScreenConfig {
            theta: 0.01,
            mutation: Some(&model),
            min_log10_lr,
            max_inconsistent,
            min_shared_loci: min_shared,
            identity,
            identity_max_mismatching_loci: max_inconsistent.min(1),
            ..ScreenConfig::new(&table)
        };
        let mut got = Vec::new();
        let stats = screen_parent_child(&w.index, &config, |h| {
            got.push((h.first_id.to_string(), h.second_id.to_string(), h.shared_loci, h.inconsistent_loci, h.parent_child_log10_lr, h.identity));
        }).unwrap();
        let n = w.live.len() as u64;
        prop_assert_eq!(stats.pairs, n * n.saturating_sub(1) / 2);
        let mut expected = Vec::new();
        for i in 0..w.live.len() {
            for j in i + 1..w.live.len() {
                let (a, b) = (&w.live[i].1, &w.live[j].1);
                let (mut shared, mut inconsistent, mut lr) = (0u8, 0u8, 0.0);
                for &l in &loci {
                    let (Some(ga), Some(gb)) = (a.genotype(l), b.genotype(l)) else { continue };
                    shared += 1;
                    if !ga.shares_allele_with(gb) { inconsistent += 1; }
                    lr += fast::duo(table.dense(l).unwrap(), l, ga, gb, true, 0.01, Some(&model)).log10();
                }
                if shared < min_shared || inconsistent > max_inconsistent {
                    continue;
                }
                let mm = config.identity_max_mismatching_loci;
                let id = if naive_compare(a, b, Stringency::High, &loci).1 <= mm {
                    Some(Stringency::High)
                } else if moderate && naive_compare(a, b, Stringency::Moderate, &loci).1 <= mm {
                    Some(Stringency::Moderate)
                } else {
                    None
                };
                if id.is_some() || lr >= min_log10_lr {
                    expected.push((w.live[i].0.clone(), w.live[j].0.clone(), shared, inconsistent, (lr > f64::NEG_INFINITY).then_some(lr), id));
                }
            }
        }
        prop_assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            prop_assert_eq!((&g.0, &g.1, g.2, g.3, g.5), (&e.0, &e.1, e.2, e.3, e.5));
            match (g.4, e.4) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-9),
                (x, y) => prop_assert_eq!(x, y),
            }
        }
    }

    /// The survivors list (the CPU reference for the GPU filter) against a naive double loop,
    /// and the exact stage alone on those survivors against the whole CPU screen.
    #[test]
    fn survivors_and_their_scores_match_the_screen(
        specs in arb_profiles(45),
        removed in proptest::collection::vec(any::<bool>(), 0..45),
        max_inconsistent in 0u8..4,
        min_shared in 1u8..16,
        min_log10_lr in -2.0f64..6.0,
    ) {
        let table = table();
        let model = model();
        let loci = loci();
        let w = world(&specs, &removed, &loci);
        let survivors = ExclusionFilter::build(&w.index).survivors(max_inconsistent).unwrap();
        let mut expected = Vec::new();
        for i in 0..w.live.len() {
            for j in i + 1..w.live.len() {
                let (a, b) = (&w.live[i].1, &w.live[j].1);
                let inconsistent = loci
                    .iter()
                    .filter(|&&l| matches!((a.genotype(l), b.genotype(l)), (Some(x), Some(y)) if !x.shares_allele_with(y)))
                    .count() as u8;
                if inconsistent <= max_inconsistent {
                    expected.push(FilterSurvivor {
                        first: w.index.slot(&w.live[i].0).unwrap(),
                        second: w.index.slot(&w.live[j].0).unwrap(),
                        inconsistent_loci: inconsistent,
                    });
                }
            }
        }
        prop_assert_eq!(&survivors, &expected);
        let config = ScreenConfig {
            theta: 0.01,
            mutation: Some(&model),
            min_log10_lr,
            max_inconsistent,
            min_shared_loci: min_shared,
            identity_max_mismatching_loci: max_inconsistent.min(1),
            ..ScreenConfig::new(&table)
        };
        let mut whole = Vec::new();
        let whole_stats = screen_parent_child(&w.index, &config, |h| whole.push(format!("{h:?}"))).unwrap();
        let mut scored = Vec::new();
        let scored_stats = score_survivors(&w.index, &config, &survivors, |h| scored.push(format!("{h:?}"))).unwrap();
        prop_assert_eq!(whole_stats, scored_stats);
        prop_assert_eq!(whole, scored);
    }

    #[test]
    fn repeat_alerts_match_naive(
        specs in arb_profiles(70),
        moderate in any::<bool>(),
        max_mm in 0u8..4,
        min_shared in 1u8..14,
    ) {
        let table = table();
        let loci = loci();
        let profiles: Vec<Profile> = specs.iter().enumerate().map(|(i, s)| make(&format!("S{i}"), s, &loci)).collect();
        let samples: Vec<PresentedSample<'_>> = profiles.iter().enumerate().map(|(i, p)| PresentedSample {
            unit_id: ["U1", "U2", "U3"][i % 3],
            sample_id: &p.sample_id,
            role: if i % 4 == 3 { SampleRole::Mother } else { SampleRole::Child },
            profile: p,
        }).collect();
        let stringency = if moderate { Stringency::Moderate } else { Stringency::High };
        let config = RepeatChildConfig { stringency, max_mismatching_loci: max_mm, min_shared_loci: min_shared, theta: 0.0 };
        let alerts = repeat_child_alerts(&samples, &table, &config).unwrap();
        let got: Vec<(String, Vec<(String, Stringency)>)> = alerts.iter().map(|a| (a.sample_id.clone(), a.matches.iter().map(|m| (m.sample_id.clone(), m.stringency)).collect())).collect();
        let kids: Vec<&PresentedSample<'_>> = samples.iter().filter(|s| s.role == SampleRole::Child).collect();
        let mut expected = Vec::new();
        for (i, k) in kids.iter().enumerate() {
            let mut m = Vec::new();
            for e in &kids[..i] {
                let (shared, bad_high, _, _) = naive_compare(k.profile, e.profile, Stringency::High, &loci);
                let (_, bad_mod, _, _) = naive_compare(k.profile, e.profile, Stringency::Moderate, &loci);
                if shared < min_shared { continue; }
                if bad_high <= max_mm {
                    m.push((e.sample_id.to_string(), Stringency::High));
                } else if moderate && bad_mod <= max_mm {
                    m.push((e.sample_id.to_string(), Stringency::Moderate));
                }
            }
            if !m.is_empty() {
                expected.push((k.sample_id.to_string(), m));
            }
        }
        prop_assert_eq!(got, expected);
    }
}
