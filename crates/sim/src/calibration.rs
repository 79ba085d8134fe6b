//! Calibration of the verdict policy by simulation: how often does it exclude a true parent,
//! include an unrelated adult, or verify a relative standing in for a parent?
//!
//! Three measurements, all seeded and deterministic (independent of the number of threads):
//!
//! 1. **Pairs.** Adult–child pairs of known relationship ([`Simulator::relative_pair`], 20
//!    CODIS core loci) get the policy's duo LR — exactly what [`lazo_kinship::duo_lr`]
//!    computes, through the same closed form ([`lazo_kinship::fast::duo`]) — and the number
//!    of inconsistent loci. Rates at the policy's thresholds follow by plain Monte Carlo.
//! 2. **Rare events by importance sampling.** A false inclusion rate of 10⁻⁸ cannot be seen
//!    in 10⁶ unrelated pairs, but it can be *measured* from parent–child pairs by the change
//!    of measure `P_unrelated(E) = E_parent-child[1{E} / LR_gen]` (and
//!    `P_parent-child(E) = E_unrelated[1{E} · LR_gen]`), where `LR_gen` is the likelihood
//!    ratio of the pair under the *generating* model: θ = 0, the simulator's founder
//!    frequencies and its mutation transitions ([`GeneratingModel`], exact). The event `E`
//!    itself is decided by the policy's LR (θ, minimum-frequency floor, policy mutation model).
//! 3. **Units.** A cohort rich in relatives posing as parents is analysed once with
//!    [`lazo_kinship::analyse_unit`]; the verdicts under every relative threshold are then
//!    re-derived with [`lazo_kinship::reassess`] without recomputing a likelihood.
//!
//! Pure: no I/O, no clock. Progress is reported through [`Progress`] so a caller can draw bars.
//!
//! Modelling assumptions (the rates hold for data like these, not beyond): the population is
//! the frequency table's (Hardy–Weinberg, linkage equilibrium, θ = 0, listed alleles only);
//! mutation is exactly the simulation model; profiles are complete and error-free; relatives
//! are non-inbred and built from the smallest pedigree.

use std::collections::{BTreeMap, HashMap};

use lazo_genetics::{DenseLocus, FrequencyTable, Genotype, Locus, Profile};
use lazo_kinship::{
    FamilyUnit, JointReport, Model, MutationModel, ParentSex, Policy, Relationship, Role,
    UnitReport, Verdict, analyse_unit, duo_lr, reassess, transmission_distribution,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::SimError;
use crate::evaluation::{Evaluation, evaluate};
use crate::scenario::{NonFamilyMix, ScenarioConfig, UnitKind, simulate_scenario};
use crate::simulator::Simulator;

/// The relations simulated as pairs, in report order.
pub const PAIR_RELATIONS: [Relationship; 5] = [
    Relationship::ParentChild,
    Relationship::Unrelated,
    Relationship::Grandparent,
    Relationship::Avuncular,
    Relationship::FullSiblings,
];

/// The relative thresholds (log10) explored by default in the unit calibration.
pub const DEFAULT_RELATIVE_THRESHOLDS: [f64; 7] = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0];

/// Pairs per seeded chunk. Fixed, so that results do not depend on the number of threads.
pub const CHUNK: usize = 4096;

/// Histogram range and bin width on the log10 LR scale.
pub const HISTOGRAM_MIN: f64 = -40.0;
pub const HISTOGRAM_MAX: f64 = 20.0;
pub const HISTOGRAM_BIN: f64 = 0.5;

/// ROC thresholds: log10 LR from `ROC_MIN` to `ROC_MAX` in steps of `ROC_STEP`.
pub const ROC_MIN: f64 = -10.0;
pub const ROC_MAX: f64 = 15.0;
pub const ROC_STEP: f64 = 0.25;

// ---------------------------------------------------------------------------------------------
// Configuration and progress
// ---------------------------------------------------------------------------------------------

/// What to simulate. The policy, θ and mutation models are passed separately (they come from
/// the verdict settings).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalibrationConfig {
    /// Parent–child and unrelated pairs (each).
    pub pairs: usize,
    /// Pairs of each relative kind (grandparent, avuncular, full siblings).
    pub relative_pairs: usize,
    /// Units of the unit calibration cohort (0 skips it).
    pub units: usize,
    /// True parent–child duos analysed as whole one-adult, one-child units for the unit-level
    /// false-inclusion rate (0 skips it).
    pub duo_units: usize,
    /// How many of them are not families.
    pub not_family: usize,
    /// The mix of non-family kinds: relatives by default, the hard cases.
    pub non_family_mix: NonFamilyMix,
    /// Relative thresholds (log10) at which the unit verdicts are re-derived.
    pub relative_thresholds: Vec<f64>,
    /// Master seed: pairs use streams of it, the unit cohort uses it directly.
    pub seed: u64,
    /// A label for the population (e.g. the built-in population id), for the report.
    pub population: String,
}

impl Default for CalibrationConfig {
    fn default() -> Self {
        CalibrationConfig {
            pairs: 1_000_000,
            relative_pairs: 200_000,
            units: 3000,
            duo_units: 20_000,
            not_family: 900,
            non_family_mix: relatives_mix(),
            relative_thresholds: DEFAULT_RELATIVE_THRESHOLDS.to_vec(),
            seed: 1,
            population: String::new(),
        }
    }
}

/// The non-family mix of the unit calibration: mostly relatives (the trade-off under study),
/// a few unrelated adults, no recycled children (the joint analysis cannot see recycling).
pub fn relatives_mix() -> NonFamilyMix {
    NonFamilyMix {
        unrelated_adult: 0.1,
        grandparent: 0.3,
        avuncular: 0.3,
        older_sibling: 0.3,
        recycled_child: 0.0,
    }
}

impl CalibrationConfig {
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |why: String| Err(SimError::InvalidScenario(why));
        if self.pairs == 0 {
            return bad(
                "calibration needs at least one parent-child and one unrelated pair".into(),
            );
        }
        if self
            .relative_thresholds
            .iter()
            .any(|t| !t.is_finite() || *t < 0.0)
        {
            return bad("relative thresholds must be finite and ≥ 0".into());
        }
        if self.units > 0 {
            self.scenario().validate()?;
        }
        Ok(())
    }

    /// The scenario of the unit calibration.
    pub fn scenario(&self) -> ScenarioConfig {
        ScenarioConfig {
            units: self.units,
            not_family: self.not_family,
            non_family_mix: self.non_family_mix.clone(),
            seed: self.seed,
            ..ScenarioConfig::default()
        }
    }

    fn pairs_of(&self, relation: Relationship) -> usize {
        match relation {
            Relationship::ParentChild | Relationship::Unrelated => self.pairs,
            _ => self.relative_pairs,
        }
    }
}

