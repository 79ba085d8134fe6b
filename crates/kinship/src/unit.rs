//! Family units as presented at the border: one or two adults claiming to be the parents of one
//! or more children. Each adult–child claim gets its own LR; each adult also gets a joint
//! analysis over the whole unit, which is what separates a parent from a grandparent, an aunt
//! or an older sibling standing in for one.

use lazo_genetics::{Genotype, Locus, Profile};
use serde::{Deserialize, Serialize};

use crate::pair::{
    ExcludedLocus, LocusLr, LrResult, Model, duo_inconsistent, posterior, usable_loci,
};
use crate::pedigree::{Pedigree, locus_likelihood};
use crate::policy::Policy;
use crate::{KinshipError, Relationship, pairwise};

/// The parental role an adult claims; it fixes which mutation rate their transmissions use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Mother,
    Father,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Mother => "mother",
            Role::Father => "father",
        }
    }
}

/// A unit: every listed adult claims to be the biological parent of every listed child, and
/// the children are therefore claimed to be full siblings (half siblings when only one parent
/// is listed is not assumed: the untyped other parent is one person).
#[derive(Clone, Debug)]
pub struct FamilyUnit<'a> {
    pub id: String,
    pub mother: Option<&'a Profile>,
    pub father: Option<&'a Profile>,
    pub children: Vec<&'a Profile>,
}

impl FamilyUnit<'_> {
    fn adults(&self) -> Vec<(Role, &Profile)> {
        let mut v = Vec::new();
        if let Some(m) = self.mother {
            v.push((Role::Mother, m));
        }
        if let Some(f) = self.father {
            v.push((Role::Father, f));
        }
        v
    }
}

/// A relative who could stand in for a parent: the hard cases the joint analysis must rule out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stand {
    /// The adult is the children's grandparent (parent of the true parent).
    Grandparent,
    /// The adult is a full sibling of the true parent.
    Avuncular,
    /// The adult is an older full sibling of the children.
    OlderSibling,
}

impl Stand {
    pub const ALL: [Stand; 3] = [Stand::Grandparent, Stand::Avuncular, Stand::OlderSibling];
    pub fn name(self) -> &'static str {
        match self {
            Stand::Grandparent => "grandparent",
            Stand::Avuncular => "avuncular",
            Stand::OlderSibling => "full-siblings",
        }
    }
}

/// The claim against one alternative relationship: LR = P(data | claim) / P(data | alternative).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alternative {
    pub relation: String,
    #[serde(deserialize_with = "crate::pair::f64_or_nan")]
    pub lr: f64,
    pub log10_lr: Option<f64>,
}

impl Alternative {
    fn from_log10(relation: &str, log10_lr: Option<f64>) -> Alternative {
        Alternative {
            relation: relation.to_string(),
            // f64 overflows past 10^308: the JSON then carries f64::MAX, and log10_lr the truth.
            lr: log10_lr.map_or(0.0, |l| 10f64.powf(l).min(f64::MAX)),
            log10_lr,
        }
    }
}

/// One adult–child claim.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimReport {
    pub parent: String,
    pub role: Role,
    pub child: String,
    /// The product of the per-locus LRs; past f64's range JSON holds `null` (read back as NaN)
    /// and `log10_lr` the value.
    #[serde(deserialize_with = "crate::pair::f64_or_nan")]
    pub lr: f64,
    pub log10_lr: Option<f64>,
    pub loci_used: u32,
    #[serde(default)]
    pub inconsistent_loci: Vec<Locus>,
    #[serde(default = "crate::pair::nan")]
    pub posterior: f64,
    /// Duo LR of parent–child against second-degree relative and against full sibling.
    #[serde(default)]
    pub alternatives: Vec<Alternative>,
    #[serde(default)]
    pub loci: Vec<LocusLr>,
    #[serde(default)]
    pub excluded_loci: Vec<ExcludedLocus>,
    pub status: ClaimStatus,
}

/// What a claim's own (duo) evidence says, before the joint analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Duo LR ≥ the claim floor: the pair's own evidence favours parenthood.
    Consistent,
    /// Excluded: LR below the exclusion threshold with enough inconsistent loci.
    Excluded,
    /// Neither: too little evidence either way from this pair alone.
    Weak,
}

