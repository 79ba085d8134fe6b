//! Border-intake scenarios: a cohort of family units as presented, with the hidden truth.
//!
//! A unit is one or two adults claiming to be the parents of one to four children. Most are
//! genuine; some are not, and those are built from a real pedigree so that the adult's true
//! relationship to the children is exactly the one named in the truth record (an aunt is a
//! full sibling of the children's parent, a grandparent is a parent of that parent).
//!
//! The presented shape of a unit (number of adults, their roles, number of children) is drawn
//! from the same distributions whatever the unit's kind, so that only the genetics can tell a
//! genuine unit from an impostor — except recycled-child units, which always present one child
//! (see [`UnitKind::RecycledChild`]).

use lazo_genetics::{FrequencyTable, Locus, Profile};
use lazo_kinship::{FamilyUnit, MutationModel, ParentSex, Relationship, Role};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::SimError;
use crate::simulator::{Genome, Simulator, probability};

/// What a unit really is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Every adult is a biological parent of every child, and the children are full siblings.
    Genuine,
    /// A claimed parent is unrelated to the children (the children are full siblings of each
    /// other). In two-adult units the other adult is a genuine parent.
    UnrelatedAdult,
    /// The children's grandparent (both grandparents in two-adult units) poses as parent.
    Grandparent,
    /// A full sibling of one of the children's parents (an aunt or uncle) poses as parent; in
    /// two-adult units with an unrelated partner.
    Avuncular,
    /// An older full sibling of the children poses as parent; in two-adult units with an
    /// unrelated partner.
    OlderSibling,
    /// A child already presented in an earlier unit of the cohort, sampled again under a new
    /// sample id with one or two adults unrelated to them. Always exactly one child.
    RecycledChild,
}

impl UnitKind {
    pub const ALL: [UnitKind; 6] = [
        UnitKind::Genuine,
        UnitKind::UnrelatedAdult,
        UnitKind::Grandparent,
        UnitKind::Avuncular,
        UnitKind::OlderSibling,
        UnitKind::RecycledChild,
    ];

    /// Whether the unit is what it claims to be: every claimed parent–child relationship true.
    pub fn is_family(self) -> bool {
        self == UnitKind::Genuine
    }

    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Genuine => "genuine",
            UnitKind::UnrelatedAdult => "unrelated_adult",
            UnitKind::Grandparent => "grandparent",
            UnitKind::Avuncular => "avuncular",
            UnitKind::OlderSibling => "older_sibling",
            UnitKind::RecycledChild => "recycled_child",
        }
    }
}

/// Relative weights of the kinds of non-family unit (normalised; they need not sum to 1).
///
/// The defaults — unrelated adult 60 %, a relative posing as parent 30 % (10 % each for
/// grandparent, aunt or uncle, older sibling), recycled child 10 % — are modelling
/// assumptions chosen to exercise every alternative, not published figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NonFamilyMix {
    pub unrelated_adult: f64,
    pub grandparent: f64,
    pub avuncular: f64,
    pub older_sibling: f64,
    pub recycled_child: f64,
}

impl Default for NonFamilyMix {
    fn default() -> Self {
        NonFamilyMix {
            unrelated_adult: 0.6,
            grandparent: 0.1,
            avuncular: 0.1,
            older_sibling: 0.1,
            recycled_child: 0.1,
        }
    }
}

impl NonFamilyMix {
    fn weights(&self) -> [(UnitKind, f64); 5] {
        [
            (UnitKind::UnrelatedAdult, self.unrelated_adult),
            (UnitKind::Grandparent, self.grandparent),
            (UnitKind::Avuncular, self.avuncular),
            (UnitKind::OlderSibling, self.older_sibling),
            (UnitKind::RecycledChild, self.recycled_child),
        ]
    }
}

