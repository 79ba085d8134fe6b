//! Likelihood ratios for two people (and an undisputed mother): the `lazo lr` computation.

use lazo_genetics::{FrequencyTable, Genotype, Locus, Profile};
use serde::{Deserialize, Deserializer, Serialize};

use crate::pedigree::{LocusModel, Pedigree, locus_likelihood, pair_pedigree};
use crate::{KinshipError, MutationModel, Relationship, pairwise};

/// What every likelihood computation needs besides the profiles.
#[derive(Clone, Copy, Debug)]
pub struct Model<'a> {
    pub table: &'a FrequencyTable,
    /// F_ST / co-ancestry coefficient for the Balding–Nichols correction.
    pub theta: f64,
    pub mutation: Option<&'a MutationModel>,
}

impl<'a> Model<'a> {
    pub fn locus(&self, locus: Locus) -> LocusModel<'a> {
        LocusModel {
            locus,
            table: self.table,
            theta: self.theta,
            mutation: self.mutation,
        }
    }

    pub fn validate(&self) -> Result<(), KinshipError> {
        if !(self.theta.is_finite() && (0.0..0.5).contains(&self.theta)) {
            return Err(KinshipError::InvalidTheta(self.theta));
        }
        if let Some(m) = self.mutation {
            m.validate()?;
        }
        Ok(())
    }
}

/// The LR at one locus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocusLr {
    pub locus: Locus,
    #[serde(deserialize_with = "f64_or_nan")]
    pub lr: f64,
    /// The genotypes are incompatible with the claimed relationship unless a mutation occurred.
    pub inconsistent: bool,
}

/// Why a locus typed in one person did not count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExcludedLocus {
    pub locus: Locus,
    pub reason: String,
}

/// Reads a number that JSON may hold as `null` (serde_json writes infinities and NaN so) as NaN,
/// so a stored report with an overflowed LR still reads back.
pub(crate) fn f64_or_nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// NaN: the value of a number a stored report does not hold.
pub(crate) fn nan() -> f64 {
    f64::NAN
}

/// Per-locus and combined likelihood ratios.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LrResult {
    pub loci: Vec<LocusLr>,
    pub excluded: Vec<ExcludedLocus>,
}

impl LrResult {
    /// The combined LR: the product over loci (loci are unlinked and independent).
    pub fn lr(&self) -> f64 {
        self.loci.iter().map(|l| l.lr).product()
    }

    /// log10 of the combined LR, summed per locus so that very large or small LRs do not
    /// overflow; `None` when the LR is 0 (an exclusion without a mutation model).
    pub fn log10_lr(&self) -> Option<f64> {
        if self.loci.iter().any(|l| l.lr == 0.0) {
            None
        } else {
            Some(self.loci.iter().map(|l| l.lr.log10()).sum())
        }
    }

    pub fn inconsistent_loci(&self) -> Vec<Locus> {
        self.loci
            .iter()
            .filter(|l| l.inconsistent)
            .map(|l| l.locus)
            .collect()
    }

    pub fn loci_used(&self) -> usize {
        self.loci.len()
    }
}

/// Posterior probability of the hypothesis for prior probability `prior`: LR·π / (LR·π + 1 − π).
pub fn posterior(log10_lr: Option<f64>, prior: f64) -> f64 {
    let Some(log_lr) = log10_lr else { return 0.0 };
    if prior <= 0.0 {
        return 0.0;
    }
    if prior >= 1.0 {
        return 1.0;
    }
    // In log space: 1 / (1 + (1−π)/(π·LR)).
    let log_odds = log_lr + (prior / (1.0 - prior)).log10();
    1.0 / (1.0 + 10f64.powf(-log_odds))
}

/// Parent–child inconsistency in a duo: no allele shared.
pub fn duo_inconsistent(parent: Genotype, child: Genotype) -> bool {
    !parent.shares_allele_with(child)
}

/// Trio inconsistency: the child's alleles cannot be split into one from the mother and one
/// from the alleged father.
pub fn trio_inconsistent(father: Genotype, mother: Genotype, child: Genotype) -> bool {
    let [c1, c2] = child.alleles();
    !((father.contains(c1) && mother.contains(c2)) || (father.contains(c2) && mother.contains(c1)))
}

/// The loci a computation uses: typed in every listed person, present in the table, and in
/// `only` when given. Reports the rest with a reason.
pub fn usable_loci(
    people: &[&Profile],
    table: &FrequencyTable,
    only: Option<&[Locus]>,
) -> (Vec<Locus>, Vec<ExcludedLocus>) {
    let mut candidates: std::collections::BTreeSet<Locus> = std::collections::BTreeSet::new();
    for p in people {
        candidates.extend(p.calls().map(|(l, _)| l).filter(|l| l.is_autosomal()));
    }
    if let Some(only) = only {
        candidates.extend(only.iter().copied());
    }
    let mut used = Vec::new();
    let mut excluded = Vec::new();
    for locus in candidates {
        if let Some(only) = only
            && !only.contains(&locus)
        {
            continue;
        }
        let reason = if let Some(p) = people.iter().find(|p| p.call(locus).is_none()) {
            Some(format!("not typed in {}", p.sample_id))
        } else if let Some((p, why)) = people.iter().find_map(|p| {
            p.unusable_loci()
                .find(|(l, _)| *l == locus)
                .map(|(_, why)| (p, why))
        }) {
            Some(format!(
                "{} in {}",
                match why {
                    lazo_genetics::Unusable::TriAllelic => "tri-allelic",
                    lazo_genetics::Unusable::OffLadder => "off-ladder allele",
                },
                p.sample_id
            ))
        } else if !table.has_locus(locus) {
            Some(format!("no frequencies for {locus} in {}", table.name))
        } else {
            None
        };
        match reason {
            Some(reason) => excluded.push(ExcludedLocus { locus, reason }),
            None => used.push(locus),
        }
    }
    (used, excluded)
}

