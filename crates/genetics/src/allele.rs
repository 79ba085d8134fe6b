//! Alleles as instruments call them: repeat numbers, microvariants, off-ladder calls.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::GeneticsError;

/// A sized STR allele: the number of full repeats and, for a microvariant, the extra bases
/// (`9.3` is nine repeats and three bases). Stored in tenths so `9.3` is 93: ordering is the
/// ladder order and equality is exact, which floating point would not give.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Allele(u16);

/// Longest allele accepted (SE33 reaches the high 40s; anything far above is a typo).
const MAX_TENTHS: u16 = 999;

impl Allele {
    pub fn from_tenths(tenths: u16) -> Result<Allele, GeneticsError> {
        if tenths == 0 || tenths > MAX_TENTHS {
            return Err(GeneticsError::MalformedAllele(format!(
                "{}.{}",
                tenths / 10,
                tenths % 10
            )));
        }
        Ok(Allele(tenths))
    }

    /// Parses `12`, `9.3`, `22.2` (one decimal digit: the partial repeat).
    pub fn parse(text: &str) -> Result<Allele, GeneticsError> {
        let bad = || GeneticsError::MalformedAllele(text.to_string());
        let t = text.trim();
        let (whole, part) = match t.split_once('.') {
            Some((w, p)) => (w, Some(p)),
            None => (t, None),
        };
        if whole.is_empty() || whole.len() > 3 || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let repeats: u16 = whole.parse().map_err(|_| bad())?;
        let partial: u16 = match part {
            None => 0,
            Some(p) if p.len() == 1 && p.as_bytes()[0].is_ascii_digit() => {
                u16::from(p.as_bytes()[0] - b'0')
            }
            Some(_) => return Err(bad()),
        };
        let tenths = repeats
            .checked_mul(10)
            .and_then(|r| r.checked_add(partial))
            .ok_or_else(bad)?;
        Allele::from_tenths(tenths).map_err(|_| bad())
    }

    pub fn tenths(self) -> u16 {
        self.0
    }

    pub fn repeats(self) -> u16 {
        self.0 / 10
    }

    /// Extra bases beyond the full repeats; 0 for a regular allele.
    pub fn partial(self) -> u16 {
        self.0 % 10
    }

    pub fn is_microvariant(self) -> bool {
        self.partial() != 0
    }
}

impl fmt::Display for Allele {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_microvariant() {
            write!(f, "{}.{}", self.repeats(), self.partial())
        } else {
            write!(f, "{}", self.repeats())
        }
    }
}

impl fmt::Debug for Allele {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Allele({self})")
    }
}

impl TryFrom<String> for Allele {
    type Error = GeneticsError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Allele::parse(&s)
    }
}

impl From<Allele> for String {
    fn from(a: Allele) -> String {
        a.to_string()
    }
}

impl std::str::FromStr for Allele {
    type Err = GeneticsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Allele::parse(s)
    }
}

/// One allele call as written in a genotyping table. Off-ladder calls and sex-chromosome
/// markers are kept so a profile round-trips, but only `Sized` calls enter likelihoods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlleleCall {
    Sized(Allele),
    /// `OL`: outside the ladder, size unknown.
    OffLadder,
    /// `<8`: below the smallest ladder allele given.
    Below(Allele),
    /// `>30`: above the largest ladder allele given.
    Above(Allele),
    /// Amelogenin X or Y.
    X,
    Y,
}

impl AlleleCall {
    pub fn parse(text: &str) -> Result<AlleleCall, GeneticsError> {
        let t = text.trim();
        let bad = || GeneticsError::MalformedAllele(text.to_string());
        match t {
            _ if t.eq_ignore_ascii_case("OL") => Ok(AlleleCall::OffLadder),
            "X" | "x" => Ok(AlleleCall::X),
            "Y" | "y" => Ok(AlleleCall::Y),
            _ => {
                if let Some(rest) = t.strip_prefix('<') {
                    Allele::parse(rest)
                        .map(AlleleCall::Below)
                        .map_err(|_| bad())
                } else if let Some(rest) = t.strip_prefix('>') {
                    Allele::parse(rest)
                        .map(AlleleCall::Above)
                        .map_err(|_| bad())
                } else {
                    Allele::parse(t).map(AlleleCall::Sized).map_err(|_| bad())
                }
            }
        }
    }

    pub fn sized(self) -> Option<Allele> {
        match self {
            AlleleCall::Sized(a) => Some(a),
            _ => None,
        }
    }

    pub fn is_off_ladder(self) -> bool {
        matches!(
            self,
            AlleleCall::OffLadder | AlleleCall::Below(_) | AlleleCall::Above(_)
        )
    }
}

impl fmt::Display for AlleleCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlleleCall::Sized(a) => write!(f, "{a}"),
            AlleleCall::OffLadder => f.write_str("OL"),
            AlleleCall::Below(a) => write!(f, "<{a}"),
            AlleleCall::Above(a) => write!(f, ">{a}"),
            AlleleCall::X => f.write_str("X"),
            AlleleCall::Y => f.write_str("Y"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_and_microvariants() {
        assert_eq!(Allele::parse("12").unwrap().tenths(), 120);
        assert_eq!(Allele::parse("9.3").unwrap().tenths(), 93);
        assert_eq!(Allele::parse(" 2.2 ").unwrap().to_string(), "2.2");
        assert_eq!(Allele::parse("10.0").unwrap().to_string(), "10");
        assert!(Allele::parse("9.3").unwrap() < Allele::parse("10").unwrap());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "abc", "-1", "9.33", "9.", ".3", "0", "1000", "1e3", "9,3",
        ] {
            assert!(Allele::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn parses_off_ladder_and_sex_calls() {
        assert_eq!(AlleleCall::parse("OL").unwrap(), AlleleCall::OffLadder);
        assert_eq!(
            AlleleCall::parse("<8").unwrap(),
            AlleleCall::Below(Allele::parse("8").unwrap())
        );
        assert_eq!(AlleleCall::parse(">30").unwrap().to_string(), ">30");
        assert_eq!(AlleleCall::parse("X").unwrap(), AlleleCall::X);
        assert!(AlleleCall::parse("<").is_err());
    }
}