/// A stage of the calibration, for progress reporting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Simulating and scoring pairs of this relation.
    Pairs(Relationship),
    /// Analysing the units of the cohort.
    Units,
    /// Analysing one-adult, one-child units of true parents (for the unit-level rates).
    DuoUnits,
}

/// Receives progress: `start` once per stage with the amount of work, then `advance`.
pub trait Progress: Sync {
    fn start(&self, stage: Stage, total: u64);
    fn advance(&self, done: u64);
}

/// No progress reporting.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: Stage, _: u64) {}
    fn advance(&self, _: u64) {}
}

// ---------------------------------------------------------------------------------------------
// The generating model's exact likelihood ratio
// ---------------------------------------------------------------------------------------------

const NOT_LISTED: u16 = u16::MAX;
const MALE: usize = 0;
const FEMALE: usize = 1;

fn sex_index(sex: ParentSex) -> usize {
    match sex {
        ParentSex::Male => MALE,
        ParentSex::Female => FEMALE,
    }
}

fn other_sex(sex: ParentSex) -> ParentSex {
    match sex {
        ParentSex::Male => ParentSex::Female,
        ParentSex::Female => ParentSex::Male,
    }
}

fn role_of(sex: ParentSex) -> Role {
    match sex {
        ParentSex::Male => Role::Father,
        ParentSex::Female => Role::Mother,
    }
}

#[derive(Clone, Debug)]
struct GenLocus {
    locus: Locus,
    /// Allele tenths → index into `freq`, `NOT_LISTED` when the table does not list it.
    index: Vec<u16>,
    /// Founder frequencies: the listed frequencies normalised, as the simulator draws them.
    freq: Vec<f64>,
    /// Transmission matrices by parent sex: `trans[sex][from * n + to]`.
    trans: [Vec<f64>; 2],
    /// Allele a founder of this sex transmits, mutation included: Σ_y f(y) T(y → x).
    founder: [Vec<f64>; 2],
}

impl GenLocus {
    fn slot(&self, tenths: u16) -> Option<usize> {
        self.index
            .get(usize::from(tenths))
            .copied()
            .filter(|i| *i != NOT_LISTED)
            .map(usize::from)
    }

    /// P(transmitted allele = `to` | a typed parent of `sex` with genotype `parent`).
    fn typed(&self, sex: usize, parent: Genotype, to: Option<usize>) -> f64 {
        let n = self.freq.len();
        parent
            .alleles()
            .iter()
            .map(|a| match (self.slot(a.tenths()), to) {
                (Some(from), Some(to)) => self.trans[sex][from * n + to],
                // Alleles the table does not list never occur in simulated founders, nor
                // arise by mutation from listed ones: impossible under the generating model.
                _ => 0.0,
            })
            .sum::<f64>()
            * 0.5
    }

    fn founder_draw(&self, sex: usize, x: Option<usize>) -> f64 {
        x.map_or(0.0, |x| self.founder[sex][x])
    }

    fn frequency(&self, x: Option<usize>) -> f64 {
        x.map_or(0.0, |x| self.freq[x])
    }
}

/// The exact duo likelihood ratio under the model the simulator draws from: founders from the
/// table's listed frequencies normalised per locus (θ = 0), transmissions from
/// [`transmission_distribution`] as [`Simulator`] uses it. This is `P_parent-child(pair) /
/// P_unrelated(pair)` for the simulated data, the weight of the importance-sampling estimates.
#[derive(Clone, Debug)]
pub struct GeneratingModel {
    loci: Vec<GenLocus>,
}

impl GeneratingModel {
    pub fn new(
        table: &FrequencyTable,
        mutation: &MutationModel,
        loci: &[Locus],
    ) -> Result<GeneratingModel, SimError> {
        mutation.validate()?;
        let mut out = Vec::with_capacity(loci.len());
        for &locus in loci {
            let freqs = table.locus(locus).ok_or(SimError::LocusNotInTable(locus))?;
            let total: f64 = freqs.alleles().iter().map(|(_, f)| f.max(0.0)).sum();
            if total <= 0.0 {
                return Err(SimError::LocusNotInTable(locus));
            }
            let n = freqs.alleles().len();
            let mut index = vec![NOT_LISTED; 1000];
            for (i, (a, _)) in freqs.alleles().iter().enumerate() {
                if let Some(slot) = index.get_mut(usize::from(a.tenths())) {
                    *slot = i as u16;
                }
            }
            let freq: Vec<f64> = freqs
                .alleles()
                .iter()
                .map(|(_, f)| f.max(0.0) / total)
                .collect();
            let mut trans = [vec![0.0; n * n], vec![0.0; n * n]];
            for sex in [ParentSex::Male, ParentSex::Female] {
                let s = sex_index(sex);
                for (from, (allele, _)) in freqs.alleles().iter().enumerate() {
                    let dist = transmission_distribution(mutation, locus, sex, *allele, table);
                    // The simulator draws from the row normalised (it keeps the allele with
                    // probability p(from)/Σ, else draws among the others by weight).
                    let sum: f64 = dist.iter().map(|(_, p)| p.max(0.0)).sum();
                    for (to_allele, p) in dist {
                        let Some(to) = freqs
                            .alleles()
                            .binary_search_by_key(&to_allele, |(a, _)| *a)
                            .ok()
                        else {
                            continue;
                        };
                        trans[s][from * n + to] = if sum > 0.0 { p.max(0.0) / sum } else { 0.0 };
                    }
                    if sum <= 0.0 {
                        trans[s][from * n + from] = 1.0;
                    }
                }
            }
            let founder = [MALE, FEMALE].map(|s| {
                (0..n)
                    .map(|x| (0..n).map(|y| freq[y] * trans[s][y * n + x]).sum())
                    .collect()
            });
            out.push(GenLocus {
                locus,
                index,
                freq,
                trans,
                founder,
            });
        }
        Ok(GeneratingModel { loci: out })
    }

