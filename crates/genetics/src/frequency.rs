//! Allele-frequency tables and the rule for alleles a table has never seen.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Allele, GeneticsError, Locus};

/// How far a locus's frequencies may sum from 1 before the table is refused. Published tables
/// round to 4–6 decimals and sometimes omit alleles seen once, so an exact 1 cannot be required;
/// a sum past this bound means a wrong column or a wrong file.
pub const SUM_TOLERANCE: f64 = 0.02;

/// Deviations smaller than this are rounding; larger ones are reported as warnings.
pub const SUM_WARNING: f64 = 0.005;

/// The frequency given to an allele that the table does not list.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "value")]
pub enum MinFrequency {
    /// NRC II (1996) recommendation 4.3: 5/2N, N the number of people sampled; with `N` given as
    /// alleles counted (2 per person) that is 5/N. `fallback` is used where a table has no N.
    NrcII { fallback: f64 },
    /// A fixed frequency, as some laboratories' protocols prescribe.
    Fixed(f64),
}

impl Default for MinFrequency {
    fn default() -> Self {
        MinFrequency::NrcII { fallback: 0.01 }
    }
}

/// Frequencies at one locus, sorted by allele.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocusFrequencies {
    alleles: Vec<(Allele, f64)>,
    /// Number of alleles counted to estimate the frequencies (2 per person), when known.
    pub alleles_counted: Option<u32>,
}

impl LocusFrequencies {
    pub fn alleles(&self) -> &[(Allele, f64)] {
        &self.alleles
    }

    pub fn get(&self, allele: Allele) -> Option<f64> {
        self.alleles
            .binary_search_by_key(&allele, |(a, _)| *a)
            .ok()
            .map(|i| self.alleles[i].1)
    }

    pub fn sum(&self) -> f64 {
        self.alleles.iter().map(|(_, f)| f).sum()
    }
}

/// A population's allele frequencies with its rule for unseen alleles. Lookups never fail: an
/// allele absent from the table gets the minimum frequency, so that a rare allele in a child
/// never makes a likelihood zero or undefined.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrequencyTable {
    pub name: String,
    loci: BTreeMap<Locus, LocusFrequencies>,
    pub min_frequency: MinFrequency,
    /// Frequencies after the minimum rule, indexed by locus then allele tenths: the kinship hot
    /// loops look up several alleles per locus and a map lookup there would dominate.
    #[serde(skip)]
    dense: Vec<Option<DenseLocus>>,
}

/// One locus's frequencies in array form, with the sums the mutation models need.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLocus {
    freq: Box<[f64]>,
    listed: Box<[u64]>,
    /// Number of alleles the table lists.
    pub listed_count: usize,
    /// Σ p(1 − p) over the listed alleles (after the minimum rule).
    pub listed_heterozygosity: f64,
}

/// Allele tenths fit below this (see `Allele`).
const DENSE_SIZE: usize = 1000;

impl DenseLocus {
    /// The frequency of the allele with these tenths (minimum rule applied).
    #[inline]
    pub fn frequency(&self, tenths: u16) -> f64 {
        self.freq[usize::from(tenths)]
    }

    #[inline]
    pub fn lists(&self, tenths: u16) -> bool {
        let t = usize::from(tenths);
        self.listed[t / 64] & (1 << (t % 64)) != 0
    }
}

/// Something odd but not fatal found while building a table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableWarning {
    pub locus: Locus,
    pub message: String,
}

/// Collects rows into a validated table.
#[derive(Debug, Default)]
pub struct FrequencyTableBuilder {
    loci: BTreeMap<Locus, (BTreeMap<Allele, f64>, Option<u32>)>,
}

