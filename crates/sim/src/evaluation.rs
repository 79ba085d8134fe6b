//! Scoring verdicts against a cohort's truth: the error rates that matter.

use lazo_kinship::Verdict;
use serde::Serialize;

use crate::scenario::{Cohort, UnitKind};

/// Verdict counts for the units of one kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KindTally {
    pub units: usize,
    pub verified: usize,
    pub not_supported: usize,
    pub inconclusive: usize,
}

impl KindTally {
    fn add(&mut self, verdict: Verdict) {
        self.units += 1;
        match verdict {
            Verdict::Verified => self.verified += 1,
            Verdict::NotSupported => self.not_supported += 1,
            Verdict::Inconclusive => self.inconclusive += 1,
        }
    }
}

/// Verdicts by true kind, plus the two errors named in the mission.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub by_kind: Vec<(UnitKind, KindTally)>,
    /// Genuine families called "not supported": families separated.
    pub genuine_not_supported: usize,
    /// Non-family units called "verified": children handed over.
    pub impostors_verified: usize,
}

impl Evaluation {
    pub fn tally(&self, kind: UnitKind) -> KindTally {
        self.by_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }
}

/// Scores `verdict_of(unit_id)` for every unit of the cohort. Units without a verdict are
/// skipped (and so do not count as correct).
pub fn evaluate(cohort: &Cohort, verdict_of: impl Fn(&str) -> Option<Verdict>) -> Evaluation {
    let mut by_kind: Vec<(UnitKind, KindTally)> = UnitKind::ALL
        .iter()
        .map(|k| (*k, KindTally::default()))
        .collect();
    let (mut separated, mut handed_over) = (0, 0);
    for truth in &cohort.truth {
        let Some(verdict) = verdict_of(&truth.unit_id) else {
            continue;
        };
        if let Some((_, t)) = by_kind.iter_mut().find(|(k, _)| *k == truth.kind) {
            t.add(verdict);
        }
        if truth.kind.is_family() && verdict == Verdict::NotSupported {
            separated += 1;
        }
        if !truth.kind.is_family() && verdict == Verdict::Verified {
            handed_over += 1;
        }
    }
    Evaluation {
        by_kind,
        genuine_not_supported: separated,
        impostors_verified: handed_over,
    }
}
