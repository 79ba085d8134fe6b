//! Founders, Mendelian transmission with mutation, relatives, and profile degradations.

use std::collections::HashMap;

use lazo_genetics::{Allele, FrequencyTable, Genotype, Locus, Profile};
use lazo_kinship::{MutationModel, ParentSex, Relationship, transmission_distribution};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::SimError;
use crate::alias::Alias;

/// A person's genotypes at the simulator's loci, indexed like `Simulator::slots`; `None` where
/// the person has no genotype (a parent profile lacking the locus, and so its children).
pub(crate) type Genome = Vec<Option<Genotype>>;

const MALE: usize = 0;
const FEMALE: usize = 1;

fn sex_index(sex: ParentSex) -> usize {
    match sex {
        ParentSex::Male => MALE,
        ParentSex::Female => FEMALE,
    }
}

/// Checks a probability given by the caller; `what` names it in the error.
pub(crate) fn probability(what: &'static str, value: f64) -> Result<f64, SimError> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(SimError::InvalidProbability { what, value })
    }
}

/// What happens to one parental allele on its way to a child: it stays with probability
/// `stay`, otherwise it becomes a draw from `mutate` (the off-diagonal of the model's row,
/// renormalised). Splitting the row this way makes the common case (no mutation) a single
/// comparison and tells the caller exactly when a mutation happened.
#[derive(Clone, Debug)]
struct Row {
    stay: f64,
    mutate: Option<Alias>,
}

impl Row {
    fn identity() -> Row {
        Row {
            stay: 1.0,
            mutate: None,
        }
    }

    fn from_distribution(
        locus: Locus,
        from: Allele,
        dist: &[(Allele, f64)],
    ) -> Result<Row, SimError> {
        if dist.iter().any(|(_, p)| !p.is_finite() || *p < 0.0) {
            return Err(SimError::InvalidDistribution {
                locus,
                allele: from,
            });
        }
        let total: f64 = dist.iter().map(|(_, p)| p).sum();
        if total <= 0.0 {
            return Err(SimError::InvalidDistribution {
                locus,
                allele: from,
            });
        }
        let stay = dist
            .iter()
            .find(|(a, _)| *a == from)
            .map_or(0.0, |(_, p)| p / total);
        match Alias::new(dist.iter().copied().filter(|(a, _)| *a != from)) {
            Some(mutate) if stay < 1.0 => Ok(Row {
                stay,
                mutate: Some(mutate),
            }),
            _ => Ok(Row::identity()),
        }
    }

    fn build(
        model: &MutationModel,
        table: &FrequencyTable,
        locus: Locus,
        sex: ParentSex,
        from: Allele,
    ) -> Result<Row, SimError> {
        let dist = transmission_distribution(model, locus, sex, from, table);
        Row::from_distribution(locus, from, &dist)
    }
}

/// Everything precomputed for one locus.
#[derive(Clone, Debug)]
struct LocusSlot {
    locus: Locus,
    /// Founder alleles: the table's listed frequencies, normalised.
    founder: Alias,
    /// The table's listed alleles, sorted (the table's order), to index `rows`.
    alleles: Vec<Allele>,
    /// Transmission rows by parent sex (`MALE`, `FEMALE`), then by listed allele.
    rows: [Vec<Row>; 2],
}

/// A typing error introduced by [`Simulator::genotyping_error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypingError {
    pub locus: Locus,
    /// The genotype before the error.
    pub true_genotype: Genotype,
    /// The genotype as (mis)called.
    pub called: Genotype,
}

