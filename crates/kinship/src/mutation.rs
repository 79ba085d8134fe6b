//! Mutation models for parent–child transmissions.
//!
//! Without a mutation model a true parent whose child carries a one-step mutation gets LR = 0:
//! an exclusion, a family separated. Each model here gives every transmission a small but
//! non-zero probability of changing the allele, so such a locus weighs against the claim by the
//! right amount instead of vetoing it.

use std::collections::BTreeMap;
use std::fmt;

use lazo_genetics::{Allele, Locus};
use serde::{Deserialize, Serialize};

use crate::KinshipError;

/// How a mutated allele is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MutationKind {
    /// Every other allele of the locus equally likely (Familias "Equal"; the model of the
    /// reference values).
    Equal,
    /// Mutation to allele b with probability proportional to its frequency, scaled so that the
    /// average rate over the population is the stated rate (Familias "Proportional").
    Proportional,
    /// Mutations of one repeat step most likely: a k-step change has weight `range^(k-1)`;
    /// a change between alleles of different partial repeat (10 ↔ 9.3) has weight
    /// `microvariant` relative to a one-step change, so it stays possible but rare.
    Stepwise { range: f64, microvariant: f64 },
}

impl MutationKind {
    /// Whether the unobserved alleles can be lumped into one state without changing any
    /// likelihood: true when the probability of mutating *into* an observed allele is the same
    /// from every unobserved allele.
    pub fn is_lumpable(self) -> bool {
        !matches!(self, MutationKind::Stepwise { .. })
    }

    pub fn name(self) -> &'static str {
        match self {
            MutationKind::Equal => "equal",
            MutationKind::Proportional => "proportional",
            MutationKind::Stepwise { .. } => "stepwise",
        }
    }
}

/// Default stepwise range: a two-step mutation is a tenth as likely as a one-step one.
pub const DEFAULT_STEPWISE_RANGE: f64 = 0.1;
/// Default weight of an integer ↔ microvariant change relative to a one-step mutation.
pub const DEFAULT_MICROVARIANT_WEIGHT: f64 = 0.01;
/// Largest rate accepted: real STR rates are ~1e-3; anything near this is a typo.
pub const MAX_RATE: f64 = 0.1;

/// Per-transmission mutation rates by parent sex.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SexRates {
    pub paternal: f64,
    pub maternal: f64,
}

/// A mutation model with its rates: one default pair of rates, optionally overridden per locus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MutationModel {
    pub kind: MutationKind,
    pub rates: SexRates,
    #[serde(default)]
    pub per_locus: BTreeMap<Locus, SexRates>,
}

impl MutationModel {
    pub fn new(kind: MutationKind, rate: f64) -> Result<MutationModel, KinshipError> {
        MutationModel::with_rates(
            kind,
            SexRates {
                paternal: rate,
                maternal: rate,
            },
        )
    }

    pub fn with_rates(kind: MutationKind, rates: SexRates) -> Result<MutationModel, KinshipError> {
        let model = MutationModel {
            kind,
            rates,
            per_locus: BTreeMap::new(),
        };
        model.validate()?;
        Ok(model)
    }

    /// Parses `MODEL:RATE` (`equal:0.002`), `MODEL:PATERNAL/MATERNAL` (`equal:0.003/0.001`) and
    /// for stepwise an optional range, `stepwise:0.002:0.1`.
    pub fn parse(spec: &str) -> Result<MutationModel, KinshipError> {
        let bad = |why: &str| KinshipError::InvalidMutation(format!("{spec:?}: {why}"));
        let mut parts = spec.trim().split(':');
        let kind_name = parts.next().unwrap_or_default().to_ascii_lowercase();
        let rate_text = parts
            .next()
            .ok_or_else(|| bad("expected MODEL:RATE, e.g. equal:0.002"))?;
        let extra = parts.next();
        if parts.next().is_some() {
            return Err(bad("too many ':'-separated fields"));
        }
        let number = |t: &str| {
            t.trim()
                .parse::<f64>()
                .map_err(|_| bad(&format!("{t:?} is not a number")))
        };
        let rates = match rate_text.split_once('/') {
            Some((p, m)) => SexRates {
                paternal: number(p)?,
                maternal: number(m)?,
            },
            None => {
                let r = number(rate_text)?;
                SexRates {
                    paternal: r,
                    maternal: r,
                }
            }
        };
        let kind = match kind_name.as_str() {
            "equal" => MutationKind::Equal,
            "proportional" => MutationKind::Proportional,
            "stepwise" => MutationKind::Stepwise {
                range: extra
                    .map(number)
                    .transpose()?
                    .unwrap_or(DEFAULT_STEPWISE_RANGE),
                microvariant: DEFAULT_MICROVARIANT_WEIGHT,
            },
            other => {
                return Err(bad(&format!(
                    "unknown model {other:?} (equal, proportional, stepwise)"
                )));
            }
        };
        if extra.is_some() && !matches!(kind, MutationKind::Stepwise { .. }) {
            return Err(bad("only stepwise takes a range"));
        }
        MutationModel::with_rates(kind, rates).map_err(|e| bad(&e.to_string()))
    }

