//! The simulator's own statistics: what it draws must be what the table and the mutation
//! model say, or every calibration built on it is wrong. Bounds are binomial 5-sigma (a false
//! alarm about once in 1.7 million checks) and the seeds are fixed, so the tests are
//! deterministic.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod common;

use std::collections::HashMap;

use common::{locus, nist_hispanic};
use lazo_genetics::{Allele, Genotype, Profile};
use lazo_kinship::{MutationModel, ParentSex, Relationship};
use lazo_sim::Simulator;

fn within_5_sigma(observed: f64, n: f64, p: f64) -> bool {
    (observed - n * p).abs() <= 5.0 * (n * p * (1.0 - p)).sqrt()
}

#[test]
fn founders_reproduce_the_table_frequencies() {
    let table = nist_hispanic();
    let mut sim =
        Simulator::seeded(&table, &MutationModel::parse("equal:0.002").unwrap(), 11).unwrap();
    assert_eq!(
        sim.loci().len(),
        20,
        "the NIST table has all 20 CODIS core loci"
    );
    let n = 20_000;
    let founders: Vec<Profile> = (0..n).map(|i| sim.founder(format!("F{i}"))).collect();
    let loci = sim.loci().to_vec();
    for l in loci {
        let mut counts: HashMap<Allele, u32> = HashMap::new();
        for f in &founders {
            for a in f.genotype(l).unwrap().alleles() {
                *counts.entry(a).or_default() += 1;
            }
        }
        let freqs = table.locus(l).unwrap();
        let sum = freqs.sum();
        let alleles = 2.0 * n as f64;
        for (allele, f) in freqs.alleles() {
            let p = f / sum;
            let seen = f64::from(counts.remove(allele).unwrap_or(0));
            assert!(
                within_5_sigma(seen, alleles, p),
                "{l} {allele}: {seen} of {alleles}, expected p = {p}"
            );
        }
        assert!(
            counts.is_empty(),
            "{l}: alleles the table does not list were drawn: {counts:?}"
        );
    }
}

#[test]
fn heterozygosity_matches_hardy_weinberg() {
    // Independence of a founder's two alleles (θ = 0): P(heterozygous) = 1 − Σ p².
    let table = nist_hispanic();
    let mut sim =
        Simulator::seeded(&table, &MutationModel::parse("equal:0.002").unwrap(), 12).unwrap();
    let n = 20_000;
    let founders: Vec<Profile> = (0..n).map(|i| sim.founder(format!("F{i}"))).collect();
    for name in ["TH01", "FGA", "D21S11", "TPOX"] {
        let l = locus(name);
        let freqs = table.locus(l).unwrap();
        let sum = freqs.sum();
        let het = 1.0
            - freqs
                .alleles()
                .iter()
                .map(|(_, f)| (f / sum).powi(2))
                .sum::<f64>();
        let seen = founders
            .iter()
            .filter(|f| !f.genotype(l).unwrap().is_homozygous())
            .count() as f64;
        assert!(
            within_5_sigma(seen, n as f64, het),
            "{name}: {seen} heterozygotes of {n}, expected {het}"
        );
    }
}

#[test]
fn mutation_rate_is_reproduced() {
    let table = nist_hispanic();
    let rate = 0.002;
    let mut sim =
        Simulator::seeded(&table, &MutationModel::parse("equal:0.002").unwrap(), 21).unwrap();
    let loci = sim.loci().len();
    let (mut transmissions, mut mutations) = (0usize, 0usize);
    // 25,000 children × 20 loci × 2 parents = 10^6 transmissions.
    let mut father = sim.founder("F");
    let mut mother = sim.founder("M");
    for i in 0..25_000 {
        if i % 100 == 0 {
            father = sim.founder("F");
            mother = sim.founder("M");
        }
        let (child, mutated) = sim.child("C", &father, &mother);
        assert_eq!(child.typed_locus_count(), loci);
        transmissions += 2 * loci;
        mutations += mutated.len();
    }
    assert_eq!(transmissions, 1_000_000);
    assert!(
        within_5_sigma(mutations as f64, transmissions as f64, rate),
        "{mutations} mutations in {transmissions} transmissions"
    );
}