impl FrequencyTableBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one frequency. Rejects values outside [0, 1], non-finite values, repeated alleles,
    /// non-autosomal loci and conflicting N at one locus.
    pub fn add(
        &mut self,
        locus: Locus,
        allele: Allele,
        frequency: f64,
        alleles_counted: Option<u32>,
    ) -> Result<(), GeneticsError> {
        if !locus.is_autosomal() {
            return Err(GeneticsError::InvalidFrequency {
                locus: locus.name(),
                allele: allele.to_string(),
                reason: "frequencies are for autosomal loci only".into(),
            });
        }
        if !frequency.is_finite() || !(0.0..=1.0).contains(&frequency) {
            return Err(GeneticsError::InvalidFrequency {
                locus: locus.name(),
                allele: allele.to_string(),
                reason: format!("frequency {frequency} is not between 0 and 1"),
            });
        }
        if alleles_counted == Some(0) {
            return Err(GeneticsError::InvalidFrequency {
                locus: locus.name(),
                allele: allele.to_string(),
                reason: "N is zero".into(),
            });
        }
        let entry = self.loci.entry(locus).or_default();
        if entry.0.insert(allele, frequency).is_some() {
            return Err(GeneticsError::InvalidFrequency {
                locus: locus.name(),
                allele: allele.to_string(),
                reason: "allele listed twice".into(),
            });
        }
        match (entry.1, alleles_counted) {
            (Some(old), Some(new)) if old != new => {
                // Tables such as the FBI's list N per locus, identical on each row; a mismatch is
                // tolerated by keeping the smallest (the most conservative minimum frequency).
                entry.1 = Some(old.min(new));
            }
            (None, Some(new)) => entry.1 = Some(new),
            _ => {}
        }
        Ok(())
    }

    /// Finishes the table, refusing loci whose frequencies sum far from 1.
    pub fn build(
        self,
        name: impl Into<String>,
        min_frequency: MinFrequency,
    ) -> Result<(FrequencyTable, Vec<TableWarning>), GeneticsError> {
        if let MinFrequency::Fixed(f) | MinFrequency::NrcII { fallback: f } = min_frequency
            && !(f > 0.0 && f < 1.0)
        {
            return Err(GeneticsError::InvalidMinFrequency(f));
        }
        let mut warnings = Vec::new();
        let mut loci = BTreeMap::new();
        for (locus, (alleles, n)) in self.loci {
            let sum: f64 = alleles.values().sum();
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                return Err(GeneticsError::FrequencySum {
                    locus: locus.name(),
                    sum,
                });
            }
            if (sum - 1.0).abs() > SUM_WARNING {
                warnings.push(TableWarning {
                    locus,
                    message: format!("frequencies sum to {sum:.4}"),
                });
            }
            loci.insert(
                locus,
                LocusFrequencies {
                    alleles: alleles.into_iter().collect(),
                    alleles_counted: n,
                },
            );
        }
        if loci.is_empty() {
            return Err(GeneticsError::EmptyTable);
        }
        let mut table = FrequencyTable {
            name: name.into(),
            loci,
            min_frequency,
            dense: Vec::new(),
        };
        table.densify();
        Ok((table, warnings))
    }
}

impl FrequencyTable {
    fn densify(&mut self) {
        let mut dense = vec![None; Locus::COUNT];
        for (locus, freqs) in &self.loci {
            let min = self.minimum(*locus);
            let mut freq = vec![min; DENSE_SIZE].into_boxed_slice();
            let mut listed = vec![0u64; DENSE_SIZE.div_ceil(64)].into_boxed_slice();
            let mut heterozygosity = 0.0;
            for (allele, f) in &freqs.alleles {
                let t = usize::from(allele.tenths());
                let p = f.max(min);
                freq[t] = p;
                listed[t / 64] |= 1 << (t % 64);
                heterozygosity += p * (1.0 - p);
            }
            dense[locus.index()] = Some(DenseLocus {
                freq,
                listed,
                listed_count: freqs.alleles.len(),
                listed_heterozygosity: heterozygosity,
            });
        }
        self.dense = dense;
    }

    /// Array-form frequencies for a locus, if the table has it.
    #[inline]
    pub fn dense(&self, locus: Locus) -> Option<&DenseLocus> {
        self.dense.get(locus.index()).and_then(Option::as_ref)
    }