    pub fn loci(&self) -> impl Iterator<Item = Locus> + '_ {
        self.loci.iter().map(|l| l.locus)
    }

    /// log10 of the generating duo LR at one locus (by position in the model's loci):
    /// the adult (of `adult_sex`) is the child's parent with an untyped unrelated partner,
    /// against the two being unrelated. `-inf` when impossible as parent and child, `+inf`
    /// when impossible as unrelated (an allele the population does not have).
    fn locus_lr(&self, k: usize, adult: Genotype, child: Genotype, adult_sex: ParentSex) -> f64 {
        let l = &self.loci[k];
        let (s, o) = (sex_index(adult_sex), sex_index(other_sex(adult_sex)));
        let [c1, c2] = child.alleles().map(|a| l.slot(a.tenths()));
        let mut h1 = l.typed(s, adult, c1) * l.founder_draw(o, c2);
        let mut h0 = l.frequency(c1) * l.frequency(c2);
        if child.alleles()[0] != child.alleles()[1] {
            h1 += l.typed(s, adult, c2) * l.founder_draw(o, c1);
            h0 *= 2.0;
        }
        h1 / h0
    }

    /// log10 of the generating duo LR over the model's loci the two genotype lists cover
    /// (genotypes in the model's locus order).
    pub fn log10_lr(
        &self,
        adult: &[Option<Genotype>],
        child: &[Option<Genotype>],
        adult_sex: ParentSex,
    ) -> f64 {
        let mut total = 0.0;
        for (k, (a, c)) in adult.iter().zip(child).enumerate().take(self.loci.len()) {
            if let (Some(a), Some(c)) = (a, c) {
                total += self.locus_lr(k, *a, *c, adult_sex).log10();
            }
        }
        total
    }

    /// [`GeneratingModel::log10_lr`] for two profiles.
    pub fn log10_lr_profiles(&self, adult: &Profile, child: &Profile, adult_sex: ParentSex) -> f64 {
        let a: Vec<_> = self.loci().map(|l| adult.genotype(l)).collect();
        let c: Vec<_> = self.loci().map(|l| child.genotype(l)).collect();
        self.log10_lr(&a, &c, adult_sex)
    }
}

// ---------------------------------------------------------------------------------------------
// Pairs
// ---------------------------------------------------------------------------------------------

/// One simulated adult–child pair, scored.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairSample {
    /// log10 of the policy's duo LR (θ, floor, policy mutation); `-inf` for LR = 0.
    pub log10_lr: f64,
    /// log10 of the generating model's duo LR (θ = 0, simulation mutation).
    pub log10_lr_gen: f64,
    /// Loci where adult and child share no allele.
    pub inconsistent: u8,
    pub loci: u8,
    /// The adult's claimed role (its sex fixed the mutation rates).
    pub role: Role,
}

impl PairSample {
    /// The policy LR as `lazo_kinship` reports it: `None` for 0.
    pub fn log10(&self) -> Option<f64> {
        (self.log10_lr > f64::NEG_INFINITY).then_some(self.log10_lr)
    }

    /// The claim would be excluded under `policy` (the claim-status rule of `lazo_kinship`).
    pub fn excluded(&self, policy: &Policy) -> bool {
        self.log10_lr <= policy.exclude_log10_lr
            && usize::from(self.inconsistent) >= policy.exclude_min_inconsistent
            && u32::from(self.loci) >= policy.exclude_min_loci
    }
}

/// Scores pairs the way `lazo_kinship::duo_lr` does, on the closed form when the model allows.
#[derive(Debug)]
pub struct PairScorer<'m, 'a> {
    model: &'m Model<'a>,
    generating: &'m GeneratingModel,
    loci: Vec<Locus>,
    /// Dense frequencies per locus when the closed form covers the policy model.
    dense: Option<Vec<&'a DenseLocus>>,
}

impl<'m, 'a> PairScorer<'m, 'a> {
    pub fn new(model: &'m Model<'a>, generating: &'m GeneratingModel) -> PairScorer<'m, 'a> {
        let loci: Vec<Locus> = generating.loci().collect();
        let dense = if lazo_kinship::fast::covers(model.mutation) {
            loci.iter().map(|l| model.table.dense(*l)).collect()
        } else {
            None
        };
        PairScorer {
            model,
            generating,
            loci,
            dense,
        }
    }

    /// Whether pairs are scored by the closed form (else by `duo_lr` on profiles).
    pub fn is_fast(&self) -> bool {
        self.dense.is_some()
    }

    /// Scores one pair of profiles (the adult of `adult_sex` claims to be the child's parent).
    pub fn score(
        &self,
        adult: &Profile,
        child: &Profile,
        adult_sex: ParentSex,
    ) -> Result<PairSample, SimError> {
        let role = role_of(adult_sex);
        let a: Vec<Option<Genotype>> = self.loci.iter().map(|l| adult.genotype(*l)).collect();
        let c: Vec<Option<Genotype>> = self.loci.iter().map(|l| child.genotype(*l)).collect();
        let log10_lr_gen = self.generating.log10_lr(&a, &c, adult_sex);
        let (log10_lr, inconsistent, loci) = match &self.dense {
            Some(dense) => {
                let (mut total, mut inconsistent, mut loci) = (0.0, 0u8, 0u8);
                for (k, (ga, gc)) in a.iter().zip(&c).enumerate() {
                    let (Some(ga), Some(gc)) = (ga, gc) else {
                        continue;
                    };
                    let lr = lazo_kinship::fast::duo(
                        dense[k],
                        self.loci[k],
                        *ga,
                        *gc,
                        role == Role::Father,
                        self.model.theta,
                        self.model.mutation,
                    );
                    total += lr.log10();
                    loci += 1;
                    inconsistent += u8::from(!ga.shares_allele_with(*gc));
                }
                (total, inconsistent, loci)
            }
            None => {
                let r = duo_lr(adult, child, role, self.model)?;
                (
                    r.log10_lr().unwrap_or(f64::NEG_INFINITY),
                    r.inconsistent_loci().len() as u8,
                    r.loci_used() as u8,
                )
            }
        };
        Ok(PairSample {
            log10_lr: if log10_lr.is_nan() {
                f64::NEG_INFINITY
            } else {
                log10_lr
            },
            log10_lr_gen,
            inconsistent,
            loci,
            role,
        })
    }
}

fn relation_stream(relation: Relationship) -> u64 {
    // Fixed codes, so adding a relation never changes another's stream.
    match relation {
        Relationship::ParentChild => 1,
        Relationship::Unrelated => 2,
        Relationship::Grandparent => 3,
        Relationship::Avuncular => 4,
        Relationship::FullSiblings => 5,
        Relationship::HalfSiblings => 6,
        Relationship::FirstCousins => 7,
        Relationship::Identical => 8,
    }
}