#[test]
fn sex_specific_rates_are_reproduced() {
    let table = nist_hispanic();
    let model = MutationModel::parse("equal:0.003/0.001").unwrap();
    let mut sim = Simulator::seeded(&table, &model, 22).unwrap();
    let g = Genotype::new(Allele::parse("14").unwrap(), Allele::parse("16").unwrap());
    let l = locus("D8S1179");
    let n = 400_000;
    for (sex, rate) in [(ParentSex::Male, 0.003), (ParentSex::Female, 0.001)] {
        let mut mutated = 0;
        for _ in 0..n {
            let (allele, m) = sim.transmit(l, g, sex).unwrap();
            // No mutation reported: one of the parent's own alleles.
            if m {
                mutated += 1;
            } else {
                assert!(g.contains(allele));
            }
        }
        assert!(
            within_5_sigma(f64::from(mutated), f64::from(n), rate),
            "{sex:?}: {mutated} of {n}"
        );
    }
}

#[test]
fn stepwise_transmissions_follow_the_model() {
    let table = nist_hispanic();
    let model = MutationModel::parse("stepwise:0.05:0.1").unwrap();
    let mut sim = Simulator::seeded(&table, &model, 23).unwrap();
    let l = locus("D18S51");
    let from = Allele::parse("15").unwrap();
    let g = Genotype::homozygote(from);
    // The exact distribution the statistics use: simulated frequencies must match it.
    let dist = lazo_kinship::transmission_distribution(&model, l, ParentSex::Male, from, &table);
    let n = 200_000u32;
    let mut counts: HashMap<Allele, u32> = HashMap::new();
    for _ in 0..n {
        *counts
            .entry(sim.transmit(l, g, ParentSex::Male).unwrap().0)
            .or_default() += 1;
    }
    for (allele, p) in dist {
        let seen = f64::from(counts.remove(&allele).unwrap_or(0));
        assert!(
            within_5_sigma(seen, f64::from(n), p),
            "{allele}: {seen} of {n}, expected p = {p}"
        );
    }
    assert!(counts.is_empty());
}

#[test]
fn transmission_is_mendelian_without_mutation() {
    let table = nist_hispanic();
    let mut sim = Simulator::seeded(&table, &MutationModel::parse("equal:0").unwrap(), 31).unwrap();
    let loci = sim.loci().to_vec();
    let (mut het_transmissions, mut first_allele) = (0u32, 0u32);
    for _ in 0..500 {
        let father = sim.founder("F");
        let mother = sim.founder("M");
        for _ in 0..4 {
            let (child, mutated) = sim.child("C", &father, &mother);
            assert!(mutated.is_empty());
            for &l in &loci {
                let (f, m, c) = (
                    father.genotype(l).unwrap(),
                    mother.genotype(l).unwrap(),
                    child.genotype(l).unwrap(),
                );
                assert!(
                    c.shares_allele_with(f) && c.shares_allele_with(m),
                    "{l}: {f} × {m} → {c}"
                );
                let [x, y] = c.alleles();
                assert!(
                    (f.contains(x) && m.contains(y)) || (f.contains(y) && m.contains(x)),
                    "{l}: {f} × {m} → {c}: not one allele from each parent"
                );
                // Which of a heterozygous father's alleles is passed: ½ each.
                let [f1, f2] = f.alleles();
                if !f.is_homozygous() && !m.contains(f1) && !m.contains(f2) {
                    het_transmissions += 1;
                    if c.contains(f1) {
                        first_allele += 1;
                    }
                }
            }
        }
    }
    assert!(het_transmissions > 10_000);
    assert!(
        within_5_sigma(f64::from(first_allele), f64::from(het_transmissions), 0.5),
        "{first_allele} of {het_transmissions}"
    );
}