/// A scenario: how many units, how many of them are not families, and the shapes of units.
///
/// The default 522 units of which 79 are not families are the scenario's headline numbers;
/// the remaining defaults (mix of non-family kinds, 30 % two-adult units, one-adult units 60 %
/// mothers, children per unit 1–4 weighted 45/30/17/8) are modelling assumptions, not
/// published figures. Counts of genuine and non-family units, and of each non-family kind, are
/// exact (largest-remainder rounding), not random; which units they are is random.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScenarioConfig {
    pub units: usize,
    /// Units that are not what they claim.
    pub not_family: usize,
    pub non_family_mix: NonFamilyMix,
    /// Probability that a unit presents two adults (mother and father) rather than one.
    pub two_parent_share: f64,
    /// Probability that the adult of a one-adult unit presents as the mother.
    pub mother_share_one_parent: f64,
    /// Relative weights of 1, 2, 3, … children per unit.
    pub children_weights: Vec<f64>,
    /// Per-locus probability that a sample loses a locus (partial profiles).
    pub locus_dropout: f64,
    /// Per-locus probability of a one-repeat typing error in a sample.
    pub genotyping_error: f64,
    /// Loci to simulate; `None` for the CODIS core loci the table has.
    pub loci: Option<Vec<Locus>>,
    pub seed: u64,
}

impl Default for ScenarioConfig {
    fn default() -> Self {
        ScenarioConfig {
            units: 522,
            not_family: 79,
            non_family_mix: NonFamilyMix::default(),
            two_parent_share: 0.3,
            mother_share_one_parent: 0.6,
            children_weights: vec![0.45, 0.30, 0.17, 0.08],
            locus_dropout: 0.0,
            genotyping_error: 0.0,
            loci: None,
            seed: 0,
        }
    }
}

impl ScenarioConfig {
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |why: String| Err(SimError::InvalidScenario(why));
        if self.units == 0 {
            return bad("a scenario needs at least one unit".into());
        }
        if self.not_family > self.units {
            return bad(format!(
                "{} non-family units out of {} units",
                self.not_family, self.units
            ));
        }
        probability("two-parent share", self.two_parent_share)?;
        probability(
            "mother share of one-parent units",
            self.mother_share_one_parent,
        )?;
        probability("locus dropout rate", self.locus_dropout)?;
        probability("genotyping error rate", self.genotyping_error)?;
        let weights_ok =
            |w: &[f64]| w.iter().all(|x| x.is_finite() && *x >= 0.0) && w.iter().sum::<f64>() > 0.0;
        if !weights_ok(&self.children_weights) {
            return bad("children weights must be non-negative with a positive sum".into());
        }
        let mix: Vec<f64> = self
            .non_family_mix
            .weights()
            .iter()
            .map(|(_, w)| *w)
            .collect();
        if self.not_family > 0 && !weights_ok(&mix) {
            return bad("non-family mix weights must be non-negative with a positive sum".into());
        }
        Ok(())
    }

    /// Exact number of units of each kind, in `UnitKind::ALL` order.
    pub fn kind_counts(&self) -> Result<Vec<(UnitKind, usize)>, SimError> {
        self.validate()?;
        let mut counts = vec![(UnitKind::Genuine, self.units - self.not_family)];
        if self.not_family > 0 {
            let mix = self.non_family_mix.weights();
            let split = largest_remainder(self.not_family, &mix.map(|(_, w)| w));
            counts.extend(mix.iter().zip(split).map(|((k, _), n)| (*k, n)));
        } else {
            counts.extend(self.non_family_mix.weights().iter().map(|(k, _)| (*k, 0)));
        }
        let recycled = counts
            .iter()
            .find(|(k, _)| *k == UnitKind::RecycledChild)
            .map_or(0, |(_, n)| *n);
        if recycled > 0 && recycled == self.units {
            return Err(SimError::InvalidScenario(
                "recycled-child units need at least one earlier unit that is not one".into(),
            ));
        }
        Ok(counts)
    }
}

/// Splits `total` in proportion to `weights` (positive sum), rounding by largest remainder so
/// the parts sum to `total` exactly; ties go to the earlier weight.
fn largest_remainder(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let assigned: usize = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .total_cmp(&(exact[a] - exact[a].floor()))
            .then(a.cmp(&b))
    });
    for &i in order.iter().cycle().take(total.saturating_sub(assigned)) {
        parts[i] += 1;
    }
    parts
}