/// A seeded simulator of STR profiles in one population.
///
/// All randomness comes from the `ChaCha8Rng` the caller supplies, so a seed fixes every
/// output (ChaCha8's stream is specified and portable across platforms). Founder allele
/// distributions (alias tables) and every mutation row for the table's alleles are
/// precomputed in the constructor, so a transmission is O(1) with no allocation; rows for
/// unlisted parental alleles are built once, on first use. Intermediate people of a pedigree
/// are plain genotype vectors, not profiles. (Release build, NIST Hispanic table, 20 loci:
/// about 2–5 µs per simulated pair of profiles, most of it building the two `Profile`s.)
///
/// Population model: founders draw their two alleles independently from the table's *listed*
/// frequencies, normalised per locus to sum to 1. That is Hardy–Weinberg equilibrium with
/// θ = 0: the simulated population *is* the table's, with no substructure. Two consequences
/// worth knowing when calibrating: alleles the table does not list never occur in founders
/// (the statistics' minimum-frequency floor is a caution, not a population fact), and any
/// θ > 0 used by the statistics is conservative for these data.
///
/// Mutation: a transmitted allele is drawn from
/// [`lazo_kinship::transmission_distribution`], so simulated mutation is exactly the model
/// the likelihoods assume (same kind, same sex-specific and per-locus rates).
#[derive(Debug)]
pub struct Simulator<'a> {
    table: &'a FrequencyTable,
    model: MutationModel,
    loci: Vec<Locus>,
    slots: Vec<LocusSlot>,
    /// Slot of each catalogue locus (by `Locus::index()`), if simulated.
    slot_of: Vec<Option<usize>>,
    /// Rows for parental alleles the table does not list (from caller-supplied profiles or
    /// typing errors), built on first use.
    unlisted: HashMap<(usize, usize, Allele), Row>,
    rng: ChaCha8Rng,
}