/// The joint analysis for one adult over the whole unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JointReport {
    pub adult: String,
    pub role: Role,
    /// log10 LR of the claimed pedigree against "this adult is unrelated to the children".
    pub log10_lr_vs_unrelated: Option<f64>,
    /// The claimed pedigree against each relative standing in for the parent.
    pub alternatives: Vec<Alternative>,
    pub loci_used: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Verified,
    NotSupported,
    Inconclusive,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::NotSupported => "not_supported",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// Everything said about a unit. Deserialisable so stored reports can be printed again; lists
/// and the posterior missing from an older stored report read as empty and NaN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitReport {
    pub unit_id: String,
    pub verdict: Verdict,
    pub claims: Vec<ClaimReport>,
    #[serde(default)]
    pub joint: Vec<JointReport>,
    /// Why the verdict is what it is, one sentence each.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// For an inconclusive unit: the further tests that would settle it.
    #[serde(default)]
    pub recommendations: Vec<String>,
}

/// The LR of `parent` being `child`'s parent in `role` (the other parent untyped), with
/// mutation, against unrelated, over every locus typed in both.
pub fn duo_lr(
    parent: &Profile,
    child: &Profile,
    role: Role,
    model: &Model<'_>,
) -> Result<LrResult, KinshipError> {
    duo_lr_on(parent, child, role, model, None)
}

/// [`duo_lr`] restricted to `only` loci when given.
pub(crate) fn duo_lr_on(
    parent: &Profile,
    child: &Profile,
    role: Role,
    model: &Model<'_>,
    only: Option<&[Locus]>,
) -> Result<LrResult, KinshipError> {
    model.validate()?;
    let (loci, excluded) = usable_loci(&[parent, child], model.table, only);
    let mut h1 = Pedigree::new();
    let (p, other) = (h1.add_founder(role.name()), h1.add_founder("other parent"));
    let (father, mother) = if role == Role::Father {
        (p, other)
    } else {
        (other, p)
    };
    h1.add_child("child", father, mother)?;
    let mut out = Vec::with_capacity(loci.len());
    for locus in loci {
        let (Some(gp), Some(gc)) = (parent.genotype(locus), child.genotype(locus)) else {
            continue;
        };
        let lm = model.locus(locus);
        let dense = model
            .table
            .dense(locus)
            .filter(|_| crate::fast::covers(model.mutation));
        let lr = if let Some(dense) = dense {
            crate::fast::duo(
                dense,
                locus,
                gp,
                gc,
                role == Role::Father,
                model.theta,
                model.mutation,
            )
        } else if model.mutation.is_none() {
            pairwise::locus_lr(
                gp,
                gc,
                |x| model.table.frequency(locus, x),
                Relationship::ParentChild.ibd(),
                model.theta,
            )
        } else {
            let numerator = locus_likelihood(&h1, &[Some(gp), None, Some(gc)], &lm);
            numerator / unrelated_pair(gp, gc, model, locus)
        };
        out.push(LocusLr {
            locus,
            lr,
            inconsistent: duo_inconsistent(gp, gc),
        });
    }
    Ok(LrResult {
        loci: out,
        excluded,
    })
}

/// P(gA, gB) for two unrelated people, θ included.
fn unrelated_pair(a: Genotype, b: Genotype, model: &Model<'_>, locus: Locus) -> f64 {
    let mut h0 = Pedigree::new();
    h0.add_founder("a");
    h0.add_founder("b");
    locus_likelihood(&h0, &[Some(a), Some(b)], &model.locus(locus))
}

/// Which hypothesis a joint pedigree encodes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Hypothesis {
    Claim,
    Unrelated(Role),
    StandIn(Role, Stand),
    /// Both adults are the children's grandparents: the parents of one of the children's
    /// parents. A couple standing in together is missed by replacing one adult at a time.
    CoupleGrandparents,
}

/// Relation name reported for [`Hypothesis::CoupleGrandparents`].
pub const COUPLE_GRANDPARENTS: &str = "both-grandparents";

/// A pedigree for the unit under a hypothesis, with where each typed person sits in it.
struct UnitPedigree {
    pedigree: Pedigree,
    mother: Option<usize>,
    father: Option<usize>,
    children: Vec<usize>,
}

