//! Genotypes and STR profiles.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Allele, AlleleCall, GeneticsError, Locus};

/// An autosomal genotype: an unordered pair of sized alleles, stored with `first <= second`
/// so that equal genotypes compare equal however they were written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Genotype {
    first: Allele,
    second: Allele,
}

impl Genotype {
    pub fn new(a: Allele, b: Allele) -> Genotype {
        if a <= b {
            Genotype {
                first: a,
                second: b,
            }
        } else {
            Genotype {
                first: b,
                second: a,
            }
        }
    }

    pub fn homozygote(a: Allele) -> Genotype {
        Genotype {
            first: a,
            second: a,
        }
    }

    pub fn alleles(self) -> [Allele; 2] {
        [self.first, self.second]
    }

    pub fn is_homozygous(self) -> bool {
        self.first == self.second
    }

    pub fn contains(self, allele: Allele) -> bool {
        self.first == allele || self.second == allele
    }

    /// Whether the two genotypes have at least one allele in common: a parent and child must,
    /// barring mutation.
    pub fn shares_allele_with(self, other: Genotype) -> bool {
        self.contains(other.first) || self.contains(other.second)
    }
}

impl fmt::Display for Genotype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.first, self.second)
    }
}

impl fmt::Debug for Genotype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Genotype({self})")
    }
}

/// Why a typed locus is kept in the profile but left out of every likelihood.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unusable {
    /// Three or more alleles: a trisomy, a duplication or a mixture. No kinship model covers it.
    TriAllelic,
    /// An off-ladder call: its size, and so its identity with other people's alleles, is unknown.
    OffLadder,
}

/// What a profile says at one locus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocusCall {
    Typed(Genotype),
    Unusable {
        calls: Vec<AlleleCall>,
        reason: Unusable,
    },
    /// Amelogenin or a Y-STR: recorded, never used in autosomal likelihoods.
    NonAutosomal(Vec<AlleleCall>),
}

impl LocusCall {
    /// Interprets the calls written at one locus: one allele is a homozygote, two a genotype
    /// (in either order), three or more distinct alleles a tri-allelic pattern.
    pub fn from_calls(locus: Locus, calls: &[AlleleCall]) -> Result<LocusCall, GeneticsError> {
        if calls.is_empty() {
            return Err(GeneticsError::NoAlleles(locus.name()));
        }
        if !locus.is_autosomal() {
            return Ok(LocusCall::NonAutosomal(calls.to_vec()));
        }
        if calls
            .iter()
            .any(|c| matches!(c, AlleleCall::X | AlleleCall::Y))
        {
            return Err(GeneticsError::MalformedAllele(format!(
                "{} at autosomal locus {}",
                calls
                    .iter()
                    .find(|c| matches!(c, AlleleCall::X | AlleleCall::Y))
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                locus
            )));
        }
        let mut distinct: Vec<AlleleCall> = calls.to_vec();
        distinct.sort();
        distinct.dedup();
        if distinct.len() > 2 {
            return Ok(LocusCall::Unusable {
                calls: calls.to_vec(),
                reason: Unusable::TriAllelic,
            });
        }
        if distinct.iter().any(|c| c.is_off_ladder()) {
            return Ok(LocusCall::Unusable {
                calls: calls.to_vec(),
                reason: Unusable::OffLadder,
            });
        }
        let sized: Vec<Allele> = distinct.iter().filter_map(|c| c.sized()).collect();
        match sized.as_slice() {
            [a] => Ok(LocusCall::Typed(Genotype::homozygote(*a))),
            [a, b] => Ok(LocusCall::Typed(Genotype::new(*a, *b))),
            _ => Err(GeneticsError::NoAlleles(locus.name())),
        }
    }

    /// The calls as they would be written back out.
    pub fn calls(&self) -> Vec<AlleleCall> {
        match self {
            LocusCall::Typed(g) => g.alleles().map(AlleleCall::Sized).to_vec(),
            LocusCall::Unusable { calls, .. } | LocusCall::NonAutosomal(calls) => calls.clone(),
        }
    }
}

/// One person's STR profile: a sample id and what was called at each locus. Loci not typed are
/// simply absent (partial profiles are normal: degraded samples, smaller kits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub sample_id: String,
    calls: BTreeMap<Locus, LocusCall>,
}

impl Profile {
    pub fn new(sample_id: impl Into<String>) -> Profile {
        Profile {
            sample_id: sample_id.into(),
            calls: BTreeMap::new(),
        }
    }

