//! The verdict policy: thresholds that turn likelihood ratios into verified / not supported /
//! inconclusive. Deserialised from TOML by the binary; every field has a default justified in
//! docs/POLICY.md.

use serde::{Deserialize, Serialize};

use crate::KinshipError;

/// Thresholds for the three verdicts. LRs are compared on the log10 scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// An adult is verified as parent when the joint LR of the claimed unit against "this adult
    /// is unrelated to the children" (all children and the other parent, mutation included)
    /// is ≥ 10^this ...
    pub verify_log10_lr: f64,
    /// ... over at least this many loci ...
    pub verify_min_loci: u32,
    /// ... and every one of the adult's claims taken alone (duo LR) is ≥ 10^this, so that a
    /// child who is not the adult's cannot ride on siblings who are.
    pub claim_min_log10_lr: f64,
    /// The claimed pedigree must beat every relative alternative (grandparent, aunt/uncle, older
    /// sibling standing in for the parent) by LR ≥ 10^this, computed jointly over the whole unit.
    pub relative_log10_lr: f64,
    /// A claim is excluded at LR ≤ 10^this ...
    pub exclude_log10_lr: f64,
    /// ... with at least this many inconsistent loci (one or two inconsistencies are what
    /// mutations produce in true families) ...
    pub exclude_min_inconsistent: usize,
    /// ... over at least this many loci.
    pub exclude_min_loci: u32,
    /// Prior probability of the claim for the posterior reported (0.5 by convention).
    pub prior: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            verify_log10_lr: 4.5,
            verify_min_loci: 15,
            claim_min_log10_lr: 2.0,
            relative_log10_lr: 1.0,
            exclude_log10_lr: -4.0,
            exclude_min_inconsistent: 3,
            exclude_min_loci: 12,
            prior: 0.5,
        }
    }
}

impl Policy {
    pub fn validate(&self) -> Result<(), KinshipError> {
        let bad = |why: String| Err(KinshipError::InvalidPolicy(why));
        if !(self.verify_log10_lr.is_finite()
            && self.exclude_log10_lr.is_finite()
            && self.relative_log10_lr.is_finite())
        {
            return bad("thresholds must be finite numbers".into());
        }
        if self.verify_log10_lr <= 0.0 {
            return bad(format!(
                "verify_log10_lr = {} must be > 0: a claim is verified only when the evidence favours it",
                self.verify_log10_lr
            ));
        }
        if self.exclude_log10_lr >= 0.0 {
            return bad(format!(
                "exclude_log10_lr = {} must be < 0: exclusion needs evidence against the claim",
                self.exclude_log10_lr
            ));
        }
        if self.relative_log10_lr < 0.0 {
            return bad(format!(
                "relative_log10_lr = {} must be ≥ 0",
                self.relative_log10_lr
            ));
        }
        if self.exclude_min_inconsistent == 0 {
            return bad("exclude_min_inconsistent must be at least 1: an exclusion needs an inconsistent locus".into());
        }
        if !(self.prior > 0.0 && self.prior < 1.0) {
            return bad(format!(
                "prior = {} must be strictly between 0 and 1",
                self.prior
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_valid() {
        Policy::default().validate().unwrap();
    }

    #[test]
    fn rejects_incoherent_thresholds() {
        let p = Policy {
            verify_log10_lr: -1.0,
            ..Policy::default()
        };
        assert!(p.validate().is_err());
        let p = Policy {
            exclude_log10_lr: 1.0,
            ..Policy::default()
        };
        assert!(p.validate().is_err());
        let p = Policy {
            exclude_min_inconsistent: 0,
            ..Policy::default()
        };
        assert!(p.validate().is_err());
    }
}
