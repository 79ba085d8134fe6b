//! Indexes for the GPU filter's tests, shared by the host run of the kernel (unit tests) and
//! the real GPU test (`tests/gpu.rs`): random partial profiles over small allele alphabets
//! (so exclusions, survivors and ties are all common), near copies, removed profiles, a locus
//! with very many alleles; and simulated families for the LRs.

#![allow(dead_code, clippy::unwrap_used)]

use lazo_genetics::{Allele, FrequencyTable, Genotype, Locus, MinFrequency, Profile};
use lazo_index::{INDEX_LOCUS_NAMES, PackedRow, ProfileIndex, inconsistent_loci};
use lazo_kinship::{MutationModel, ParentSex, Relationship};
use lazo_sim::Simulator;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How a random index is drawn.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub profiles: usize,
    /// Alleles per locus to draw from (at most 254).
    pub alleles: u16,
    /// Probability that a locus is untyped.
    pub untyped: f64,
    /// Probability that a profile has no typed locus at all.
    pub empty: f64,
    /// Probability that a profile is an earlier one with a few loci redrawn.
    pub near_copy: f64,
    /// Probability that a profile is removed after insertion (a tombstone in the index).
    pub removed: f64,
    /// A locus (row position) drawn from this many alleles instead.
    pub wide_locus: Option<(usize, u16)>,
}

impl Shape {
    pub fn new(profiles: usize) -> Shape {
        Shape {
            profiles,
            alleles: 4,
            untyped: 0.3,
            empty: 0.02,
            near_copy: 0.2,
            removed: 0.05,
            wide_locus: None,
        }
    }
}

fn row_loci() -> Vec<Locus> {
    INDEX_LOCUS_NAMES
        .iter()
        .map(|n| Locus::parse(n).unwrap())
        .collect()
}

fn allele(i: u16) -> Allele {
    Allele::from_tenths(50 + i * 3).unwrap()
}

/// A random index of the given shape.
pub fn random_index(shape: &Shape, seed: u64) -> ProfileIndex {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let loci = row_loci();
    let mut drawn: Vec<Profile> = Vec::with_capacity(shape.profiles);
    let mut index = ProfileIndex::new();
    for n in 0..shape.profiles {
        let id = format!("R{n}");
        let mut p = Profile::new(id.clone());
        let copy = !drawn.is_empty() && rng.random_bool(shape.near_copy);
        let base = copy.then(|| drawn[rng.random_range(0..drawn.len())].clone());
        let empty = rng.random_bool(shape.empty);
        for (k, &l) in loci.iter().enumerate() {
            if empty {
                break;
            }
            if let Some(b) = &base
                && rng.random_bool(0.9)
            {
                if let Some(g) = b.genotype(l) {
                    p.set_genotype(l, g);
                }
                continue;
            }
            if rng.random_bool(shape.untyped) {
                continue;
            }
            let choices = match shape.wide_locus {
                Some((wide, m)) if wide == k => m,
                _ => shape.alleles,
            };
            let x = allele(rng.random_range(0..choices));
            let y = allele(rng.random_range(0..choices));
            p.set_genotype(l, Genotype::new(x, y));
        }
        index.insert(&id, &p).unwrap();
        drawn.push(p);
    }
    for n in 0..shape.profiles {
        if rng.random_bool(shape.removed) {
            index.remove(&format!("R{n}"));
        }
    }
    index
}

/// Every pair with at most `max` inconsistent loci, the plain way: (query, target, count),
/// `target > query` when there is one set.
pub fn naive_pairs(
    queries: &[PackedRow],
    targets: Option<&[PackedRow]>,
    max: u8,
) -> Vec<(u32, u32, u8)> {
    let mut out = Vec::new();
    for (i, a) in queries.iter().enumerate() {
        let (from, set) = match targets {
            Some(t) => (0, t),
            None => (i + 1, queries),
        };
        for (j, b) in set.iter().enumerate().skip(from) {
            let bad = inconsistent_loci(a, b);
            if bad <= max {
                out.push((i as u32, j as u32, bad));
            }
        }
    }
    out
}

pub fn nist_table() -> FrequencyTable {
    lazo_formats::embedded::load("nist1036-hispanic", MinFrequency::default()).unwrap()
}

pub fn mutation_model() -> MutationModel {
    MutationModel::parse("equal:0.002").unwrap()
}

/// `families` parent–child pairs (with a duplicate of each child) and as many unrelated
/// people, simulated over all 24 row loci from NIST 1036 Hispanic.
pub fn families(table: &FrequencyTable, families: usize, seed: u64) -> ProfileIndex {
    let model = mutation_model();
    let mut sim =
        Simulator::with_loci(table, &model, row_loci(), ChaCha8Rng::seed_from_u64(seed)).unwrap();
    let mut index = ProfileIndex::new();
    for i in 0..families {
        let (parent, child) =
            sim.relative_pair(Relationship::ParentChild, ParentSex::Male, "p", "c");
        index.insert(&format!("PAR{i}"), &parent).unwrap();
        index.insert(&format!("KID{i}"), &child).unwrap();
        index.insert(&format!("DUP{i}"), &child).unwrap();
        index.insert(&format!("UNR{i}"), &sim.founder("u")).unwrap();
    }
    index
}