    pub fn locus(&self, locus: Locus) -> Option<&LocusFrequencies> {
        self.loci.get(&locus)
    }

    pub fn loci(&self) -> impl Iterator<Item = Locus> + '_ {
        self.loci.keys().copied()
    }

    pub fn has_locus(&self, locus: Locus) -> bool {
        self.loci.contains_key(&locus)
    }

    /// The minimum frequency at a locus under the table's rule.
    pub fn minimum(&self, locus: Locus) -> f64 {
        match self.min_frequency {
            MinFrequency::Fixed(f) => f,
            MinFrequency::NrcII { fallback } => {
                match self.loci.get(&locus).and_then(|l| l.alleles_counted) {
                    // 5 / 2N with N people = 5 / (alleles counted).
                    Some(n) => (5.0 / f64::from(n)).min(1.0),
                    None => fallback,
                }
            }
        }
    }

    /// The frequency of an allele: the table's value, raised to the minimum if lower, or the
    /// minimum if the allele is absent. Raising small published values to the floor is NRC II
    /// practice: a frequency estimated from one or two observations is not trusted below it.
    pub fn frequency(&self, locus: Locus, allele: Allele) -> f64 {
        if let Some(d) = self.dense(locus) {
            return d.frequency(allele.tenths());
        }
        let min = self.minimum(locus);
        match self.loci.get(&locus).and_then(|l| l.get(allele)) {
            Some(f) if f >= min => f,
            _ => min,
        }
    }

    /// Whether the table lists the allele at all (reports flag rare alleles).
    pub fn lists(&self, locus: Locus, allele: Allele) -> bool {
        self.loci.get(&locus).and_then(|l| l.get(allele)).is_some()
    }

    pub fn with_min_frequency(mut self, min_frequency: MinFrequency) -> Self {
        self.min_frequency = min_frequency;
        self.densify();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Allele {
        Allele::parse(s).unwrap()
    }

    fn table(n: Option<u32>) -> FrequencyTable {
        let l = Locus::parse("TH01").unwrap();
        let mut b = FrequencyTableBuilder::new();
        b.add(l, a("6"), 0.25, n).unwrap();
        b.add(l, a("7"), 0.25, n).unwrap();
        b.add(l, a("9.3"), 0.5, n).unwrap();
        b.build("t", MinFrequency::default()).unwrap().0
    }

    #[test]
    fn unseen_allele_gets_five_over_two_n() {
        let l = Locus::parse("TH01").unwrap();
        let t = table(Some(400));
        assert_eq!(t.frequency(l, a("9.3")), 0.5);
        assert!((t.frequency(l, a("11")) - 5.0 / 400.0).abs() < 1e-15);
        assert_eq!(table(None).frequency(l, a("11")), 0.01);
    }

    #[test]
    fn rejects_bad_values_and_sums() {
        let l = Locus::parse("TH01").unwrap();
        let mut b = FrequencyTableBuilder::new();
        assert!(b.add(l, a("6"), -0.1, None).is_err());
        assert!(b.add(l, a("6"), f64::NAN, None).is_err());
        b.add(l, a("6"), 0.7, None).unwrap();
        assert!(b.add(l, a("6"), 0.1, None).is_err());
        b.add(l, a("7"), 0.7, None).unwrap();
        let err = b.build("t", MinFrequency::default()).unwrap_err();
        assert!(err.to_string().contains("TH01"), "{err}");
    }

    #[test]
    fn small_deviation_is_a_warning() {
        let l = Locus::parse("TPOX").unwrap();
        let mut b = FrequencyTableBuilder::new();
        b.add(l, a("8"), 0.5, None).unwrap();
        b.add(l, a("9"), 0.49, None).unwrap();
        let (_, warnings) = b.build("t", MinFrequency::default()).unwrap();
        assert_eq!(warnings.len(), 1);
    }
}