/// The role a sampled person is presented in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    Mother,
    Father,
    Child,
}

impl MemberRole {
    /// As written in the units CSV.
    pub fn name(self) -> &'static str {
        match self {
            MemberRole::Mother => "mother",
            MemberRole::Father => "father",
            MemberRole::Child => "child",
        }
    }

    pub fn parent_role(self) -> Option<Role> {
        match self {
            MemberRole::Mother => Some(Role::Mother),
            MemberRole::Father => Some(Role::Father),
            MemberRole::Child => None,
        }
    }
}

impl From<Role> for MemberRole {
    fn from(role: Role) -> MemberRole {
        match role {
            Role::Mother => MemberRole::Mother,
            Role::Father => MemberRole::Father,
        }
    }
}

/// One row of the units file: a sample presented in a unit, in a role.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitMember {
    pub unit_id: String,
    pub sample_id: String,
    pub role: MemberRole,
}

/// The true relationship of one presented adult to the unit's children.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdultTruth {
    pub sample_id: String,
    pub role: Role,
    /// `parent-child`, `grandparent`, `avuncular`, `full-siblings` or `unrelated` (the adult
    /// is the first person of the relationship).
    pub relationship: Relationship,
}

/// The hidden truth about one unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitTruth {
    pub unit_id: String,
    pub kind: UnitKind,
    /// A sentence for people reading results: who the adults really are, recycled origin,
    /// and any mutated transmission to a presented child.
    pub detail: String,
    /// For a recycled child: the earlier unit and the sample id the child had there.
    pub recycled_from: Option<(String, String)>,
    pub adults: Vec<AdultTruth>,
}

/// A child presented a second time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecycledChild {
    /// The new sample id.
    pub sample_id: String,
    /// Identifies the person across presentations (`P` + the first sample id's number).
    pub person_id: String,
    pub earlier_unit_id: String,
    pub earlier_sample_id: String,
}

/// A simulated cohort: what a caseworker would receive (`profiles`, `members`) and the truth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    /// Every sampled profile, sorted by sample id.
    pub profiles: Vec<Profile>,
    /// Unit membership in unit order; within a unit mother, father, then children.
    pub members: Vec<UnitMember>,
    /// One record per unit, in unit order.
    pub truth: Vec<UnitTruth>,
    pub recycled: Vec<RecycledChild>,
}

/// Header of the units CSV that [`Cohort::unit_rows`] fills.
pub const UNITS_CSV_HEADER: [&str; 3] = ["unit_id", "sample_id", "role"];

/// One unit as presented, with its truth.
#[derive(Clone, Debug)]
pub struct PresentedUnit<'a> {
    pub unit_id: &'a str,
    pub mother: Option<&'a Profile>,
    pub father: Option<&'a Profile>,
    pub children: Vec<&'a Profile>,
    pub truth: &'a UnitTruth,
}

impl<'a> PresentedUnit<'a> {
    /// The unit as the kinship analysis takes it.
    pub fn family_unit(&self) -> FamilyUnit<'a> {
        FamilyUnit {
            id: self.unit_id.to_string(),
            mother: self.mother,
            father: self.father,
            children: self.children.clone(),
        }
    }
}