/// The LR of `relationship` between `a` and `b` against their being unrelated. For
/// parent–child, `a` is the alleged parent and `b` the child; `mother`, if given, is the
/// child's undisputed mother (a trio).
pub fn pair_lr(
    a: &Profile,
    b: &Profile,
    relationship: Relationship,
    mother: Option<&Profile>,
    model: &Model<'_>,
    only: Option<&[Locus]>,
) -> Result<LrResult, KinshipError> {
    model.validate()?;
    match (relationship, mother) {
        (Relationship::Unrelated, _) => Err(KinshipError::InvalidPedigree(
            "the LR of 'unrelated' against itself is 1 by definition".into(),
        )),
        (Relationship::ParentChild, Some(mother)) => trio_lr(a, mother, b, model, only),
        // The alleged parent of a duo is placed as father: only the mutation rate depends on
        // it, and the CLI's --mutation sets both rates alike unless told otherwise.
        (Relationship::ParentChild, None) => {
            crate::unit::duo_lr_on(a, b, crate::Role::Father, model, only)
        }
        (_, Some(_)) => Err(KinshipError::InvalidPedigree(
            "--mother applies only to parent-child".into(),
        )),
        (relationship, None) => relative_lr(a, b, relationship, model, only),
    }
}

/// Trio: alleged father, undisputed mother, child.
fn trio_lr(
    father: &Profile,
    mother: &Profile,
    child: &Profile,
    model: &Model<'_>,
    only: Option<&[Locus]>,
) -> Result<LrResult, KinshipError> {
    let (loci, excluded) = usable_loci(&[father, child, mother], model.table, only);
    // H1: the alleged father and the mother are the child's parents. H0: the child's father
    // is an unknown man, unrelated to the alleged father.
    let mut h1 = Pedigree::new();
    let (af, mo) = (h1.add_founder("alleged father"), h1.add_founder("mother"));
    h1.add_child("child", af, mo)?;
    let mut h0 = Pedigree::new();
    h0.add_founder("alleged father");
    let mo0 = h0.add_founder("mother");
    let unknown = h0.add_founder("unknown father");
    h0.add_child("child", unknown, mo0)?;
    let mut out = Vec::with_capacity(loci.len());
    for locus in loci {
        let (Some(gf), Some(gm), Some(gc)) = (
            father.genotype(locus),
            mother.genotype(locus),
            child.genotype(locus),
        ) else {
            continue;
        };
        let lr = match model
            .table
            .dense(locus)
            .filter(|_| crate::fast::covers(model.mutation))
        {
            Some(dense) => crate::fast::trio(dense, locus, gf, gm, gc, model.theta, model.mutation),
            None => {
                let lm = model.locus(locus);
                locus_likelihood(&h1, &[Some(gf), Some(gm), Some(gc)], &lm)
                    / locus_likelihood(&h0, &[Some(gf), Some(gm), None, Some(gc)], &lm)
            }
        };
        out.push(LocusLr {
            locus,
            lr,
            inconsistent: trio_inconsistent(gf, gm, gc),
        });
    }
    Ok(LrResult {
        loci: out,
        excluded,
    })
}

/// Any other pairwise relationship: the IBD formula without mutation, the pedigree engine
/// with it (identity ignores mutation: a twin's somatic mutations are not modelled).
fn relative_lr(
    a: &Profile,
    b: &Profile,
    relationship: Relationship,
    model: &Model<'_>,
    only: Option<&[Locus]>,
) -> Result<LrResult, KinshipError> {
    let (loci, excluded) = usable_loci(&[a, b], model.table, only);
    let pedigrees = match (relationship, model.mutation) {
        (Relationship::Identical, _) | (_, None) => None,
        (r, Some(_)) => Some((pair_pedigree(r)?, pair_pedigree(Relationship::Unrelated)?)),
    };
    let mut out = Vec::with_capacity(loci.len());
    for locus in loci {
        let (Some(ga), Some(gb)) = (a.genotype(locus), b.genotype(locus)) else {
            continue;
        };
        let lr = match &pedigrees {
            Some(((h1, a1, b1), (h0, a0, b0))) => {
                let lm = model.locus(locus);
                two_person(h1, *a1, *b1, ga, gb, &lm) / two_person(h0, *a0, *b0, ga, gb, &lm)
            }
            None => pairwise::locus_lr(
                ga,
                gb,
                |x| model.table.frequency(locus, x),
                relationship.ibd(),
                model.theta,
            ),
        };
        out.push(LocusLr {
            locus,
            lr,
            inconsistent: false,
        });
    }
    Ok(LrResult {
        loci: out,
        excluded,
    })
}

fn two_person(
    pedigree: &Pedigree,
    a: usize,
    b: usize,
    ga: Genotype,
    gb: Genotype,
    model: &LocusModel<'_>,
) -> f64 {
    let mut genotypes = vec![None; pedigree.len()];
    genotypes[a] = Some(ga);
    genotypes[b] = Some(gb);
    locus_likelihood(pedigree, &genotypes, model)
}
