//! Repeat-child alerts on a simulated intake cohort, scored against the simulator's truth.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::*;
use lazo_genetics::{Genotype, Profile};
use lazo_index::{
    PresentedSample, RepeatChildAlert, RepeatChildConfig, RepeatChildDetector, SampleRole,
    Stringency, repeat_child_alerts,
};
use lazo_sim::{Cohort, MemberRole, NonFamilyMix, ScenarioConfig, simulate_scenario};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A cohort where a third of the units present a recycled child, with degraded samples: 5 %
/// locus dropout, 0.2 % one-repeat typing errors (from the simulator) and 3 % allele dropout at
/// heterozygous loci (added here: the simulator has no allele dropout).
fn cohort() -> (Cohort, HashMap<String, Profile>) {
    let table = table();
    let config = ScenarioConfig {
        units: 600,
        not_family: 200,
        non_family_mix: NonFamilyMix {
            unrelated_adult: 0.0,
            grandparent: 0.0,
            avuncular: 0.0,
            older_sibling: 0.0,
            recycled_child: 1.0,
        },
        locus_dropout: 0.05,
        genotyping_error: 0.002,
        loci: Some(loci()),
        seed: 2026,
        ..ScenarioConfig::default()
    };
    let cohort = simulate_scenario(&table, &model(), &config).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut degraded = HashMap::new();
    for p in &cohort.profiles {
        let mut q = p.clone();
        for (l, g) in p.typed_loci() {
            if !g.is_homozygous() && rng.random_bool(0.03) {
                let [x, y] = g.alleles();
                q.set_genotype(l, Genotype::homozygote(if rng.random() { x } else { y }));
            }
        }
        degraded.insert(p.sample_id.clone(), q);
    }
    (cohort, degraded)
}

fn presented<'a>(
    cohort: &'a Cohort,
    profiles: &'a HashMap<String, Profile>,
) -> Vec<PresentedSample<'a>> {
    cohort
        .members
        .iter()
        .map(|m| PresentedSample {
            unit_id: &m.unit_id,
            sample_id: &m.sample_id,
            role: match m.role {
                MemberRole::Mother => SampleRole::Mother,
                MemberRole::Father => SampleRole::Father,
                MemberRole::Child => SampleRole::Child,
            },
            profile: &profiles[&m.sample_id],
        })
        .collect()
}

/// The person behind a sample id.
fn person(cohort: &Cohort, sample: &str) -> String {
    cohort
        .recycled
        .iter()
        .find(|r| r.sample_id == sample)
        .map_or_else(|| format!("P{}", &sample[1..]), |r| r.person_id.clone())
}

struct Score {
    recalled: usize,
    recycled: usize,
    false_matches: Vec<(String, String, Stringency)>,
}

fn score(cohort: &Cohort, alerts: &[RepeatChildAlert], only_high: bool) -> Score {
    let mut recalled = 0;
    for r in &cohort.recycled {
        let found = alerts.iter().any(|a| {
            a.sample_id == r.sample_id
                && a.matches.iter().any(|m| {
                    m.sample_id == r.earlier_sample_id
                        && m.unit_id == r.earlier_unit_id
                        && (!only_high || m.stringency == Stringency::High)
                })
        });
        recalled += usize::from(found);
    }
    let mut false_matches = Vec::new();
    for a in alerts {
        for m in &a.matches {
            if person(cohort, &a.sample_id) != person(cohort, &m.sample_id) {
                false_matches.push((a.sample_id.clone(), m.sample_id.clone(), m.stringency));
            }
        }
    }
    Score {
        recalled,
        recycled: cohort.recycled.len(),
        false_matches,
    }
}