impl Cohort {
    /// Rows of the units CSV (`unit_id,sample_id,role`; see [`UNITS_CSV_HEADER`]).
    pub fn unit_rows(&self) -> impl Iterator<Item = [&str; 3]> + '_ {
        self.members
            .iter()
            .map(|m| [m.unit_id.as_str(), m.sample_id.as_str(), m.role.name()])
    }

    pub fn profile(&self, sample_id: &str) -> Option<&Profile> {
        self.profiles
            .binary_search_by(|p| p.sample_id.as_str().cmp(sample_id))
            .ok()
            .map(|i| &self.profiles[i])
    }

    pub fn truth_of(&self, unit_id: &str) -> Option<&UnitTruth> {
        self.truth.iter().find(|t| t.unit_id == unit_id)
    }

    /// The units in order, with their profiles resolved.
    pub fn units(&self) -> impl Iterator<Item = PresentedUnit<'_>> + '_ {
        self.members
            .chunk_by(|a, b| a.unit_id == b.unit_id)
            .zip(&self.truth)
            .map(|(members, truth)| {
                let mut unit = PresentedUnit {
                    unit_id: truth.unit_id.as_str(),
                    mother: None,
                    father: None,
                    children: Vec::new(),
                    truth,
                };
                for m in members {
                    let Some(p) = self.profile(&m.sample_id) else {
                        continue;
                    };
                    match m.role {
                        MemberRole::Mother => unit.mother = Some(p),
                        MemberRole::Father => unit.father = Some(p),
                        MemberRole::Child => unit.children.push(p),
                    }
                }
                unit
            })
    }

    /// Number of units of each kind, in `UnitKind::ALL` order.
    pub fn kind_counts(&self) -> Vec<(UnitKind, usize)> {
        UnitKind::ALL
            .iter()
            .map(|k| (*k, self.truth.iter().filter(|t| t.kind == *k).count()))
            .collect()
    }
}

// ---- construction ----

struct PlannedAdult {
    role: Role,
    sample: usize,
    relationship: Relationship,
}

struct PlannedUnit {
    kind: UnitKind,
    adults: Vec<PlannedAdult>,
    children: Vec<usize>,
    detail: String,
    /// Earlier unit index and sample index of a recycled child.
    recycled_from: Option<(usize, usize)>,
    /// Mutated transmissions into presented children: (child sample index, locus).
    mutations: Vec<(usize, Locus)>,
}

/// Sampled children of one unit and the mutated transmissions into them.
struct Kids {
    samples: Vec<usize>,
    /// (child sample index, locus)
    mutations: Vec<(usize, Locus)>,
}

/// A child as first presented: kept so the child can be presented again.
struct PoolChild {
    unit: usize,
    sample: usize,
    genome: Genome,
}

struct Builder<'t, 'c> {
    sim: Simulator<'t>,
    config: &'c ScenarioConfig,
    samples: Vec<Profile>,
    units: Vec<PlannedUnit>,
    pool: Vec<PoolChild>,
}

fn other(role: Role) -> Role {
    match role {
        Role::Mother => Role::Father,
        Role::Father => Role::Mother,
    }
}

/// "mother"/"father", "grandmother"/"grandfather", … for the sex of a role.
fn word(role: Role, female: &'static str, male: &'static str) -> &'static str {
    match role {
        Role::Mother => female,
        Role::Father => male,
    }
}

fn side(parent_sex: ParentSex) -> &'static str {
    match parent_sex {
        ParentSex::Female => "maternal",
        ParentSex::Male => "paternal",
    }
}

fn parent_word(parent_sex: ParentSex) -> &'static str {
    match parent_sex {
        ParentSex::Female => "mother",
        ParentSex::Male => "father",
    }
}

impl Builder<'_, '_> {
    fn rng(&mut self) -> &mut ChaCha8Rng {
        self.sim.rng()
    }

    fn two_adults(&mut self) -> bool {
        let p = self.config.two_parent_share;
        self.rng().random_bool(p)
    }

    fn one_parent_role(&mut self) -> Role {
        let p = self.config.mother_share_one_parent;
        if self.rng().random_bool(p) {
            Role::Mother
        } else {
            Role::Father
        }
    }

    fn coin_role(&mut self) -> Role {
        if self.rng().random::<bool>() {
            Role::Mother
        } else {
            Role::Father
        }
    }