fn unit_pedigree(
    unit: &FamilyUnit<'_>,
    hypothesis: Hypothesis,
) -> Result<UnitPedigree, KinshipError> {
    let mut p = Pedigree::new();
    if hypothesis == Hypothesis::CoupleGrandparents {
        let mother = p.add_founder("mother (grandmother)");
        let father = p.add_founder("father (grandfather)");
        // Which of the children's parents is the couple's child changes only which mutation
        // rate applies to one transmission; the father's side is taken.
        let parent = p.add_child("true father", father, mother)?;
        let other = p.add_founder("true mother");
        let children = unit
            .children
            .iter()
            .map(|_| p.add_child("child", parent, other))
            .collect::<Result<_, _>>()?;
        return Ok(UnitPedigree {
            pedigree: p,
            mother: Some(mother),
            father: Some(father),
            children,
        });
    }
    let slot = |role: Role,
                claimed: bool,
                p: &mut Pedigree|
     -> Result<(Option<usize>, Option<usize>), KinshipError> {
        // Returns (index of the typed adult if any, index of the children's true parent in
        // this role, unless it must be created after the other role's parent).
        match hypothesis {
            Hypothesis::Unrelated(r) if r == role && claimed => {
                let adult = p.add_founder(role.name());
                let parent = p.add_founder("true parent");
                Ok((Some(adult), Some(parent)))
            }
            Hypothesis::StandIn(r, stand) if r == role && claimed => match stand {
                Stand::Grandparent => {
                    let adult = p.add_founder(role.name());
                    let partner = p.add_founder("adult's partner");
                    let (f, m) = if role == Role::Father {
                        (adult, partner)
                    } else {
                        (partner, adult)
                    };
                    let parent = p.add_child("true parent", f, m)?;
                    Ok((Some(adult), Some(parent)))
                }
                Stand::Avuncular => {
                    let g1 = p.add_founder("grandfather");
                    let g2 = p.add_founder("grandmother");
                    let adult = p.add_child(role.name(), g1, g2)?;
                    let parent = p.add_child("true parent", g1, g2)?;
                    Ok((Some(adult), Some(parent)))
                }
                // The sibling is a child of both parents: placed after them, below.
                Stand::OlderSibling => Ok((None, Some(p.add_founder("true parent")))),
            },
            _ if claimed => {
                let adult = p.add_founder(role.name());
                Ok((Some(adult), Some(adult)))
            }
            _ => Ok((None, Some(p.add_founder("untyped parent")))),
        }
    };
    let (mut mother_idx, mother_parent) = slot(Role::Mother, unit.mother.is_some(), &mut p)?;
    let (mut father_idx, father_parent) = slot(Role::Father, unit.father.is_some(), &mut p)?;
    let (Some(mp), Some(fp)) = (mother_parent, father_parent) else {
        return Err(KinshipError::InvalidPedigree(
            "unit pedigree without parents".into(),
        ));
    };
    if let Hypothesis::StandIn(role, Stand::OlderSibling) = hypothesis {
        let sibling = p.add_child(role.name(), fp, mp)?;
        match role {
            Role::Mother => mother_idx = Some(sibling),
            Role::Father => father_idx = Some(sibling),
        }
    }
    let mut children = Vec::with_capacity(unit.children.len());
    for _ in &unit.children {
        children.push(p.add_child("child", fp, mp)?);
    }
    Ok(UnitPedigree {
        pedigree: p,
        mother: mother_idx,
        father: father_idx,
        children,
    })
}

fn genotypes_at(unit: &FamilyUnit<'_>, up: &UnitPedigree, locus: Locus) -> Vec<Option<Genotype>> {
    let mut g = vec![None; up.pedigree.len()];
    if let (Some(i), Some(m)) = (up.mother, unit.mother) {
        g[i] = m.genotype(locus);
    }
    if let (Some(i), Some(f)) = (up.father, unit.father) {
        g[i] = f.genotype(locus);
    }
    for (i, c) in up.children.iter().zip(&unit.children) {
        g[*i] = c.genotype(locus);
    }
    g
}

/// log10 of Π_loci P(data | H1) / P(data | H2); `None` when H1 has likelihood 0 somewhere.
fn joint_log10(
    unit: &FamilyUnit<'_>,
    loci: &[Locus],
    h1: &UnitPedigree,
    h2: &UnitPedigree,
    model: &Model<'_>,
) -> Option<f64> {
    let mut total = 0.0;
    for &locus in loci {
        let lm = model.locus(locus);
        let l1 = locus_likelihood(&h1.pedigree, &genotypes_at(unit, h1, locus), &lm);
        let l2 = locus_likelihood(&h2.pedigree, &genotypes_at(unit, h2, locus), &lm);
        if l1 == 0.0 {
            return None;
        }
        // l2 == 0 (the alternative impossible: only without a mutation model) would make the
        // claim infinitely better; a finite cap keeps the number printable in JSON, where an
        // infinity would come out as null and read as "LR 0".
        total += if l2 == 0.0 {
            IMPOSSIBLE_ALTERNATIVE_LOG10
        } else {
            (l1 / l2).log10()
        };
    }
    Some(total.min(IMPOSSIBLE_ALTERNATIVE_LOG10))
}