#[test]
fn recycled_children_are_recalled_without_false_alerts() {
    let (cohort, profiles) = cohort();
    let table = table();
    let samples = presented(&cohort, &profiles);
    assert!(cohort.recycled.len() >= 150, "{}", cohort.recycled.len());

    let alerts = repeat_child_alerts(&samples, &table, &RepeatChildConfig::default()).unwrap();
    let moderate = score(&cohort, &alerts, false);
    // Recall ≥ 90 % at Moderate stringency.
    assert!(
        moderate.recalled * 100 >= moderate.recycled * 90,
        "recall {} of {}",
        moderate.recalled,
        moderate.recycled
    );
    // No alert pairs two different people, at any stringency, across the whole cohort (every
    // child against every earlier child, siblings in the same unit included).
    assert!(
        moderate.false_matches.is_empty(),
        "{:?}",
        moderate.false_matches
    );

    // High stringency alone: no false alerts either, and lower recall (allele dropout).
    let high_config = RepeatChildConfig {
        stringency: Stringency::High,
        ..RepeatChildConfig::default()
    };
    let high_alerts = repeat_child_alerts(&samples, &table, &high_config).unwrap();
    let high = score(&cohort, &high_alerts, true);
    assert!(high.false_matches.is_empty(), "{:?}", high.false_matches);
    assert!(high.recalled <= moderate.recalled);
    assert!(
        high.recalled * 100 >= high.recycled * 50,
        "{} of {}",
        high.recalled,
        high.recycled
    );
    // Every High match is also reported by the Moderate run, as High.
    for a in &high_alerts {
        let m = alerts.iter().find(|x| x.sample_id == a.sample_id).unwrap();
        for hm in &a.matches {
            assert!(m.matches.contains(hm), "{hm:?}");
        }
    }
    eprintln!(
        "repeat-child recall: moderate {}/{}, high {}/{}",
        moderate.recalled, moderate.recycled, high.recalled, high.recycled
    );
}

#[test]
fn incremental_detector_agrees_with_the_batch() {
    let (cohort, profiles) = cohort();
    let table = table();
    let samples = presented(&cohort, &profiles);
    let config = RepeatChildConfig::default();
    let batch = repeat_child_alerts(&samples, &table, &config).unwrap();
    let mut detector = RepeatChildDetector::new(config).unwrap();
    let mut incremental = Vec::new();
    for s in &samples {
        if let Some(alert) = detector.present(s, &table).unwrap() {
            incremental.push(alert);
        }
    }
    assert_eq!(batch, incremental);
    assert_eq!(
        detector.children(),
        samples
            .iter()
            .filter(|s| s.role == SampleRole::Child)
            .count()
    );
    // Adults are never recorded or alerted on.
    let adult = samples
        .iter()
        .find(|s| s.role != SampleRole::Child)
        .unwrap();
    assert_eq!(detector.present(adult, &table).unwrap(), None);
    // `matches` looks without recording.
    let r = &cohort.recycled[0];
    let found = detector.matches(&profiles[&r.sample_id], &table);
    assert!(found.iter().any(|m| m.sample_id == r.earlier_sample_id));
    assert!(found.iter().any(|m| m.sample_id == r.sample_id));
}

#[test]
fn alerts_name_the_earlier_units() {
    let table = table();
    let mut sim = sim(&table, &model(), 4);
    let child = sim.founder("c");
    let other = sim.founder("o");
    let adult = sim.founder("a");
    let rows = [
        ("U1", "S1", SampleRole::Mother, &adult),
        ("U1", "S2", SampleRole::Child, &child),
        ("U2", "S3", SampleRole::Child, &other),
        ("U3", "S4", SampleRole::Father, &adult),
        ("U3", "S5", SampleRole::Child, &child),
        ("U4", "S6", SampleRole::Child, &child),
    ];
    let samples: Vec<PresentedSample<'_>> = rows
        .iter()
        .map(|(u, s, r, p)| PresentedSample {
            unit_id: u,
            sample_id: s,
            role: *r,
            profile: p,
        })
        .collect();
    let alerts = repeat_child_alerts(&samples, &table, &RepeatChildConfig::default()).unwrap();
    let summary: Vec<(&str, Vec<(&str, &str)>)> = alerts
        .iter()
        .map(|a| {
            (
                a.sample_id.as_str(),
                a.matches
                    .iter()
                    .map(|m| (m.unit_id.as_str(), m.sample_id.as_str()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("S5", vec![("U1", "S2")]),
            ("S6", vec![("U1", "S2"), ("U3", "S5")])
        ]
    );
    assert_eq!(alerts[0].matches[0].stringency, Stringency::High);
    assert_eq!(alerts[0].matches[0].shared_loci, 24);
    assert!(alerts[0].matches[0].log10_lr > 20.0);
    assert!(
        RepeatChildDetector::new(RepeatChildConfig {
            max_mismatching_loci: 4,
            ..RepeatChildConfig::default()
        })
        .is_err()
    );
}
