//! Shared helpers: the NIST Hispanic table, a seeded simulator over the index loci, genotype
//! shorthands.

#![allow(dead_code, clippy::unwrap_used)]

use lazo_genetics::{Allele, FrequencyTable, Genotype, Locus, MinFrequency, Profile};
use lazo_index::INDEX_LOCUS_NAMES;
use lazo_kinship::MutationModel;
use lazo_sim::Simulator;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub fn table() -> FrequencyTable {
    lazo_formats::embedded::load("nist1036-hispanic", MinFrequency::default()).unwrap()
}

pub fn model() -> MutationModel {
    MutationModel::parse("equal:0.002").unwrap()
}

pub fn loci() -> Vec<Locus> {
    INDEX_LOCUS_NAMES
        .iter()
        .map(|n| Locus::parse(n).unwrap())
        .collect()
}

pub fn locus(name: &str) -> Locus {
    Locus::parse(name).unwrap()
}

/// A simulator over all 24 index loci.
pub fn sim<'a>(table: &'a FrequencyTable, model: &MutationModel, seed: u64) -> Simulator<'a> {
    Simulator::with_loci(table, model, loci(), ChaCha8Rng::seed_from_u64(seed)).unwrap()
}

pub fn a(s: &str) -> Allele {
    Allele::parse(s).unwrap()
}

pub fn g(x: &str, y: &str) -> Genotype {
    Genotype::new(a(x), a(y))
}

/// The profile with one allele of a heterozygous locus dropped (now a homozygote of the other).
pub fn drop_allele(p: &Profile, locus: Locus) -> Profile {
    let mut out = p.clone();
    let [x, _] = p.genotype(locus).unwrap().alleles();
    out.set_genotype(locus, Genotype::homozygote(x));
    out
}

/// The first heterozygous locus of a profile.
pub fn het_locus(p: &Profile) -> Locus {
    p.typed_loci()
        .find(|(_, g)| !g.is_homozygous())
        .map(|(l, _)| l)
        .unwrap()
}