    fn child_count(&mut self) -> usize {
        let weights = &self.config.children_weights;
        let total: f64 = weights.iter().sum();
        let mut u = self.sim.rng().random::<f64>() * total;
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i + 1;
            }
            u -= w;
        }
        // Rounding left `u` just past the last positive weight.
        weights.iter().rposition(|w| *w > 0.0).map_or(1, |i| i + 1)
    }

    /// Samples a person: a profile of the genome with the configured degradations applied
    /// independently to this sample.
    fn sample(&mut self, genome: &Genome) -> Result<usize, SimError> {
        let mut profile = self.sim.genome_profile(genome, String::new());
        if self.config.locus_dropout > 0.0 {
            profile = self.sim.dropout(&profile, self.config.locus_dropout)?.0;
        }
        if self.config.genotyping_error > 0.0 {
            profile = self
                .sim
                .genotyping_error(&profile, self.config.genotyping_error)?
                .0;
        }
        self.samples.push(profile);
        Ok(self.samples.len() - 1)
    }

    fn adult(
        &mut self,
        role: Role,
        genome: &Genome,
        relationship: Relationship,
    ) -> Result<PlannedAdult, SimError> {
        Ok(PlannedAdult {
            role,
            sample: self.sample(genome)?,
            relationship,
        })
    }

    /// `n` full-sibling children of `father` and `mother`, sampled and added to the pool.
    fn children(&mut self, father: &Genome, mother: &Genome) -> Result<Kids, SimError> {
        let n = self.child_count();
        let unit = self.units.len();
        let mut samples = Vec::with_capacity(n);
        let mut mutations = Vec::new();
        for _ in 0..n {
            let mut loci = Vec::new();
            let genome = self.sim.child_genome(father, mother, &mut loci);
            let sample = self.sample(&genome)?;
            mutations.extend(loci.into_iter().map(|l| (sample, l)));
            samples.push(sample);
            self.pool.push(PoolChild {
                unit,
                sample,
                genome,
            });
        }
        Ok(Kids { samples, mutations })
    }

    /// Children of `parent` (of sex `parent_sex`) and an untyped unrelated partner.
    fn children_of(&mut self, parent: &Genome, parent_sex: ParentSex) -> Result<Kids, SimError> {
        let partner = self.sim.founder_genome();
        match parent_sex {
            ParentSex::Male => self.children(parent, &partner),
            ParentSex::Female => self.children(&partner, parent),
        }
    }

    fn unit(&mut self, kind: UnitKind) -> Result<PlannedUnit, SimError> {
        let two = self.two_adults();
        let planned = |adults, kids: Kids, detail: String| PlannedUnit {
            kind,
            adults,
            children: kids.samples,
            detail,
            recycled_from: None,
            mutations: kids.mutations,
        };
        match kind {
            UnitKind::Genuine => {
                let (f, m) = (self.sim.founder_genome(), self.sim.founder_genome());
                let kids = self.children(&f, &m)?;
                if two {
                    let adults = vec![
                        self.adult(Role::Mother, &m, Relationship::ParentChild)?,
                        self.adult(Role::Father, &f, Relationship::ParentChild)?,
                    ];
                    Ok(planned(
                        adults,
                        kids,
                        "the mother and the father are the children's parents".into(),
                    ))
                } else {
                    let role = self.one_parent_role();
                    let genome = if role == Role::Mother { &m } else { &f };
                    let adults = vec![self.adult(role, genome, Relationship::ParentChild)?];
                    let r = role.name();
                    Ok(planned(
                        adults,
                        kids,
                        format!("the {r} is the children's {r}; the other parent was not sampled"),
                    ))
                }
            }
            UnitKind::UnrelatedAdult => {
                let (f, m) = (self.sim.founder_genome(), self.sim.founder_genome());
                let kids = self.children(&f, &m)?;
                let impostor = self.sim.founder_genome();
                if two {
                    // One true parent travelling with an unrelated partner who claims to be the
                    // other parent: the case where only one claim of the unit is false.
                    let role = self.coin_role();
                    let genuine = if role == Role::Mother { &f } else { &m };
                    let adults = vec![
                        self.adult(role, &impostor, Relationship::Unrelated)?,
                        self.adult(other(role), genuine, Relationship::ParentChild)?,
                    ];
                    let (r, o) = (role.name(), other(role).name());
                    Ok(planned(
                        adults,
                        kids,
                        format!(
                            "the {o} is the children's {o}; the claimed {r} is unrelated to the children"
                        ),
                    ))
                } else {
                    let role = self.one_parent_role();
                    let adults = vec![self.adult(role, &impostor, Relationship::Unrelated)?];
                    Ok(planned(
                        adults,
                        kids,
                        format!("the claimed {} is unrelated to the children", role.name()),
                    ))
                }
            }
            UnitKind::Grandparent => {
                let (gf, gm) = (self.sim.founder_genome(), self.sim.founder_genome());
                let mut scratch = Vec::new();
                let parent = self.sim.child_genome(&gf, &gm, &mut scratch);
                let parent_sex = self.sim.random_sex();
                let kids = self.children_of(&parent, parent_sex)?;
                let (s, p) = (side(parent_sex), parent_word(parent_sex));
                if two {
                    let adults = vec![
                        self.adult(Role::Mother, &gm, Relationship::Grandparent)?,
                        self.adult(Role::Father, &gf, Relationship::Grandparent)?,
                    ];
                    Ok(planned(
                        adults,
                        kids,
                        format!(
                            "the claimed parents are the children's {s} grandparents (their {p}'s parents)"
                        ),
                    ))
                } else {
                    let role = self.one_parent_role();
                    let genome = if role == Role::Mother { &gm } else { &gf };
                    let adults = vec![self.adult(role, genome, Relationship::Grandparent)?];
                    let g = word(role, "grandmother", "grandfather");
                    Ok(planned(
                        adults,
                        kids,
                        format!(
                            "the claimed {} is the children's {s} {g} (their {p}'s {})",
                            role.name(),
                            role.name()
                        ),
                    ))
                }
            }
            UnitKind::Avuncular => {
                let (gf, gm) = (self.sim.founder_genome(), self.sim.founder_genome());
                let mut scratch = Vec::new();
                let parent = self.sim.child_genome(&gf, &gm, &mut scratch);
                let relative = self.sim.child_genome(&gf, &gm, &mut scratch);
                let parent_sex = self.sim.random_sex();
                let kids = self.children_of(&parent, parent_sex)?;
                let role = if two {
                    self.coin_role()
                } else {
                    self.one_parent_role()
                };
                let (s, p) = (side(parent_sex), parent_word(parent_sex));
                let (au, sib) = (word(role, "aunt", "uncle"), word(role, "sister", "brother"));
                let mut adults = vec![self.adult(role, &relative, Relationship::Avuncular)?];
                let mut detail = format!(
                    "the claimed {} is the children's {s} {au} (their {p}'s full {sib})",
                    role.name()
                );
                if two {
                    let partner = self.sim.founder_genome();
                    adults.push(self.adult(other(role), &partner, Relationship::Unrelated)?);
                    detail.push_str(&format!(
                        "; the claimed {} is an unrelated partner",
                        other(role).name()
                    ));
                }
                Ok(planned(adults, kids, detail))
            }
            UnitKind::OlderSibling => {
                let (f, m) = (self.sim.founder_genome(), self.sim.founder_genome());
                let mut scratch = Vec::new();
                let older = self.sim.child_genome(&f, &m, &mut scratch);
                let kids = self.children(&f, &m)?;
                let role = if two {
                    self.coin_role()
                } else {
                    self.one_parent_role()
                };
                let mut adults = vec![self.adult(role, &older, Relationship::FullSiblings)?];
                let mut detail = format!(
                    "the claimed {} is the children's older full {}",
                    role.name(),
                    word(role, "sister", "brother")
                );
                if two {
                    let partner = self.sim.founder_genome();
                    adults.push(self.adult(other(role), &partner, Relationship::Unrelated)?);
                    detail.push_str(&format!(
                        "; the claimed {} is an unrelated partner",
                        other(role).name()
                    ));
                }
                Ok(planned(adults, kids, detail))
            }
            UnitKind::RecycledChild => {
                if self.pool.is_empty() {
                    return Err(SimError::InvalidScenario(
                        "a recycled child needs an earlier unit".into(),
                    ));
                }
                let pool_len = self.pool.len();
                let pick = self.rng().random_range(0..pool_len);
                let (earlier_unit, earlier_sample) = (self.pool[pick].unit, self.pool[pick].sample);
                let genome = self.pool[pick].genome.clone();
                let child = self.sample(&genome)?;
                let roles: Vec<Role> = if two {
                    vec![Role::Mother, Role::Father]
                } else {
                    vec![self.one_parent_role()]
                };
                let mut adults = Vec::new();
                for role in roles {
                    let stranger = self.sim.founder_genome();
                    adults.push(self.adult(role, &stranger, Relationship::Unrelated)?);
                }
                let detail = if two {
                    "the claimed parents are unrelated to the child"
                } else {
                    "the claimed parent is unrelated to the child"
                };
                let mut unit = planned(
                    adults,
                    Kids {
                        samples: vec![child],
                        mutations: Vec::new(),
                    },
                    detail.into(),
                );
                unit.recycled_from = Some((earlier_unit, earlier_sample));
                Ok(unit)
            }
        }
    }
}