/// ChaCha8 stream code of the duo-unit stage (after the relation codes).
const DUO_UNIT_STREAM: u64 = 9;

/// Unit-level rates for the smallest unit, one adult and one child, where the duo LR is all
/// the evidence there is: the share of true parents verified, and — by importance sampling
/// from the same true pairs, weight 1 / LR_gen — the probability that an unrelated adult
/// presenting one child is verified by the full policy (joint LR, claim floor and the
/// relative alternatives), not only by the duo threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DuoUnitCalibration {
    pub n: usize,
    pub genuine_verified: f64,
    pub genuine_inconclusive: f64,
    pub genuine_not_supported: f64,
    pub unrelated_verified: ImportanceEstimate,
}

/// Runs the duo-unit stage: `n` true parent–child pairs, each analysed by
/// `lazo_kinship::analyse_unit` as a one-adult, one-child unit.
pub fn calibrate_duo_units(
    model: &Model<'_>,
    policy: &Policy,
    simulation: &MutationModel,
    generating: &GeneratingModel,
    n: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<DuoUnitCalibration, SimError> {
    let loci: Vec<Locus> = generating.loci().collect();
    let chunks = n.div_ceil(CHUNK);
    let parts: Vec<Vec<(Verdict, f64)>> = (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream((DUO_UNIT_STREAM << 32) | chunk as u64);
            let mut sim = Simulator::with_loci(model.table, simulation, loci.iter().copied(), rng)?;
            let size = CHUNK.min(n - chunk * CHUNK);
            let mut out = Vec::with_capacity(size);
            for i in 0..size {
                let sex = if i % 2 == 0 {
                    ParentSex::Male
                } else {
                    ParentSex::Female
                };
                let (adult, child) =
                    sim.relative_pair(Relationship::ParentChild, sex, "adult", "child");
                let unit = FamilyUnit {
                    id: "duo".into(),
                    mother: (sex == ParentSex::Female).then_some(&adult),
                    father: (sex == ParentSex::Male).then_some(&adult),
                    children: vec![&child],
                };
                let verdict = analyse_unit(&unit, model, policy)?.verdict;
                out.push((verdict, generating.log10_lr_profiles(&adult, &child, sex)));
                if i % 64 == 63 {
                    progress.advance(64);
                }
            }
            progress.advance((size % 64) as u64);
            Ok(out)
        })
        .collect::<Result<_, SimError>>()?;
    let results: Vec<(Verdict, f64)> = parts.into_iter().flatten().collect();
    let share = |v: Verdict| {
        results.iter().filter(|(r, _)| *r == v).count() as f64 / results.len().max(1) as f64
    };
    let (mut sum, mut sum2, mut hits) = (0.0, 0.0, 0);
    for (verdict, log10_gen) in &results {
        if *verdict == Verdict::Verified {
            let w = 10f64.powf(-log10_gen);
            sum += w;
            sum2 += w * w;
            hits += 1;
        }
    }
    let nf = results.len().max(1) as f64;
    let mean = sum / nf;
    Ok(DuoUnitCalibration {
        n: results.len(),
        genuine_verified: share(Verdict::Verified),
        genuine_inconclusive: share(Verdict::Inconclusive),
        genuine_not_supported: share(Verdict::NotSupported),
        unrelated_verified: ImportanceEstimate {
            sampled: Relationship::ParentChild,
            n: results.len(),
            estimate: mean,
            standard_error: ((sum2 / nf - mean * mean).max(0.0) / nf).sqrt(),
            hits,
            effective_hits: if sum2 > 0.0 { sum * sum / sum2 } else { 0.0 },
        },
    })
}

/// Simulates and scores `n` pairs of `relation`. Chunk `i` of [`CHUNK`] pairs draws from
/// ChaCha8 stream `(relation code << 32) | i` of `seed`, so the result is the same whatever
/// the number of threads. Adults alternate between father and mother.
pub fn simulate_pairs(
    model: &Model<'_>,
    simulation: &MutationModel,
    generating: &GeneratingModel,
    relation: Relationship,
    n: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<Vec<PairSample>, SimError> {
    model.validate()?;
    let scorer = PairScorer::new(model, generating);
    let loci: Vec<Locus> = generating.loci().collect();
    let chunks = n.div_ceil(CHUNK);
    let parts: Vec<Vec<PairSample>> = (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream((relation_stream(relation) << 32) | chunk as u64);
            let mut sim = Simulator::with_loci(model.table, simulation, loci.iter().copied(), rng)?;
            let size = CHUNK.min(n - chunk * CHUNK);
            let mut out = Vec::with_capacity(size);
            for i in 0..size {
                let sex = if i % 2 == 0 {
                    ParentSex::Male
                } else {
                    ParentSex::Female
                };
                let (adult, child) = sim.relative_pair(relation, sex, "", "");
                out.push(scorer.score(&adult, &child, sex)?);
            }
            progress.advance(size as u64);
            Ok(out)
        })
        .collect::<Result<_, SimError>>()?;
    Ok(parts.into_iter().flatten().collect())
}

// ---------------------------------------------------------------------------------------------
// Estimators
// ---------------------------------------------------------------------------------------------

/// An importance-sampling estimate: the mean of `1{E} · w` over samples of another relation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportanceEstimate {
    /// The relation sampled (the proposal).
    pub sampled: Relationship,
    pub n: usize,
    pub estimate: f64,
    pub standard_error: f64,
    /// Proposal samples in the event.
    pub hits: usize,
    /// Kish effective sample size of the weights in the event, (Σw)² / Σw².
    pub effective_hits: f64,
}

/// A rate: plain Monte Carlo on the relation itself, and importance sampling where it applies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateEstimate {
    /// Key for machines (`false_exclusion`, …).
    pub key: String,
    /// The event in words.
    pub event: String,
    /// The true relation of the pairs the rate is about.
    pub relation: Relationship,
    pub n: usize,
    pub count: usize,
    pub monte_carlo: f64,
    /// One-sided 95 % upper bound: 3/N when nothing was seen (rule of three), otherwise the
    /// Wilson score bound (z = 1.645).
    pub monte_carlo_upper95: f64,
    pub importance: Option<ImportanceEstimate>,
}