#[test]
fn relative_pairs_have_their_ibd_coefficient() {
    // Without mutation two relatives share no allele at a locus only if nothing is IBD there,
    // so P(no shared allele) = k0 × P(no shared allele | unrelated): this checks that each
    // pedigree is built as named.
    let table = nist_hispanic();
    let mut sim = Simulator::seeded(&table, &MutationModel::parse("equal:0").unwrap(), 41).unwrap();
    let loci = sim.loci().to_vec();
    let pairs = 1_500;
    let no_share = |sim: &mut Simulator<'_>, rel: Relationship| {
        let mut hits = 0u32;
        for i in 0..pairs {
            let sex = if i % 2 == 0 {
                ParentSex::Male
            } else {
                ParentSex::Female
            };
            let (a, c) = sim.relative_pair(rel, sex, "A", "C");
            hits += loci
                .iter()
                .filter(|l| {
                    !a.genotype(**l)
                        .unwrap()
                        .shares_allele_with(c.genotype(**l).unwrap())
                })
                .count() as u32;
        }
        f64::from(hits) / (pairs * loci.len()) as f64
    };
    let n = (pairs * loci.len()) as f64;
    let unrelated = no_share(&mut sim, Relationship::Unrelated);
    assert!(unrelated > 0.1, "{unrelated}");
    for rel in [
        Relationship::ParentChild,
        Relationship::Identical,
        Relationship::FullSiblings,
        Relationship::HalfSiblings,
        Relationship::Grandparent,
        Relationship::Avuncular,
        Relationship::FirstCousins,
    ] {
        let k0 = rel.ibd().k0;
        let seen = no_share(&mut sim, rel);
        let expected = k0 * unrelated;
        let sd = (seen * (1.0 - seen) / n + k0 * k0 * unrelated * (1.0 - unrelated) / n).sqrt();
        assert!(
            (seen - expected).abs() <= 5.0 * sd + 1e-12,
            "{rel:?}: {seen} vs {expected} (sd {sd})"
        );
    }
}

#[test]
fn degradations_happen_at_their_rates() {
    let table = nist_hispanic();
    let mut sim =
        Simulator::seeded(&table, &MutationModel::parse("equal:0.002").unwrap(), 51).unwrap();
    let loci = sim.loci().len();
    let n = 2_000;
    let (mut dropped, mut errors) = (0usize, 0usize);
    for _ in 0..n {
        let p = sim.founder("P");
        let (partial, gone) = sim.dropout(&p, 0.25).unwrap();
        assert_eq!(partial.typed_locus_count() + gone.len(), loci);
        dropped += gone.len();
        let (miscalled, changes) = sim.genotyping_error(&p, 0.05).unwrap();
        for (l, g) in p.typed_loci() {
            // A one-repeat shift always changes the genotype; unreported loci are untouched.
            let changed = changes.iter().any(|c| c.locus == l);
            assert_eq!(miscalled.genotype(l) != Some(g), changed, "{l}");
        }
        errors += changes.len();
    }
    let total = (n * loci) as f64;
    assert!(
        within_5_sigma(dropped as f64, total, 0.25),
        "{dropped} of {total}"
    );
    assert!(
        within_5_sigma(errors as f64, total, 0.05),
        "{errors} of {total}"
    );
}

#[test]
fn same_seed_same_people() {
    let table = nist_hispanic();
    let model = MutationModel::parse("stepwise:0.002").unwrap();
    let run = |seed| {
        let mut sim = Simulator::seeded(&table, &model, seed).unwrap();
        let f = sim.founder("F");
        let m = sim.founder("M");
        let kids: Vec<Profile> = (0..3).map(|_| sim.child("C", &f, &m).0).collect();
        (f, m, kids)
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}