impl<'a> Simulator<'a> {
    /// A simulator over the 20 CODIS core loci that the table has (all of them for the bundled
    /// NIST and FBI tables): the loci every US kit types, so results speak for a CODIS profile.
    pub fn new(
        table: &'a FrequencyTable,
        model: &MutationModel,
        rng: ChaCha8Rng,
    ) -> Result<Simulator<'a>, SimError> {
        let loci: Vec<Locus> = Locus::codis_core()
            .filter(|l| table.has_locus(*l))
            .collect();
        if loci.is_empty() {
            return Err(SimError::NoLoci);
        }
        Simulator::with_loci(table, model, loci, rng)
    }

    /// [`Simulator::new`] with an rng seeded from `seed`.
    pub fn seeded(
        table: &'a FrequencyTable,
        model: &MutationModel,
        seed: u64,
    ) -> Result<Simulator<'a>, SimError> {
        Simulator::new(table, model, ChaCha8Rng::seed_from_u64(seed))
    }

    /// A simulator over the given loci (duplicates ignored, catalogue order), each of which
    /// must be in the table: a locus without frequencies cannot be simulated.
    pub fn with_loci(
        table: &'a FrequencyTable,
        model: &MutationModel,
        loci: impl IntoIterator<Item = Locus>,
        rng: ChaCha8Rng,
    ) -> Result<Simulator<'a>, SimError> {
        model.validate()?;
        let mut loci: Vec<Locus> = loci.into_iter().collect();
        loci.sort();
        loci.dedup();
        if loci.is_empty() {
            return Err(SimError::NoLoci);
        }
        let mut slots = Vec::with_capacity(loci.len());
        let mut slot_of = vec![None; Locus::COUNT];
        for &locus in &loci {
            let freqs = table.locus(locus).ok_or(SimError::LocusNotInTable(locus))?;
            let founder = Alias::new(freqs.alleles().iter().copied())
                .ok_or(SimError::LocusNotInTable(locus))?;
            let alleles: Vec<Allele> = freqs.alleles().iter().map(|(a, _)| *a).collect();
            let mut rows: [Vec<Row>; 2] = [
                Vec::with_capacity(alleles.len()),
                Vec::with_capacity(alleles.len()),
            ];
            for sex in [ParentSex::Male, ParentSex::Female] {
                for &from in &alleles {
                    rows[sex_index(sex)].push(Row::build(model, table, locus, sex, from)?);
                }
            }
            slot_of[locus.index()] = Some(slots.len());
            slots.push(LocusSlot {
                locus,
                founder,
                alleles,
                rows,
            });
        }
        Ok(Simulator {
            table,
            model: model.clone(),
            loci,
            slots,
            slot_of,
            unlisted: HashMap::new(),
            rng,
        })
    }

    /// The simulated loci, in catalogue order.
    pub fn loci(&self) -> &[Locus] {
        &self.loci
    }

    pub fn table(&self) -> &'a FrequencyTable {
        self.table
    }

    pub fn model(&self) -> &MutationModel {
        &self.model
    }

    /// The simulator's random stream, for a caller's own choices: drawing from the same stream
    /// keeps a whole experiment reproducible from one seed.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// An unrelated person from the population: two independent draws per locus from the
    /// table's listed frequencies (θ = 0, see the type's documentation).
    pub fn founder(&mut self, sample_id: impl Into<String>) -> Profile {
        let genome = self.founder_genome();
        self.genome_profile(&genome, sample_id)
    }

    /// A child of `father` and `mother`: at every simulated locus each parent passes one of its
    /// two alleles with probability ½, mutated according to the model (paternal rate for the
    /// father, maternal for the mother).
    ///
    /// Returns the child and the loci of the transmissions that mutated, one entry per mutated
    /// transmission (a locus appears twice in the rare case that both parents' alleles
    /// mutated there). A locus where either parent has no usable genotype is absent from the
    /// child.
    pub fn child(
        &mut self,
        sample_id: impl Into<String>,
        father: &Profile,
        mother: &Profile,
    ) -> (Profile, Vec<Locus>) {
        let f = self.genome_of(father);
        let m = self.genome_of(mother);
        let mut mutations = Vec::new();
        let child = self.child_genome(&f, &m, &mut mutations);
        (self.genome_profile(&child, sample_id), mutations)
    }

    /// A full sibling of the children of `father` and `mother`: just another child. Named so
    /// that pedigree-building code reads as the pedigree it builds.
    pub fn sibling(
        &mut self,
        sample_id: impl Into<String>,
        father: &Profile,
        mother: &Profile,
    ) -> (Profile, Vec<Locus>) {
        self.child(sample_id, father, mother)
    }

    /// One transmission from a parent with `genotype` at `locus`: the allele passed on and
    /// whether it mutated. `None` if the locus is not simulated.
    pub fn transmit(
        &mut self,
        locus: Locus,
        genotype: Genotype,
        sex: ParentSex,
    ) -> Option<(Allele, bool)> {
        let slot = self.slot_of.get(locus.index()).copied().flatten()?;
        Some(self.transmit_slot(slot, genotype, sex_index(sex)))
    }

    /// An `(adult, child)` pair in the given relationship, built from the smallest real
    /// pedigree, for calibrating a statistic against one alternative at a time.
    ///
    /// - parent–child: the adult (transmitting with `adult_sex`'s rate) and an unrelated
    ///   untyped partner are the child's parents.
    /// - grandparent: the adult and a partner have the child's parent, who has the child with
    ///   an unrelated partner. The intermediate parent's sex (maternal or paternal side) is
    ///   drawn 50:50.
    /// - avuncular: the adult and the child's parent are full siblings (side drawn 50:50).
    /// - full siblings, half siblings (sharing the parent of sex `adult_sex`), first cousins
    ///   (children of two full siblings), identical (same genome), unrelated (two founders).
    ///
    /// Untyped people are founders, never returned. `adult_sex` only changes which mutation
    /// rate a transmission uses.
    pub fn relative_pair(
        &mut self,
        relationship: Relationship,
        adult_sex: ParentSex,
        adult_id: impl Into<String>,
        child_id: impl Into<String>,
    ) -> (Profile, Profile) {
        let mut scratch = Vec::new();
        let (adult, child) = match relationship {
            Relationship::Unrelated => (self.founder_genome(), self.founder_genome()),
            Relationship::Identical => {
                let g = self.founder_genome();
                (g.clone(), g)
            }
            Relationship::ParentChild => {
                let adult = self.founder_genome();
                let partner = self.founder_genome();
                let child = self.child_of(&adult, adult_sex, &partner, &mut scratch);
                (adult, child)
            }
            Relationship::FullSiblings => {
                let (f, m) = (self.founder_genome(), self.founder_genome());
                let adult = self.child_genome(&f, &m, &mut scratch);
                let child = self.child_genome(&f, &m, &mut scratch);
                (adult, child)
            }
            Relationship::HalfSiblings => {
                let shared = self.founder_genome();
                let (p1, p2) = (self.founder_genome(), self.founder_genome());
                let adult = self.child_of(&shared, adult_sex, &p1, &mut scratch);
                let child = self.child_of(&shared, adult_sex, &p2, &mut scratch);
                (adult, child)
            }
            Relationship::Grandparent => {
                let adult = self.founder_genome();
                let partner = self.founder_genome();
                let parent = self.child_of(&adult, adult_sex, &partner, &mut scratch);
                let side = self.random_sex();
                let other = self.founder_genome();
                let child = self.child_of(&parent, side, &other, &mut scratch);
                (adult, child)
            }
            Relationship::Avuncular => {
                let (gf, gm) = (self.founder_genome(), self.founder_genome());
                let parent = self.child_genome(&gf, &gm, &mut scratch);
                let adult = self.child_genome(&gf, &gm, &mut scratch);
                let side = self.random_sex();
                let other = self.founder_genome();
                let child = self.child_of(&parent, side, &other, &mut scratch);
                (adult, child)
            }
            Relationship::FirstCousins => {
                let (gf, gm) = (self.founder_genome(), self.founder_genome());
                let s1 = self.child_genome(&gf, &gm, &mut scratch);
                let s2 = self.child_genome(&gf, &gm, &mut scratch);
                let (side1, side2) = (self.random_sex(), self.random_sex());
                let (o1, o2) = (self.founder_genome(), self.founder_genome());
                let adult = self.child_of(&s1, side1, &o1, &mut scratch);
                let child = self.child_of(&s2, side2, &o2, &mut scratch);
                (adult, child)
            }
        };
        (
            self.genome_profile(&adult, adult_id),
            self.genome_profile(&child, child_id),
        )
    }

    /// A partial profile: each locus present in `profile` is removed with probability `rate`
    /// (degraded or low-template samples lose whole loci). Returns the new profile and the
    /// removed loci. A rate of 0 draws no random numbers.
    pub fn dropout(
        &mut self,
        profile: &Profile,
        rate: f64,
    ) -> Result<(Profile, Vec<Locus>), SimError> {
        let rate = probability("locus dropout rate", rate)?;
        let mut out = profile.clone();
        let mut dropped = Vec::new();
        if rate > 0.0 {
            for (locus, _) in profile.calls() {
                if self.rng.random_bool(rate) {
                    dropped.push(locus);
                }
            }
            for &locus in &dropped {
                out.remove(locus);
            }
        }
        Ok((out, dropped))
    }

    /// Typing errors: at each typed locus, with probability `rate`, one of the two alleles
    /// (chosen 50:50) is replaced by a neighbour one repeat longer or shorter (50:50; the other
    /// way if that one does not exist), the commonest miscall (stutter taken for an allele, a
    /// sizing shift). The new allele may be unlisted in the table, and the locus may become
    /// homozygous. Returns the new profile and the changes. A rate of 0 draws no random numbers.
    pub fn genotyping_error(
        &mut self,
        profile: &Profile,
        rate: f64,
    ) -> Result<(Profile, Vec<TypingError>), SimError> {
        let rate = probability("genotyping error rate", rate)?;
        let mut out = profile.clone();
        let mut errors = Vec::new();
        if rate > 0.0 {
            for (locus, genotype) in profile.typed_loci() {
                if !self.rng.random_bool(rate) {
                    continue;
                }
                let [a, b] = genotype.alleles();
                let (changed, kept) = if self.rng.random::<bool>() {
                    (b, a)
                } else {
                    (a, b)
                };
                let up = self.rng.random::<bool>();
                let Some(neighbour) = step(changed, up).or_else(|| step(changed, !up)) else {
                    continue;
                };
                let called = Genotype::new(kept, neighbour);
                out.set_genotype(locus, called);
                errors.push(TypingError {
                    locus,
                    true_genotype: genotype,
                    called,
                });
            }
        }
        Ok((out, errors))
    }

    // ---- genome-level internals: no Profile (BTreeMap) between generations ----

    pub(crate) fn founder_genome(&mut self) -> Genome {
        let rng = &mut self.rng;
        self.slots
            .iter()
            .map(|s| Some(Genotype::new(s.founder.sample(rng), s.founder.sample(rng))))
            .collect()
    }

    pub(crate) fn child_genome(
        &mut self,
        father: &[Option<Genotype>],
        mother: &[Option<Genotype>],
        mutations: &mut Vec<Locus>,
    ) -> Genome {
        let mut child = Vec::with_capacity(self.slots.len());
        for slot in 0..self.slots.len() {
            child.push(match (father[slot], mother[slot]) {
                (Some(f), Some(m)) => {
                    let (a, mutated_a) = self.transmit_slot(slot, f, MALE);
                    let (b, mutated_b) = self.transmit_slot(slot, m, FEMALE);
                    let locus = self.slots[slot].locus;
                    if mutated_a {
                        mutations.push(locus);
                    }
                    if mutated_b {
                        mutations.push(locus);
                    }
                    Some(Genotype::new(a, b))
                }
                _ => None,
            });
        }
        child
    }

    /// A child of `parent` (transmitting as `sex`) and `partner` (the other sex).
    pub(crate) fn child_of(
        &mut self,
        parent: &[Option<Genotype>],
        sex: ParentSex,
        partner: &[Option<Genotype>],
        mutations: &mut Vec<Locus>,
    ) -> Genome {
        match sex {
            ParentSex::Male => self.child_genome(parent, partner, mutations),
            ParentSex::Female => self.child_genome(partner, parent, mutations),
        }
    }

    pub(crate) fn random_sex(&mut self) -> ParentSex {
        if self.rng.random::<bool>() {
            ParentSex::Female
        } else {
            ParentSex::Male
        }
    }

    pub(crate) fn genome_of(&self, profile: &Profile) -> Genome {
        self.slots
            .iter()
            .map(|s| profile.genotype(s.locus))
            .collect()
    }

    pub(crate) fn genome_profile(
        &self,
        genome: &[Option<Genotype>],
        sample_id: impl Into<String>,
    ) -> Profile {
        let mut profile = Profile::new(sample_id);
        for (slot, genotype) in self.slots.iter().zip(genome) {
            if let Some(g) = genotype {
                profile.set_genotype(slot.locus, *g);
            }
        }
        profile
    }

    fn transmit_slot(&mut self, slot: usize, genotype: Genotype, sex: usize) -> (Allele, bool) {
        let [a, b] = genotype.alleles();
        let from = if self.rng.random::<bool>() { b } else { a };
        let s = &self.slots[slot];
        let row = match s.alleles.binary_search(&from) {
            Ok(i) => &s.rows[sex][i],
            Err(_) => {
                let (model, table, locus) = (&self.model, self.table, s.locus);
                let parent_sex = if sex == MALE {
                    ParentSex::Male
                } else {
                    ParentSex::Female
                };
                // The model was validated in the constructor, so its rows are stochastic; the
                // identity fallback only guards against a future model bug.
                self.unlisted.entry((slot, sex, from)).or_insert_with(|| {
                    Row::build(model, table, locus, parent_sex, from)
                        .unwrap_or_else(|_| Row::identity())
                })
            }
        };
        match &row.mutate {
            Some(mutate) if self.rng.random::<f64>() >= row.stay => {
                (mutate.sample(&mut self.rng), true)
            }
            _ => (from, false),
        }
    }
}