impl RateEstimate {
    /// The estimate to quote: importance sampling when it is more precise than Monte Carlo
    /// (always when Monte Carlo saw nothing), else Monte Carlo.
    pub fn best(&self) -> f64 {
        match &self.importance {
            Some(is) if prefer_is(self.count, self.n, is) => is.estimate,
            _ => self.monte_carlo,
        }
    }
}

fn prefer_is(count: usize, n: usize, is: &ImportanceEstimate) -> bool {
    if is.estimate <= 0.0 {
        return false;
    }
    if count == 0 {
        return true;
    }
    let p = count as f64 / n as f64;
    let mc_rel = ((1.0 - p) / (n as f64 * p)).sqrt();
    is.standard_error / is.estimate < mc_rel
}

/// One-sided 95 % upper bound of a binomial proportion.
pub fn upper95(count: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let nf = n as f64;
    if count == 0 {
        return (3.0 / nf).min(1.0);
    }
    let z = 1.645;
    let p = count as f64 / nf;
    let centre = p + z * z / (2.0 * nf);
    let spread = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt();
    ((centre + spread) / (1.0 + z * z / nf)).min(1.0)
}

/// Which way the change of measure goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reweight {
    /// Samples are parent–child pairs, the target is unrelated: weight 1 / LR_gen.
    ToUnrelated,
    /// Samples are unrelated pairs, the target is parent–child: weight LR_gen.
    ToParentChild,
}

impl Reweight {
    fn weight(self, s: &PairSample) -> f64 {
        match self {
            Reweight::ToUnrelated => 10f64.powf(-s.log10_lr_gen),
            Reweight::ToParentChild => 10f64.powf(s.log10_lr_gen),
        }
    }
}

/// The importance-sampling estimate of P_target(E) from samples of the other relation.
pub fn importance(
    samples: &[PairSample],
    sampled: Relationship,
    reweight: Reweight,
    event: impl Fn(&PairSample) -> bool + Sync,
) -> ImportanceEstimate {
    // Sums per fixed chunk, then in chunk order: the same bits whatever the thread count.
    let parts: Vec<(f64, f64, usize)> = samples
        .par_chunks(CHUNK)
        .map(|chunk| {
            chunk
                .iter()
                .filter(|s| event(s))
                .fold((0.0, 0.0, 0), |(a, b, k), s| {
                    let w = reweight.weight(s);
                    (a + w, b + w * w, k + 1)
                })
        })
        .collect();
    let (sum, sum2, hits) = parts
        .iter()
        .fold((0.0, 0.0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let n = samples.len();
    let nf = n.max(1) as f64;
    let mean = sum / nf;
    let variance = (sum2 / nf - mean * mean).max(0.0);
    ImportanceEstimate {
        sampled,
        n,
        estimate: mean,
        standard_error: (variance / nf).sqrt(),
        hits,
        effective_hits: if sum2 > 0.0 { sum * sum / sum2 } else { 0.0 },
    }
}

fn monte_carlo(
    key: &str,
    event_text: String,
    relation: Relationship,
    samples: &[PairSample],
    event: impl Fn(&PairSample) -> bool + Sync,
) -> RateEstimate {
    let count = samples.par_iter().filter(|s| event(s)).count();
    let n = samples.len();
    RateEstimate {
        key: key.to_string(),
        event: event_text,
        relation,
        n,
        count,
        monte_carlo: count as f64 / n.max(1) as f64,
        monte_carlo_upper95: upper95(count, n),
        importance: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Pair summaries: histograms, quantiles, rates, ROC
// ---------------------------------------------------------------------------------------------

/// Counts of log10 LR in bins of [`HISTOGRAM_BIN`] from [`HISTOGRAM_MIN`] to
/// [`HISTOGRAM_MAX`]; bin `i` is `[min + i·w, min + (i+1)·w)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Histogram {
    pub min: f64,
    pub max: f64,
    pub bin_width: f64,
    pub counts: Vec<u64>,
    /// Below `min` (LR = 0 excluded).
    pub underflow: u64,
    /// At or above `max`.
    pub overflow: u64,
    /// LR = 0 (only without a mutation model).
    pub zero: u64,
}

impl Histogram {
    pub fn of(samples: &[PairSample]) -> Histogram {
        let bins = ((HISTOGRAM_MAX - HISTOGRAM_MIN) / HISTOGRAM_BIN).round() as usize;
        let mut h = Histogram {
            min: HISTOGRAM_MIN,
            max: HISTOGRAM_MAX,
            bin_width: HISTOGRAM_BIN,
            counts: vec![0; bins],
            underflow: 0,
            overflow: 0,
            zero: 0,
        };
        for s in samples {
            let x = s.log10_lr;
            if x == f64::NEG_INFINITY {
                h.zero += 1;
            } else if x < h.min {
                h.underflow += 1;
            } else if x >= h.max {
                h.overflow += 1;
            } else {
                let i = ((x - h.min) / h.bin_width).floor() as usize;
                h.counts[i.min(bins - 1)] += 1;
            }
        }
        h
    }

    /// Lower edge of bin `i`.
    pub fn lower(&self, i: usize) -> f64 {
        self.min + i as f64 * self.bin_width
    }
}

/// The log10 LR distribution of one relation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RelationSummary {
    pub relation: Relationship,
    pub n: usize,
    pub mean_log10_lr: f64,
    /// (probability, log10 LR quantile), LR = 0 counted as −∞.
    pub quantiles: Vec<Quantile>,
    /// Pairs with at least one inconsistent locus.
    pub with_inconsistency: usize,
    pub histogram: Histogram,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Quantile {
    pub p: f64,
    pub log10_lr: f64,
}

/// The false-positive rate against one relation at a threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RocFpr {
    pub relation: Relationship,
    /// The rate quoted: Monte Carlo, or importance sampling where that is more precise.
    pub rate: f64,
    pub monte_carlo: f64,
    pub count: usize,
    /// For unrelated: the importance-sampling estimate from the parent–child pairs.
    pub importance: Option<f64>,
    pub importance_se: Option<f64>,
}

/// One ROC point: claims with log10 LR ≥ `threshold` are accepted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RocPoint {
    pub threshold: f64,
    /// P_parent-child(log10 LR ≥ t).
    pub tpr: f64,
    pub fpr: Vec<RocFpr>,
}

/// The lowest ROC threshold at which unrelated adults pass less often than `target`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetThreshold {
    pub target: f64,
    /// log10 LR threshold (on the ROC grid).
    pub threshold: f64,
    /// True parents passing at that threshold.
    pub tpr: f64,
    /// Unrelated adults passing at that threshold (the quoted estimate).
    pub fpr: f64,
}