    /// Records the call at a locus; a second call at the same locus is an error (two rows for
    /// one marker usually mean two samples were merged).
    pub fn insert(&mut self, locus: Locus, call: LocusCall) -> Result<(), GeneticsError> {
        if self.calls.contains_key(&locus) {
            return Err(GeneticsError::DuplicateLocus {
                sample: self.sample_id.clone(),
                locus: locus.name(),
            });
        }
        self.calls.insert(locus, call);
        Ok(())
    }

    /// Sets a usable genotype, replacing whatever was there (used by simulators and tests).
    pub fn set_genotype(&mut self, locus: Locus, genotype: Genotype) {
        self.calls.insert(locus, LocusCall::Typed(genotype));
    }

    pub fn remove(&mut self, locus: Locus) -> Option<LocusCall> {
        self.calls.remove(&locus)
    }

    pub fn call(&self, locus: Locus) -> Option<&LocusCall> {
        self.calls.get(&locus)
    }

    /// The genotype usable in autosomal likelihoods, if this locus has one.
    pub fn genotype(&self, locus: Locus) -> Option<Genotype> {
        match self.calls.get(&locus) {
            Some(LocusCall::Typed(g)) => Some(*g),
            _ => None,
        }
    }

    pub fn calls(&self) -> impl Iterator<Item = (Locus, &LocusCall)> {
        self.calls.iter().map(|(l, c)| (*l, c))
    }

    /// Autosomal loci with a usable genotype, in catalogue order.
    pub fn typed_loci(&self) -> impl Iterator<Item = (Locus, Genotype)> + '_ {
        self.calls.iter().filter_map(|(l, c)| match c {
            LocusCall::Typed(g) => Some((*l, *g)),
            _ => None,
        })
    }

    /// Loci present but unusable, with the reason: reported so nobody wonders why a locus the
    /// lab typed did not count.
    pub fn unusable_loci(&self) -> impl Iterator<Item = (Locus, Unusable)> + '_ {
        self.calls.iter().filter_map(|(l, c)| match c {
            LocusCall::Unusable { reason, .. } => Some((*l, *reason)),
            _ => None,
        })
    }

    pub fn typed_locus_count(&self) -> usize {
        self.typed_loci().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(s: &[&str]) -> Vec<AlleleCall> {
        s.iter().map(|c| AlleleCall::parse(c).unwrap()).collect()
    }

    #[test]
    fn homozygote_written_once_or_twice_is_the_same() {
        let l = Locus::parse("TH01").unwrap();
        let once = LocusCall::from_calls(l, &calls(&["9.3"])).unwrap();
        let twice = LocusCall::from_calls(l, &calls(&["9.3", "9.3"])).unwrap();
        assert_eq!(once, twice);
        assert!(matches!(once, LocusCall::Typed(g) if g.is_homozygous()));
    }

    #[test]
    fn allele_order_does_not_matter() {
        let l = Locus::parse("FGA").unwrap();
        assert_eq!(
            LocusCall::from_calls(l, &calls(&["24", "21"])).unwrap(),
            LocusCall::from_calls(l, &calls(&["21", "24"])).unwrap()
        );
    }

    #[test]
    fn tri_allelic_and_off_ladder_are_flagged() {
        let l = Locus::parse("TPOX").unwrap();
        assert!(matches!(
            LocusCall::from_calls(l, &calls(&["8", "9", "10"])).unwrap(),
            LocusCall::Unusable {
                reason: Unusable::TriAllelic,
                ..
            }
        ));
        assert!(matches!(
            LocusCall::from_calls(l, &calls(&["8", "OL"])).unwrap(),
            LocusCall::Unusable {
                reason: Unusable::OffLadder,
                ..
            }
        ));
    }

    #[test]
    fn amelogenin_is_recorded_not_typed() {
        let l = Locus::parse("AMEL").unwrap();
        let call = LocusCall::from_calls(l, &calls(&["X", "Y"])).unwrap();
        assert!(matches!(call, LocusCall::NonAutosomal(_)));
        let mut p = Profile::new("S");
        p.insert(l, call).unwrap();
        assert_eq!(p.typed_locus_count(), 0);
    }

    #[test]
    fn duplicate_locus_is_an_error() {
        let l = Locus::parse("vWA").unwrap();
        let mut p = Profile::new("S");
        p.insert(l, LocusCall::from_calls(l, &calls(&["16", "17"])).unwrap())
            .unwrap();
        assert!(
            p.insert(l, LocusCall::from_calls(l, &calls(&["16"])).unwrap())
                .is_err()
        );
    }
}