fn digits(n: usize) -> usize {
    n.max(1).ilog10() as usize + 1
}

/// Simulates a cohort of family units as presented at intake, with the truth.
///
/// Deterministic in `(table, mutation, config)`: the whole cohort comes from one `ChaCha8Rng`
/// seeded with `config.seed`. Sample ids are a random permutation of `S000001…`, so neither
/// their order nor their numbers reveal a unit's kind or a recycled child's history; unit ids
/// are `U0001…` in unit order.
pub fn simulate_scenario(
    table: &FrequencyTable,
    mutation: &MutationModel,
    config: &ScenarioConfig,
) -> Result<Cohort, SimError> {
    let counts = config.kind_counts()?;
    let rng = ChaCha8Rng::seed_from_u64(config.seed);
    let sim = match &config.loci {
        Some(loci) => Simulator::with_loci(table, mutation, loci.iter().copied(), rng)?,
        None => Simulator::new(table, mutation, rng)?,
    };
    let mut b = Builder {
        sim,
        config,
        samples: Vec::new(),
        units: Vec::with_capacity(config.units),
        pool: Vec::new(),
    };

    let mut kinds: Vec<UnitKind> = counts
        .iter()
        .flat_map(|(k, n)| std::iter::repeat_n(*k, *n))
        .collect();
    kinds.shuffle(b.rng());
    // A recycled child needs an earlier unit to come from.
    if kinds.first() == Some(&UnitKind::RecycledChild)
        && let Some(i) = kinds.iter().position(|k| *k != UnitKind::RecycledChild)
    {
        kinds.swap(0, i);
    }
    for kind in kinds {
        let unit = b.unit(kind)?;
        b.units.push(unit);
    }

    // Opaque sample ids: a random permutation of 1..=n.
    let n = b.samples.len();
    let mut numbers: Vec<usize> = (1..=n).collect();
    numbers.shuffle(b.rng());
    let width = digits(n).max(6);
    let ids: Vec<String> = numbers.iter().map(|k| format!("S{k:0width$}")).collect();
    let unit_width = digits(config.units).max(4);
    let unit_ids: Vec<String> = (1..=b.units.len())
        .map(|k| format!("U{k:0unit_width$}"))
        .collect();

    let mut members = Vec::with_capacity(n);
    let mut truth = Vec::with_capacity(b.units.len());
    let mut recycled = Vec::new();
    for (u, unit) in b.units.iter_mut().enumerate() {
        let unit_id = &unit_ids[u];
        unit.adults.sort_by_key(|a| a.role == Role::Father);
        for a in &unit.adults {
            members.push(UnitMember {
                unit_id: unit_id.clone(),
                sample_id: ids[a.sample].clone(),
                role: a.role.into(),
            });
        }
        for &c in &unit.children {
            members.push(UnitMember {
                unit_id: unit_id.clone(),
                sample_id: ids[c].clone(),
                role: MemberRole::Child,
            });
        }
        let mut detail = unit.detail.clone();
        let recycled_from = unit.recycled_from.map(|(eu, es)| {
            let (child, earlier_unit, earlier_sample) = (&ids[unit.children[0]], &unit_ids[eu], &ids[es]);
            detail = format!("child {child} was already presented in unit {earlier_unit} as {earlier_sample}; {detail}");
            recycled.push(RecycledChild {
                sample_id: child.clone(),
                person_id: format!("P{}", &earlier_sample[1..]),
                earlier_unit_id: earlier_unit.clone(),
                earlier_sample_id: earlier_sample.clone(),
            });
            (earlier_unit.clone(), earlier_sample.clone())
        });
        if !unit.mutations.is_empty() {
            let list: Vec<String> = unit
                .mutations
                .iter()
                .map(|(s, l)| format!("{l} in {}", ids[*s]))
                .collect();
            detail.push_str(&format!("; mutated transmission: {}", list.join(", ")));
        }
        let adults = unit
            .adults
            .iter()
            .map(|a| AdultTruth {
                sample_id: ids[a.sample].clone(),
                role: a.role,
                relationship: a.relationship,
            })
            .collect();
        truth.push(UnitTruth {
            unit_id: unit_id.clone(),
            kind: unit.kind,
            detail,
            recycled_from,
            adults,
        });
    }

    let mut profiles = b.samples;
    for (profile, id) in profiles.iter_mut().zip(&ids) {
        profile.sample_id = id.clone();
    }
    profiles.sort_by(|x, y| x.sample_id.cmp(&y.sample_id));
    Ok(Cohort {
        profiles,
        members,
        truth,
        recycled,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn largest_remainder_is_exact() {
        assert_eq!(
            largest_remainder(79, &[0.6, 0.1, 0.1, 0.1, 0.1]),
            [47, 8, 8, 8, 8]
        );
        assert_eq!(largest_remainder(3, &[1.0, 1.0, 1.0, 1.0]), [1, 1, 1, 0]);
        assert_eq!(largest_remainder(0, &[1.0, 2.0]), [0, 0]);
        assert_eq!(largest_remainder(10, &[0.0, 1.0]), [0, 10]);
    }

    #[test]
    fn default_kind_counts() {
        let counts = ScenarioConfig::default().kind_counts().unwrap();
        assert_eq!(
            counts,
            [
                (UnitKind::Genuine, 443),
                (UnitKind::UnrelatedAdult, 47),
                (UnitKind::Grandparent, 8),
                (UnitKind::Avuncular, 8),
                (UnitKind::OlderSibling, 8),
                (UnitKind::RecycledChild, 8)
            ]
        );
    }

    #[test]
    fn invalid_configs_are_refused() {
        let base = ScenarioConfig::default;
        for config in [
            ScenarioConfig {
                units: 0,
                not_family: 0,
                ..base()
            },
            ScenarioConfig {
                not_family: 600,
                ..base()
            },
            ScenarioConfig {
                two_parent_share: 1.5,
                ..base()
            },
            ScenarioConfig {
                children_weights: vec![],
                ..base()
            },
            ScenarioConfig {
                children_weights: vec![-1.0, 2.0],
                ..base()
            },
            ScenarioConfig {
                non_family_mix: NonFamilyMix {
                    unrelated_adult: 0.0,
                    grandparent: 0.0,
                    avuncular: 0.0,
                    older_sibling: 0.0,
                    recycled_child: 0.0,
                },
                ..base()
            },
            ScenarioConfig {
                units: 3,
                not_family: 3,
                non_family_mix: NonFamilyMix {
                    unrelated_adult: 0.0,
                    grandparent: 0.0,
                    avuncular: 0.0,
                    older_sibling: 0.0,
                    recycled_child: 1.0,
                },
                ..base()
            },
        ] {
            assert!(config.kind_counts().is_err(), "{config:?}");
        }
    }
}