/// The false-inclusion targets looked up on the ROC.
pub const FPR_TARGETS: [f64; 3] = [1e-4, 1e-6, 1e-8];

/// Everything measured on pairs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairCalibration {
    /// Whether the policy LR went through the closed form (else `duo_lr` itself).
    pub closed_form: bool,
    pub relations: Vec<RelationSummary>,
    pub rates: Vec<RateEstimate>,
    pub roc: Vec<RocPoint>,
    /// For each of [`FPR_TARGETS`]: the duo threshold that keeps unrelated adults below it.
    pub unrelated_targets: Vec<TargetThreshold>,
}

impl PairCalibration {
    pub fn rate(&self, key: &str) -> Option<&RateEstimate> {
        self.rates.iter().find(|r| r.key == key)
    }
}

/// The scored pairs of every relation.
#[derive(Clone, Debug, Default)]
pub struct PairSets {
    pub sets: BTreeMap<Relationship, Vec<PairSample>>,
}

impl PairSets {
    pub fn get(&self, relation: Relationship) -> &[PairSample] {
        self.sets.get(&relation).map_or(&[], Vec::as_slice)
    }
}

fn summarise_relation(relation: Relationship, samples: &[PairSample]) -> RelationSummary {
    let mut sorted: Vec<f64> = samples.iter().map(|s| s.log10_lr).collect();
    sorted.par_sort_unstable_by(f64::total_cmp);
    let quantiles = [0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999]
        .iter()
        .filter(|_| !sorted.is_empty())
        .map(|&p| {
            let i = ((p * sorted.len() as f64).floor() as usize).min(sorted.len() - 1);
            Quantile {
                p,
                log10_lr: sorted[i],
            }
        })
        .collect();
    let finite: Vec<f64> = sorted.iter().copied().filter(|x| x.is_finite()).collect();
    RelationSummary {
        relation,
        n: samples.len(),
        mean_log10_lr: finite.iter().sum::<f64>() / finite.len().max(1) as f64,
        quantiles,
        with_inconsistency: samples.iter().filter(|s| s.inconsistent > 0).count(),
        histogram: Histogram::of(samples),
    }
}

/// Rates at the policy's thresholds, distributions and the ROC, from scored pairs.
pub fn summarise_pairs(sets: &PairSets, policy: &Policy, closed_form: bool) -> PairCalibration {
    let pc = sets.get(Relationship::ParentChild);
    let un = sets.get(Relationship::Unrelated);
    let relations = PAIR_RELATIONS
        .iter()
        .filter(|r| sets.sets.contains_key(r))
        .map(|r| summarise_relation(*r, sets.get(*r)))
        .collect();

    let verify = policy.verify_log10_lr;
    let floor = policy.claim_min_log10_lr;
    let excluded = |s: &PairSample| s.excluded(policy);
    let at_least = |t: f64| move |s: &PairSample| s.log10_lr >= t;
    let below = |t: f64| move |s: &PairSample| s.log10_lr < t;
    let excl_text = format!(
        "claim excluded (log10 LR ≤ {}, ≥ {} inconsistent loci, ≥ {} loci)",
        policy.exclude_log10_lr, policy.exclude_min_inconsistent, policy.exclude_min_loci
    );

    let mut rates = Vec::new();
    let with_is = |mut r: RateEstimate, is: ImportanceEstimate| {
        r.importance = Some(is);
        r
    };
    let pcr = Relationship::ParentChild;
    let unr = Relationship::Unrelated;
    rates.push(with_is(
        monte_carlo("false_exclusion", excl_text.clone(), pcr, pc, excluded),
        importance(un, unr, Reweight::ToParentChild, excluded),
    ));
    rates.push(with_is(
        monte_carlo(
            "false_inclusion_verify",
            format!("duo log10 LR ≥ {verify} (verify threshold)"),
            unr,
            un,
            at_least(verify),
        ),
        importance(pc, pcr, Reweight::ToUnrelated, at_least(verify)),
    ));
    rates.push(with_is(
        monte_carlo(
            "false_inclusion_claim_floor",
            format!("duo log10 LR ≥ {floor} (claim floor)"),
            unr,
            un,
            at_least(floor),
        ),
        importance(pc, pcr, Reweight::ToUnrelated, at_least(floor)),
    ));
    // Not rare: plain Monte Carlo (unrelated pairs are a poor proposal for these events).
    rates.push(monte_carlo(
        "parent_below_claim_floor",
        format!("duo log10 LR < {floor} (a true parent's claim is not consistent on its own)"),
        pcr,
        pc,
        below(floor),
    ));
    rates.push(monte_carlo(
        "parent_below_verify",
        format!("duo log10 LR < {verify} (a true parent's duo is short of the verify threshold)"),
        pcr,
        pc,
        below(verify),
    ));
    rates.push(with_is(
        monte_carlo(
            "check_unrelated_lr_at_least_1",
            "duo log10 LR ≥ 0 (a check of the importance sampler: both estimates must agree)"
                .into(),
            unr,
            un,
            at_least(0.0),
        ),
        importance(pc, pcr, Reweight::ToUnrelated, at_least(0.0)),
    ));
    for r in [
        Relationship::Grandparent,
        Relationship::Avuncular,
        Relationship::FullSiblings,
    ] {
        let s = sets.get(r);
        if s.is_empty() {
            continue;
        }
        let name = r.name().replace('-', "_");
        rates.push(monte_carlo(
            &format!("{name}_at_verify"),
            format!("duo log10 LR ≥ {verify} (verify threshold)"),
            r,
            s,
            at_least(verify),
        ));
        rates.push(monte_carlo(
            &format!("{name}_at_claim_floor"),
            format!("duo log10 LR ≥ {floor} (claim floor)"),
            r,
            s,
            at_least(floor),
        ));
        rates.push(monte_carlo(
            &format!("{name}_excluded"),
            excl_text.clone(),
            r,
            s,
            excluded,
        ));
    }

    let steps = ((ROC_MAX - ROC_MIN) / ROC_STEP).round() as usize;
    let roc: Vec<RocPoint> = (0..=steps)
        .map(|i| {
            let t = ROC_MIN + i as f64 * ROC_STEP;
            let tpr = fraction(pc, at_least(t));
            let mut fpr = Vec::new();
            for r in PAIR_RELATIONS.iter().skip(1) {
                let s = sets.get(*r);
                if s.is_empty() {
                    continue;
                }
                let count = s.par_iter().filter(|x| x.log10_lr >= t).count();
                let mc = count as f64 / s.len() as f64;
                let (rate, importance, importance_se) = if *r == Relationship::Unrelated {
                    let is = importance(pc, pcr, Reweight::ToUnrelated, at_least(t));
                    let rate = if prefer_is(count, s.len(), &is) {
                        is.estimate
                    } else {
                        mc
                    };
                    (rate, Some(is.estimate), Some(is.standard_error))
                } else {
                    (mc, None, None)
                };
                fpr.push(RocFpr {
                    relation: *r,
                    rate,
                    monte_carlo: mc,
                    count,
                    importance,
                    importance_se,
                });
            }
            RocPoint {
                threshold: t,
                tpr,
                fpr,
            }
        })
        .collect();

    let unrelated_targets = FPR_TARGETS
        .iter()
        .filter_map(|&target| {
            roc.iter().find_map(|p| {
                p.fpr
                    .iter()
                    .find(|f| f.relation == Relationship::Unrelated && f.rate < target)
                    .map(|f| TargetThreshold {
                        target,
                        threshold: p.threshold,
                        tpr: p.tpr,
                        fpr: f.rate,
                    })
            })
        })
        .collect();

    PairCalibration {
        closed_form,
        relations,
        rates,
        roc,
        unrelated_targets,
    }
}