    pub fn validate(&self) -> Result<(), KinshipError> {
        let check = |r: f64| {
            if r.is_finite() && (0.0..=MAX_RATE).contains(&r) {
                Ok(())
            } else {
                Err(KinshipError::InvalidMutation(format!(
                    "rate {r} outside [0, {MAX_RATE}]"
                )))
            }
        };
        for rates in std::iter::once(&self.rates).chain(self.per_locus.values()) {
            check(rates.paternal)?;
            check(rates.maternal)?;
        }
        if let MutationKind::Stepwise {
            range,
            microvariant,
        } = self.kind
            && !(range > 0.0 && range < 1.0 && microvariant > 0.0 && microvariant <= 1.0)
        {
            return Err(KinshipError::InvalidMutation(format!(
                "stepwise range {range} must be in (0, 1) and microvariant weight {microvariant} in (0, 1]"
            )));
        }
        Ok(())
    }

    pub fn rates(&self, locus: Locus) -> SexRates {
        self.per_locus.get(&locus).copied().unwrap_or(self.rates)
    }
}

impl fmt::Display for MutationModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.name())?;
        if self.rates.paternal == self.rates.maternal {
            write!(f, ":{}", self.rates.paternal)?;
        } else {
            write!(f, ":{}/{}", self.rates.paternal, self.rates.maternal)?;
        }
        if let MutationKind::Stepwise { range, .. } = self.kind {
            write!(f, ":{range}")?;
        }
        Ok(())
    }
}

/// One state of a locus alphabet: a real allele, or all the alleles nobody in the case carries
/// lumped together (`members` of them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum State {
    Allele(Allele),
    Lumped { members: usize },
}

/// Builds the row-stochastic transition matrix `m[from][to]` for one parent sex.
///
/// `states` and `freqs` describe the alphabet; `total_alleles` is the number of alleles of the
/// locus (listed in the table plus observed unlisted ones), which the equal model divides by.
/// `heterozygosity` is Σ p_i(1 − p_i) over every allele of the locus (used by the proportional
/// model only).
pub(crate) fn transition_matrix(
    kind: MutationKind,
    rate: f64,
    states: &[State],
    freqs: &[f64],
    total_alleles: usize,
    heterozygosity: f64,
) -> Vec<f64> {
    let n = states.len();
    let mut m = vec![0.0; n * n];
    if rate == 0.0 || total_alleles < 2 {
        for i in 0..n {
            m[i * n + i] = 1.0;
        }
        return m;
    }
    match kind {
        MutationKind::Equal => {
            let each = rate / (total_alleles as f64 - 1.0);
            for (i, from) in states.iter().enumerate() {
                for (j, to) in states.iter().enumerate() {
                    m[i * n + j] = match (i == j, to) {
                        (false, State::Allele(_)) => each,
                        (false, State::Lumped { members }) => each * *members as f64,
                        (true, State::Allele(_)) => 1.0 - rate,
                        // Staying inside the lump: no mutation, or a mutation to another member.
                        (true, State::Lumped { members }) => {
                            1.0 - rate + each * (*members as f64 - 1.0)
                        }
                    };
                }
                debug_assert!(matches!(from, State::Allele(_) | State::Lumped { .. }));
            }
        }
        MutationKind::Proportional => {
            // k·rate·p_b, k = 1 / Σ p_i(1 − p_i) over every allele of the locus, so that the
            // population-average rate is `rate`. `heterozygosity` is computed by the caller
            // from the full allele list: computing it over a lumped alphabet would change the
            // model with the lumping.
            let k = if heterozygosity > 0.0 {
                1.0 / heterozygosity
            } else {
                0.0
            };
            for i in 0..n {
                let mut off = 0.0;
                for j in 0..n {
                    if i != j {
                        let v = (k * rate * freqs[j]).min(1.0);
                        m[i * n + j] = v;
                        off += v;
                    }
                }
                m[i * n + i] = (1.0 - off).max(0.0);
            }
        }
        MutationKind::Stepwise {
            range,
            microvariant,
        } => {
            for (i, from) in states.iter().enumerate() {
                let State::Allele(a) = from else {
                    unreachable!("stepwise alphabets are never lumped")
                };
                let weight = |b: Allele| {
                    let steps = (i32::from(a.repeats()) - i32::from(b.repeats())).unsigned_abs();
                    if a.partial() == b.partial() {
                        range.powi(steps as i32 - 1)
                    } else {
                        microvariant * range.powi(steps.saturating_sub(1) as i32)
                    }
                };
                let total: f64 = states
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, s)| match s {
                        State::Allele(b) => weight(*b),
                        State::Lumped { .. } => 0.0,
                    })
                    .sum();
                for (j, to) in states.iter().enumerate() {
                    m[i * n + j] = if i == j {
                        1.0 - rate
                    } else if let (State::Allele(b), true) = (to, total > 0.0) {
                        rate * weight(*b) / total
                    } else {
                        0.0
                    };
                }
                if total == 0.0 {
                    m[i * n + i] = 1.0;
                }
            }
        }
    }
    m
}