/// The allele one repeat longer (`up`) or shorter, if it is a valid allele.
fn step(allele: Allele, up: bool) -> Option<Allele> {
    let t = allele.tenths();
    let t = if up {
        t.checked_add(10)?
    } else {
        t.checked_sub(10)?
    };
    Allele::from_tenths(t).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use lazo_genetics::{FrequencyTableBuilder, MinFrequency};

    fn a(s: &str) -> Allele {
        Allele::parse(s).unwrap()
    }

    fn table() -> FrequencyTable {
        let mut b = FrequencyTableBuilder::new();
        for (locus, alleles) in [
            ("TH01", &[("6", 0.2), ("7", 0.2), ("9.3", 0.6)][..]),
            ("FGA", &[("20", 0.5), ("21", 0.3), ("22", 0.2)][..]),
        ] {
            for (allele, f) in alleles {
                b.add(Locus::parse(locus).unwrap(), a(allele), *f, Some(200))
                    .unwrap();
            }
        }
        b.build("t", MinFrequency::default()).unwrap().0
    }

    #[test]
    fn default_loci_are_codis_core_in_the_table() {
        let t = table();
        let sim = Simulator::seeded(&t, &MutationModel::parse("equal:0.002").unwrap(), 1).unwrap();
        let names: Vec<_> = sim.loci().iter().map(|l| l.name()).collect();
        assert_eq!(names, ["FGA", "TH01"]);
    }

    #[test]
    fn rejects_loci_without_frequencies() {
        let t = table();
        let m = MutationModel::parse("equal:0.002").unwrap();
        let err = Simulator::with_loci(
            &t,
            &m,
            [Locus::parse("D8S1179").unwrap()],
            ChaCha8Rng::seed_from_u64(1),
        )
        .unwrap_err();
        assert_eq!(err, SimError::LocusNotInTable(Locus::parse("D8").unwrap()));
        assert_eq!(
            Simulator::with_loci(&t, &m, [], ChaCha8Rng::seed_from_u64(1)).unwrap_err(),
            SimError::NoLoci
        );
    }

    #[test]
    fn child_lacks_loci_a_parent_lacks() {
        let t = table();
        let mut sim = Simulator::seeded(&t, &MutationModel::parse("equal:0").unwrap(), 3).unwrap();
        let f = sim.founder("F");
        let mut m = sim.founder("M");
        m.remove(Locus::parse("TH01").unwrap());
        let (c, mutations) = sim.child("C", &f, &m);
        assert!(mutations.is_empty());
        assert_eq!(
            c.typed_loci().map(|(l, _)| l.name()).collect::<Vec<_>>(),
            ["FGA"]
        );
        assert_eq!(c.sample_id, "C");
    }

    #[test]
    fn unlisted_parental_allele_can_be_transmitted_and_mutated() {
        let t = table();
        let mut sim =
            Simulator::seeded(&t, &MutationModel::parse("equal:0.1").unwrap(), 5).unwrap();
        let th01 = Locus::parse("TH01").unwrap();
        let g = Genotype::homozygote(a("11"));
        let mut mutated = 0;
        for _ in 0..2000 {
            let (allele, m) = sim.transmit(th01, g, ParentSex::Male).unwrap();
            if m {
                mutated += 1;
                assert_ne!(allele, a("11"));
            } else {
                assert_eq!(allele, a("11"));
            }
        }
        // 2000 transmissions at rate 0.1: 200 ± 13.4.
        assert!((130..270).contains(&mutated), "{mutated}");
        assert!(
            sim.transmit(Locus::parse("D8S1179").unwrap(), g, ParentSex::Male)
                .is_none()
        );
    }

    #[test]
    fn degradations_report_what_they_changed() {
        let t = table();
        let mut sim =
            Simulator::seeded(&t, &MutationModel::parse("equal:0.002").unwrap(), 9).unwrap();
        let p = sim.founder("P");
        assert_eq!(sim.dropout(&p, 0.0).unwrap(), (p.clone(), vec![]));
        let (empty, dropped) = sim.dropout(&p, 1.0).unwrap();
        assert_eq!(empty.typed_locus_count(), 0);
        assert_eq!(dropped.len(), 2);
        assert!(sim.dropout(&p, 1.5).is_err());
        assert!(sim.genotyping_error(&p, f64::NAN).is_err());

        let (wrong, errors) = sim.genotyping_error(&p, 1.0).unwrap();
        assert_eq!(errors.len(), 2);
        for e in &errors {
            assert_eq!(p.genotype(e.locus), Some(e.true_genotype));
            assert_eq!(wrong.genotype(e.locus), Some(e.called));
            // Exactly one allele moved by exactly one repeat.
            let [x, y] = e.true_genotype.alleles();
            let moved = |kept: Allele, changed: Allele| {
                [step(changed, true), step(changed, false)]
                    .into_iter()
                    .flatten()
                    .any(|n| Genotype::new(kept, n) == e.called)
            };
            assert!(moved(x, y) || moved(y, x), "{e:?}");
        }
    }

    #[test]
    fn step_stays_in_range() {
        assert_eq!(step(a("1"), false), None);
        assert_eq!(step(a("1"), true), Some(a("2")));
        assert_eq!(step(a("9.3"), false), Some(a("8.3")));
        assert_eq!(step(a("99"), true), None);
    }
}