fn fraction(samples: &[PairSample], event: impl Fn(&PairSample) -> bool + Sync) -> f64 {
    samples.par_iter().filter(|s| event(s)).count() as f64 / samples.len().max(1) as f64
}

// ---------------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------------

/// Units of one non-family kind verified at a threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindVerified {
    pub kind: UnitKind,
    pub units: usize,
    pub verified: usize,
    pub percent: f64,
}

/// Why genuine units were left inconclusive (a unit may have several reasons).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InconclusiveCauses {
    /// Some adult–child claim's duo LR is below the claim floor.
    pub weak_claim: usize,
    /// Some adult's joint LR against unrelated is below the verify threshold (or too few loci).
    pub joint_below_verify: usize,
    /// Some relative alternative is not beaten by the relative threshold.
    pub relative_not_beaten: usize,
}

/// The unit verdicts under one relative threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThresholdOutcome {
    pub relative_log10_lr: f64,
    pub genuine_units: usize,
    pub genuine_inconclusive: usize,
    pub genuine_inconclusive_percent: f64,
    pub genuine_not_supported: usize,
    pub genuine_not_supported_percent: f64,
    pub genuine_verified_percent: f64,
    /// Grandparent, avuncular, older sibling.
    pub relatives_verified: Vec<KindVerified>,
    /// All relatives together.
    pub relatives_verified_percent: f64,
    pub unrelated_verified: KindVerified,
    pub genuine_inconclusive_causes: InconclusiveCauses,
    /// Verdict tallies by true kind.
    pub evaluation: Evaluation,
}

/// Genuine units of one shape and how many were inconclusive at each threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShapeRow {
    pub adults: usize,
    pub children: usize,
    pub genuine_units: usize,
    /// Inconclusive genuine units, in the order of the thresholds.
    pub inconclusive: Vec<usize>,
    pub inconclusive_percent: Vec<f64>,
}

/// The relatives trade-off measured on whole units.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitCalibration {
    pub scenario: ScenarioConfig,
    pub units_by_kind: Vec<(UnitKind, usize)>,
    pub thresholds: Vec<f64>,
    pub outcomes: Vec<ThresholdOutcome>,
    pub shapes: Vec<ShapeRow>,
}