/// Which parent transmits: the paternal and maternal rates differ (about 3–4 to 1 in STR data).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentSex {
    Male,
    Female,
}

/// The distribution of the allele a parent transmits when it carries `from`: every allele of
/// the table's locus (plus `from` if unlisted) with its probability. For simulators, which
/// must mutate with exactly the model the statistics assume.
pub fn transmission_distribution(
    model: &MutationModel,
    locus: Locus,
    sex: ParentSex,
    from: Allele,
    table: &lazo_genetics::FrequencyTable,
) -> Vec<(Allele, f64)> {
    let mut alleles: Vec<Allele> = table
        .locus(locus)
        .map(|l| l.alleles().iter().map(|(a, _)| *a).collect())
        .unwrap_or_default();
    if !alleles.contains(&from) {
        alleles.push(from);
        alleles.sort();
    }
    let states: Vec<State> = alleles.iter().map(|a| State::Allele(*a)).collect();
    let freqs: Vec<f64> = alleles.iter().map(|a| table.frequency(locus, *a)).collect();
    let rates = model.rates(locus);
    let rate = match sex {
        ParentSex::Male => rates.paternal,
        ParentSex::Female => rates.maternal,
    };
    let heterozygosity = freqs.iter().map(|p| p * (1.0 - p)).sum();
    let m = transition_matrix(
        model.kind,
        rate,
        &states,
        &freqs,
        alleles.len(),
        heterozygosity,
    );
    let n = alleles.len();
    let i = alleles.iter().position(|a| *a == from).unwrap_or(0);
    alleles
        .iter()
        .enumerate()
        .map(|(j, a)| (*a, m[i * n + j]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Allele {
        Allele::parse(s).unwrap()
    }

    #[test]
    fn parses_specs() {
        let m = MutationModel::parse("equal:0.002").unwrap();
        assert_eq!(m.kind, MutationKind::Equal);
        assert_eq!(m.rates.paternal, 0.002);
        let m = MutationModel::parse("stepwise:0.003/0.001:0.2").unwrap();
        assert_eq!(m.rates.maternal, 0.001);
        assert!(matches!(m.kind, MutationKind::Stepwise { range, .. } if range == 0.2));
        assert_eq!(m.to_string(), "stepwise:0.003/0.001:0.2");
        for bad in [
            "equal",
            "equal:x",
            "equal:0.5",
            "foo:0.1",
            "equal:0.1:0.2",
            "stepwise:0.001:2",
        ] {
            assert!(MutationModel::parse(bad).is_err(), "{bad}");
        }
    }

    fn rows_sum_to_one(m: &[f64], n: usize) {
        for i in 0..n {
            let s: f64 = m[i * n..(i + 1) * n].iter().sum();
            assert!((s - 1.0).abs() < 1e-12, "row {i} sums to {s}");
            assert!(m[i * n..(i + 1) * n].iter().all(|v| *v >= 0.0));
        }
    }

    #[test]
    fn matrices_are_stochastic() {
        let states = [
            State::Allele(a("9")),
            State::Allele(a("9.3")),
            State::Allele(a("10")),
            State::Lumped { members: 3 },
        ];
        let freqs = [0.2, 0.3, 0.1, 0.4];
        for kind in [MutationKind::Equal, MutationKind::Proportional] {
            rows_sum_to_one(
                &transition_matrix(
                    kind,
                    0.01,
                    &states,
                    &freqs,
                    6,
                    freqs.iter().map(|p| p * (1.0 - p)).sum(),
                ),
                4,
            );
        }
        let stepwise = MutationKind::Stepwise {
            range: 0.1,
            microvariant: 0.01,
        };
        let m = transition_matrix(stepwise, 0.01, &states[..3], &freqs[..3], 3, 0.0);
        rows_sum_to_one(&m, 3);
        // 9 -> 10 (one step) is far likelier than 9 -> 9.3 (microvariant change).
        assert!(m[2] > 10.0 * m[1]);
    }

    #[test]
    fn equal_model_spreads_rate_evenly() {
        let states = [
            State::Allele(a("12")),
            State::Allele(a("13")),
            State::Lumped { members: 4 },
        ];
        let m = transition_matrix(
            MutationKind::Equal,
            0.002,
            &states,
            &[0.2, 0.3, 0.5],
            6,
            0.0,
        );
        assert!((m[1] - 0.002 / 5.0).abs() < 1e-15);
        assert!((m[2] - 4.0 * 0.002 / 5.0).abs() < 1e-15);
    }
}
