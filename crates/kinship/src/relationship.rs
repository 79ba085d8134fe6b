//! Pairwise relationships and their IBD coefficients.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::KinshipError;

/// A relationship between two people, as the CLI and the reports name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    /// `a` is the parent of `b`.
    ParentChild,
    FullSiblings,
    HalfSiblings,
    /// `a` is a grandparent of `b`.
    Grandparent,
    /// `a` is an aunt or uncle of `b`.
    Avuncular,
    FirstCousins,
    /// Same person, or monozygotic twins.
    Identical,
    Unrelated,
}

impl Relationship {
    pub const ALL: [Relationship; 8] = [
        Relationship::ParentChild,
        Relationship::FullSiblings,
        Relationship::HalfSiblings,
        Relationship::Grandparent,
        Relationship::Avuncular,
        Relationship::FirstCousins,
        Relationship::Identical,
        Relationship::Unrelated,
    ];

    /// Probabilities (k0, k1, k2) that the pair shares 0, 1 or 2 alleles identical by descent.
    /// Standard values for non-inbred relatives (e.g. Weir, Anderson & Hepler 2006, table 1).
    pub fn ibd(self) -> Ibd {
        let (k0, k1, k2) = match self {
            Relationship::ParentChild => (0.0, 1.0, 0.0),
            Relationship::FullSiblings => (0.25, 0.5, 0.25),
            Relationship::HalfSiblings | Relationship::Grandparent | Relationship::Avuncular => {
                (0.5, 0.5, 0.0)
            }
            Relationship::FirstCousins => (0.75, 0.25, 0.0),
            Relationship::Identical => (0.0, 0.0, 1.0),
            Relationship::Unrelated => (1.0, 0.0, 0.0),
        };
        Ibd { k0, k1, k2 }
    }

    pub fn name(self) -> &'static str {
        match self {
            Relationship::ParentChild => "parent-child",
            Relationship::FullSiblings => "full-siblings",
            Relationship::HalfSiblings => "half-siblings",
            Relationship::Grandparent => "grandparent",
            Relationship::Avuncular => "avuncular",
            Relationship::FirstCousins => "first-cousins",
            Relationship::Identical => "identical",
            Relationship::Unrelated => "unrelated",
        }
    }

    pub fn parse(text: &str) -> Result<Relationship, KinshipError> {
        let t = text.trim().to_ascii_lowercase().replace('_', "-");
        Relationship::ALL
            .into_iter()
            .find(|r| r.name() == t)
            .or(match t.as_str() {
                "pc" | "parent" | "paternity" | "maternity" => Some(Relationship::ParentChild),
                "fs" | "siblings" | "full-sibling" => Some(Relationship::FullSiblings),
                "hs" | "half-sibling" => Some(Relationship::HalfSiblings),
                "uncle" | "aunt" | "aunt-uncle" | "uncle-aunt" => Some(Relationship::Avuncular),
                "cousins" | "first-cousin" => Some(Relationship::FirstCousins),
                "same" | "identity" | "twins" => Some(Relationship::Identical),
                _ => None,
            })
            .ok_or_else(|| KinshipError::UnknownRelationship(text.to_string()))
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Relationship {
    type Err = KinshipError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Relationship::parse(s)
    }
}

/// Identity-by-descent coefficients of a pair.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ibd {
    pub k0: f64,
    pub k1: f64,
    pub k2: f64,
}

impl Ibd {
    /// Checks that the coefficients form a distribution and are realisable without inbreeding
    /// (k1² ≥ 4·k0·k2, Thompson 1975).
    pub fn new(k0: f64, k1: f64, k2: f64) -> Result<Ibd, KinshipError> {
        let ok = [k0, k1, k2]
            .iter()
            .all(|k| k.is_finite() && (0.0..=1.0).contains(k))
            && ((k0 + k1 + k2) - 1.0).abs() < 1e-9
            && k1 * k1 + 1e-12 >= 4.0 * k0 * k2;
        if ok {
            Ok(Ibd { k0, k1, k2 })
        } else {
            Err(KinshipError::InvalidIbd { k0, k1, k2 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Relationship::ALL {
            assert_eq!(Relationship::parse(r.name()).unwrap(), r);
        }
        assert_eq!(
            Relationship::parse("Full_Siblings").unwrap(),
            Relationship::FullSiblings
        );
        assert!(Relationship::parse("second-cousins").is_err());
    }

    #[test]
    fn coefficients_are_valid() {
        for r in Relationship::ALL {
            let k = r.ibd();
            Ibd::new(k.k0, k.k1, k.k2).unwrap();
        }
        assert!(
            Ibd::new(0.5, 0.0, 0.5).is_err(),
            "not realisable without inbreeding"
        );
    }
}