impl UnitCalibration {
    pub fn at(&self, threshold: f64) -> Option<&ThresholdOutcome> {
        self.outcomes
            .iter()
            .find(|o| (o.relative_log10_lr - threshold).abs() < 1e-9)
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

fn causes(report: &UnitReport, policy: &Policy, out: &mut InconclusiveCauses) {
    let weak = report
        .claims
        .iter()
        .any(|c| c.status == lazo_kinship::ClaimStatus::Weak);
    let joint_low = |j: &JointReport| {
        j.loci_used < policy.verify_min_loci
            || j.log10_lr_vs_unrelated
                .is_none_or(|l| l < policy.verify_log10_lr)
    };
    let relative = |j: &JointReport| {
        j.alternatives
            .iter()
            .any(|a| a.log10_lr.is_none_or(|l| l < policy.relative_log10_lr))
    };
    out.weak_claim += usize::from(weak);
    out.joint_below_verify += usize::from(report.joint.iter().any(joint_low));
    out.relative_not_beaten += usize::from(report.joint.iter().any(relative));
}

/// Simulates the unit cohort, analyses every unit once, and re-derives the verdicts at every
/// relative threshold of `config`.
pub fn calibrate_units(
    model: &Model<'_>,
    policy: &Policy,
    simulation: &MutationModel,
    config: &CalibrationConfig,
    progress: &dyn Progress,
) -> Result<UnitCalibration, SimError> {
    let scenario = config.scenario();
    let cohort = simulate_scenario(model.table, simulation, &scenario)?;
    let units: Vec<_> = cohort.units().collect();
    progress.start(Stage::Units, units.len() as u64);
    let reports: Vec<UnitReport> = units
        .par_iter()
        .map(|u| {
            let family: FamilyUnit<'_> = u.family_unit();
            let r = analyse_unit(&family, model, policy);
            progress.advance(1);
            r
        })
        .collect::<Result<_, _>>()?;

    let mut shape_index: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for u in &units {
        if u.truth.kind.is_family() {
            let adults = usize::from(u.mother.is_some()) + usize::from(u.father.is_some());
            *shape_index.entry((adults, u.children.len())).or_default() += 1;
        }
    }
    let mut shapes: Vec<ShapeRow> = shape_index
        .iter()
        .map(|(&(adults, children), &n)| ShapeRow {
            adults,
            children,
            genuine_units: n,
            inconclusive: Vec::new(),
            inconclusive_percent: Vec::new(),
        })
        .collect();

    let mut outcomes = Vec::new();
    for &t in &config.relative_thresholds {
        let p = Policy {
            relative_log10_lr: t,
            ..policy.clone()
        };
        let reassessed: Vec<UnitReport> = reports
            .par_iter()
            .map(|r| {
                let mut r = r.clone();
                reassess(&mut r, &p);
                r
            })
            .collect();
        let verdicts: HashMap<&str, Verdict> = reassessed
            .iter()
            .map(|r| (r.unit_id.as_str(), r.verdict))
            .collect();
        let evaluation = evaluate(&cohort, |id| verdicts.get(id).copied());
        let mut by_shape: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let mut why = InconclusiveCauses::default();
        for (u, r) in units.iter().zip(&reassessed) {
            if u.truth.kind.is_family() && r.verdict == Verdict::Inconclusive {
                let adults = usize::from(u.mother.is_some()) + usize::from(u.father.is_some());
                *by_shape.entry((adults, u.children.len())).or_default() += 1;
                causes(r, &p, &mut why);
            }
        }
        for row in &mut shapes {
            let k = by_shape
                .get(&(row.adults, row.children))
                .copied()
                .unwrap_or(0);
            row.inconclusive.push(k);
            row.inconclusive_percent.push(percent(k, row.genuine_units));
        }
        let genuine = evaluation.tally(UnitKind::Genuine);
        let kind_verified = |kind: UnitKind| {
            let t = evaluation.tally(kind);
            KindVerified {
                kind,
                units: t.units,
                verified: t.verified,
                percent: percent(t.verified, t.units),
            }
        };
        let relatives: Vec<KindVerified> = [
            UnitKind::Grandparent,
            UnitKind::Avuncular,
            UnitKind::OlderSibling,
        ]
        .into_iter()
        .map(kind_verified)
        .collect();
        let (rel_verified, rel_units) = relatives
            .iter()
            .fold((0, 0), |(v, n), k| (v + k.verified, n + k.units));
        outcomes.push(ThresholdOutcome {
            relative_log10_lr: t,
            genuine_units: genuine.units,
            genuine_inconclusive: genuine.inconclusive,
            genuine_inconclusive_percent: percent(genuine.inconclusive, genuine.units),
            genuine_not_supported: genuine.not_supported,
            genuine_not_supported_percent: percent(genuine.not_supported, genuine.units),
            genuine_verified_percent: percent(genuine.verified, genuine.units),
            relatives_verified: relatives,
            relatives_verified_percent: percent(rel_verified, rel_units),
            unrelated_verified: kind_verified(UnitKind::UnrelatedAdult),
            genuine_inconclusive_causes: why,
            evaluation,
        });
    }
    Ok(UnitCalibration {
        scenario,
        units_by_kind: cohort.kind_counts(),
        thresholds: config.relative_thresholds.clone(),
        outcomes,
        shapes,
    })
}

// ---------------------------------------------------------------------------------------------
// The whole calibration
// ---------------------------------------------------------------------------------------------

/// The settings a calibration ran under: enough to reproduce it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CalibrationSettings {
    pub population: String,
    pub frequency_table: String,
    pub loci: Vec<Locus>,
    pub theta: f64,
    /// The mutation model of the policy's likelihoods (`None`: no mutation model).
    pub policy_mutation: Option<MutationModel>,
    /// The mutation model the simulator drew transmissions from.
    pub simulation_mutation: MutationModel,
    pub policy: Policy,
    pub config: CalibrationConfig,
    pub chunk_size: usize,
    pub assumptions: Vec<String>,
}

/// Everything `lazo calibrate` measures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    pub settings: CalibrationSettings,
    pub pairs: PairCalibration,
    /// `None` when no units were asked for.
    pub units: Option<UnitCalibration>,
    /// `None` when no duo units were asked for.
    pub duo_units: Option<DuoUnitCalibration>,
}

/// Runs the whole calibration: pairs of every relation, their summaries, and the units.
///
/// `model` is the policy's (its table is also the population simulated); `simulation` is the
/// mutation model the simulator draws from (the policy's, or a zero-rate one when the policy
/// has none).
pub fn calibrate(
    model: &Model<'_>,
    policy: &Policy,
    simulation: &MutationModel,
    config: &CalibrationConfig,
    progress: &dyn Progress,
) -> Result<Calibration, SimError> {
    config.validate()?;
    policy.validate()?;
    model.validate()?;
    let loci: Vec<Locus> = Locus::codis_core()
        .filter(|l| model.table.has_locus(*l))
        .collect();
    if loci.is_empty() {
        return Err(SimError::NoLoci);
    }
    let generating = GeneratingModel::new(model.table, simulation, &loci)?;
    let closed_form = PairScorer::new(model, &generating).is_fast();
    let mut sets = PairSets::default();
    for relation in PAIR_RELATIONS {
        let n = config.pairs_of(relation);
        if n == 0 {
            continue;
        }
        progress.start(Stage::Pairs(relation), n as u64);
        let samples = simulate_pairs(
            model,
            simulation,
            &generating,
            relation,
            n,
            config.seed,
            progress,
        )?;
        sets.sets.insert(relation, samples);
    }
    let pairs = summarise_pairs(&sets, policy, closed_form);
    drop(sets);
    let units = if config.units > 0 {
        Some(calibrate_units(
            model, policy, simulation, config, progress,
        )?)
    } else {
        None
    };
    let duo_units = if config.duo_units > 0 {
        progress.start(Stage::DuoUnits, config.duo_units as u64);
        Some(calibrate_duo_units(
            model,
            policy,
            simulation,
            &generating,
            config.duo_units,
            config.seed,
            progress,
        )?)
    } else {
        None
    };
    Ok(Calibration {
        duo_units,
        settings: CalibrationSettings {
            population: config.population.clone(),
            frequency_table: model.table.name.clone(),
            loci,
            theta: model.theta,
            policy_mutation: model.mutation.cloned(),
            simulation_mutation: simulation.clone(),
            policy: policy.clone(),
            config: config.clone(),
            chunk_size: CHUNK,
            assumptions: vec![
                "founders drawn from the frequency table's listed alleles, normalised per locus: Hardy–Weinberg and linkage equilibrium, θ = 0 (any θ > 0 in the policy is conservative for these data)".into(),
                "mutation exactly as the simulation mutation model".into(),
                "complete profiles at the 20 CODIS core loci, no dropout, no typing errors".into(),
                "relatives non-inbred, built from the smallest pedigree; the unit cohort's shapes and non-family mix are modelling assumptions".into(),
                "importance sampling weights are the exact generating-model likelihood ratios (θ = 0, simulation mutation); the events use the policy's LR".into(),
            ],
        },
        pairs,
        units,
    })
}