/// Exclusions with fewer inconsistent loci than this carry a recommendation to confirm them by
/// re-amplification: an unrelated adult shows a median of 9 at 20 loci, so 3–4 is unusual.
pub const CONFIRM_BELOW_INCONSISTENT: usize = 5;

/// log10 LR reported when the alternative hypothesis has likelihood zero.
pub const IMPOSSIBLE_ALTERNATIVE_LOG10: f64 = 999.0;

/// Analyses a unit: claims, joint alternatives, verdict.
pub fn analyse_unit(
    unit: &FamilyUnit<'_>,
    model: &Model<'_>,
    policy: &Policy,
) -> Result<UnitReport, KinshipError> {
    policy.validate()?;
    model.validate()?;
    if unit.children.is_empty() {
        return Err(KinshipError::InvalidPedigree(format!(
            "unit {} has no child",
            unit.id
        )));
    }
    let adults = unit.adults();
    if adults.is_empty() {
        return Err(KinshipError::InvalidPedigree(format!(
            "unit {} has no mother or father",
            unit.id
        )));
    }

    let mut claims = Vec::new();
    for &(role, adult) in &adults {
        for child in &unit.children {
            claims.push(claim(adult, child, role, model, policy)?);
        }
    }

    let mut joint = Vec::new();
    let claim_pedigree = unit_pedigree(unit, Hypothesis::Claim)?;
    let couple = if adults.len() == 2 && !claims.iter().any(|c| c.status == ClaimStatus::Excluded) {
        // Loci where either adult and some child are typed.
        let loci: Vec<Locus> = adults
            .iter()
            .flat_map(|(_, a)| a.typed_loci().map(|(l, _)| l))
            .filter(|l| {
                model.table.has_locus(*l) && unit.children.iter().any(|c| c.genotype(*l).is_some())
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>();
        let alt = unit_pedigree(unit, Hypothesis::CoupleGrandparents)?;
        Some(joint_log10(unit, &loci, &claim_pedigree, &alt, model))
    } else {
        None
    };
    for &(role, adult) in &adults {
        // An excluded claim already decides the unit; the joint analysis would only cost time.
        if claims.iter().any(|c| c.status == ClaimStatus::Excluded) {
            break;
        }
        let loci: Vec<Locus> = usable_loci(&[adult], model.table, None)
            .0
            .into_iter()
            .filter(|l| unit.children.iter().any(|c| c.genotype(*l).is_some()))
            .collect();
        let unrelated = unit_pedigree(unit, Hypothesis::Unrelated(role))?;
        let mut alternatives = Vec::new();
        for stand in Stand::ALL {
            let alt = unit_pedigree(unit, Hypothesis::StandIn(role, stand))?;
            alternatives.push(Alternative::from_log10(
                stand.name(),
                joint_log10(unit, &loci, &claim_pedigree, &alt, model),
            ));
        }
        if let Some(log10) = couple {
            alternatives.push(Alternative::from_log10(COUPLE_GRANDPARENTS, log10));
        }
        joint.push(JointReport {
            adult: adult.sample_id.clone(),
            role,
            log10_lr_vs_unrelated: joint_log10(unit, &loci, &claim_pedigree, &unrelated, model),
            alternatives,
            loci_used: loci.len() as u32,
        });
    }

    let mut report = UnitReport {
        unit_id: unit.id.clone(),
        verdict: Verdict::Inconclusive,
        claims,
        joint,
        reasons: Vec::new(),
        recommendations: Vec::new(),
    };
    reassess(&mut report, policy);
    Ok(report)
}

/// Re-derives claim statuses and the verdict from the report's likelihood ratios under
/// `policy`: thresholds can be explored (calibration, what-if review) without recomputing a
/// single likelihood. The joint analysis is absent when a claim was excluded at analysis time,
/// so a policy with a looser exclusion rule than the one analysed with cannot verify that unit.
pub fn reassess(report: &mut UnitReport, policy: &Policy) {
    for c in &mut report.claims {
        c.status = claim_status(c.log10_lr, c.inconsistent_loci.len(), c.loci_used, policy);
        c.posterior = posterior(c.log10_lr, policy.prior);
    }
    let mut children: Vec<&str> = report.claims.iter().map(|c| c.child.as_str()).collect();
    children.sort_unstable();
    children.dedup();
    let has = |role: Role| report.claims.iter().any(|c| c.role == role);
    let missing_role = match (has(Role::Mother), has(Role::Father)) {
        (true, false) => Some(Role::Father),
        (false, true) => Some(Role::Mother),
        _ => None,
    };
    let adults_analysed = report
        .claims
        .iter()
        .map(|c| (c.role, c.parent.as_str()))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let (verdict, reasons, recommendations) = decide(
        &report.claims,
        &report.joint,
        policy,
        children.len(),
        missing_role,
        adults_analysed,
    );
    report.verdict = verdict;
    report.reasons = reasons;
    report.recommendations = recommendations;
}

fn claim_status(
    log10_lr: Option<f64>,
    inconsistent: usize,
    loci_used: u32,
    policy: &Policy,
) -> ClaimStatus {
    match log10_lr {
        l if l.is_none_or(|l| l <= policy.exclude_log10_lr)
            && inconsistent >= policy.exclude_min_inconsistent
            && loci_used >= policy.exclude_min_loci =>
        {
            ClaimStatus::Excluded
        }
        Some(l) if l >= policy.claim_min_log10_lr => ClaimStatus::Consistent,
        _ => ClaimStatus::Weak,
    }
}

fn claim(
    adult: &Profile,
    child: &Profile,
    role: Role,
    model: &Model<'_>,
    policy: &Policy,
) -> Result<ClaimReport, KinshipError> {
    let result = duo_lr(adult, child, role, model)?;
    let log10_lr = result.log10_lr();
    let alternatives = [
        ("second-degree", Relationship::HalfSiblings),
        ("full-siblings", Relationship::FullSiblings),
    ]
    .into_iter()
    .map(|(name, relation)| {
        let alt: f64 = result
            .loci
            .iter()
            .map(|l| {
                let (Some(a), Some(c)) = (adult.genotype(l.locus), child.genotype(l.locus)) else {
                    return 0.0;
                };
                pairwise::locus_lr(
                    a,
                    c,
                    |x| model.table.frequency(l.locus, x),
                    relation.ibd(),
                    model.theta,
                )
                .log10()
            })
            .sum();
        Alternative::from_log10(name, log10_lr.map(|l| l - alt))
    })
    .collect();
    let inconsistent_loci = result.inconsistent_loci();
    let loci_used = result.loci_used() as u32;
    let status = claim_status(log10_lr, inconsistent_loci.len(), loci_used, policy);
    Ok(ClaimReport {
        parent: adult.sample_id.clone(),
        role,
        child: child.sample_id.clone(),
        lr: result.lr(),
        log10_lr,
        loci_used,
        inconsistent_loci,
        posterior: posterior(log10_lr, policy.prior),
        alternatives,
        loci: result.loci,
        excluded_loci: result.excluded,
        status,
    })
}

fn decide(
    claims: &[ClaimReport],
    joint: &[JointReport],
    policy: &Policy,
    children: usize,
    missing_role: Option<Role>,
    adults: usize,
) -> (Verdict, Vec<String>, Vec<String>) {
    let mut reasons = Vec::new();
    let mut recommendations = Vec::new();
    let fmt_lr = |l: Option<f64>| l.map_or("0".to_string(), |l| format!("10^{l:.1}"));

    let excluded: Vec<&ClaimReport> = claims
        .iter()
        .filter(|c| c.status == ClaimStatus::Excluded)
        .collect();
    for c in &excluded {
        reasons.push(format!(
            "{} is excluded as {} of {}: LR {} with {} of {} loci inconsistent",
            c.parent,
            c.role.name(),
            c.child,
            fmt_lr(c.log10_lr),
            c.inconsistent_loci.len(),
            c.loci_used
        ));
    }
    if !excluded.is_empty() {
        // Typing errors are not in the mutation model and can mimic inconsistencies; an
        // exclusion resting on few of them is confirmed before anyone acts on it.
        for c in excluded
            .iter()
            .filter(|c| c.inconsistent_loci.len() < CONFIRM_BELOW_INCONSISTENT)
        {
            let loci: Vec<&str> = c.inconsistent_loci.iter().map(|l| l.name()).collect();
            push_unique(
                &mut recommendations,
                &format!(
                    "confirm the exclusion of {} by re-amplifying {} (only {} inconsistent loci: typing errors can mimic them)",
                    c.parent,
                    loci.join(", "),
                    loci.len()
                ),
            );
        }
        return (Verdict::NotSupported, reasons, recommendations);
    }

    let mut inconclusive = false;
    for c in claims.iter().filter(|c| c.status == ClaimStatus::Weak) {
        inconclusive = true;
        reasons.push(format!(
            "{}–{}: the pair's own LR {} with {} of {} loci inconsistent is below the claim floor 10^{}",
            c.parent, c.child, fmt_lr(c.log10_lr), c.inconsistent_loci.len(), c.loci_used, policy.claim_min_log10_lr
        ));
        if !c.inconsistent_loci.is_empty() {
            push_unique(
                &mut recommendations,
                "re-amplify the inconsistent loci to rule out a typing error",
            );
        }
        if c.loci_used < policy.verify_min_loci {
            push_unique(
                &mut recommendations,
                "retype the samples with an expanded kit (20 or more autosomal loci) or repeat failed loci",
            );
        }
        push_unique(
            &mut recommendations,
            "type additional autosomal STR markers",
        );
    }
    for j in joint {
        if j.loci_used < policy.verify_min_loci {
            inconclusive = true;
            reasons.push(format!(
                "{} as {}: only {} loci typed (policy needs {})",
                j.adult,
                j.role.name(),
                j.loci_used,
                policy.verify_min_loci
            ));
            push_unique(
                &mut recommendations,
                "retype the samples with an expanded kit (20 or more autosomal loci) or repeat failed loci",
            );
        }
        if j.log10_lr_vs_unrelated
            .is_none_or(|l| l < policy.verify_log10_lr)
        {
            inconclusive = true;
            reasons.push(format!(
                "{} as {}: joint LR against an unrelated adult is {} (policy needs 10^{})",
                j.adult,
                j.role.name(),
                fmt_lr(j.log10_lr_vs_unrelated),
                policy.verify_log10_lr
            ));
            push_unique(
                &mut recommendations,
                "type additional autosomal STR markers",
            );
        }
    }
    for j in joint {
        for alt in &j.alternatives {
            let beaten = alt.log10_lr.is_some_and(|l| l >= policy.relative_log10_lr);
            if !beaten {
                inconclusive = true;
                reasons.push(format!(
                    "{} as {}: the claim is only {} times likelier than the adult being the children's {} (policy needs 10^{})",
                    j.adult, j.role.name(), fmt_lr(alt.log10_lr), match alt.relation.as_str() {
                        "grandparent" => "grandparent",
                        COUPLE_GRANDPARENTS => "grandparent (with the other adult)",
                        "avuncular" => "aunt or uncle",
                        _ => "older sibling",
                    }, policy.relative_log10_lr
                ));
                if let Some(role) = missing_role {
                    push_unique(
                        &mut recommendations,
                        &format!(
                            "test the children's {} to separate a parent from a close relative",
                            role.name()
                        ),
                    );
                }
                if children == 1 {
                    push_unique(
                        &mut recommendations,
                        "test another child of the claimed parent",
                    );
                }
                push_unique(
                    &mut recommendations,
                    "type additional autosomal STR markers",
                );
            }
        }
    }
    if joint.len() < adults {
        // Only when re-assessing under a looser exclusion rule than the analysis used.
        inconclusive = true;
        reasons.push("the joint analysis was not run for every adult; analyse the unit again under this policy".into());
    }
    if inconclusive {
        return (Verdict::Inconclusive, reasons, recommendations);
    }
    for j in joint {
        let weakest = j
            .alternatives
            .iter()
            .filter_map(|a| a.log10_lr)
            .fold(f64::INFINITY, f64::min);
        reasons.push(format!(
            "{} is verified as {} of every child: joint LR {} against unrelated, at least 10^{weakest:.1} against a close relative, over {} loci",
            j.adult, j.role.name(), fmt_lr(j.log10_lr_vs_unrelated), j.loci_used
        ));
    }
    (Verdict::Verified, reasons, recommendations)
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|s| s == item) {
        list.push(item.to_string());
    }
}
