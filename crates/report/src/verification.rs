//! The verification report of one family unit, as a relationship-testing laboratory signs it:
//! who was tested, the hypotheses, the per-locus and combined likelihood ratios, the statistical
//! method (frequencies, θ, mutation), the policy that turned them into a verdict, the chain of
//! custody, and the supervisor's sign-off (or a DRAFT marking without one).
//!
//! Everything comes from what a run stored: the unit analysis (the `UnitReport` JSON, byte for
//! byte), the policy text in force, the custody rows and the reviews. Nothing is recomputed.

use std::collections::BTreeMap;

use lazo_kinship::{ClaimStatus, Policy, Role, UnitReport, Verdict as KinshipVerdict};
use lazo_store::{
    CustodyRecord, Decision, MemberRole, ReviewRecord, RunDetail, RunSummaryRow, UnitMember,
    UnitRow, Verdict,
};
use serde::Deserialize;

use crate::document::{Block, Document, Draft, Row, SignatureLabels, Signer, Tone};
use crate::labels::{L, t};
use crate::{Language, ReportError};

/// The part of a run's stored policy text the report prints (the rest is on the run already).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct RunSettings {
    /// Per-locus mutation rates, `LOCUS = "RATE"` or `"PATERNAL/MATERNAL"`.
    pub mutation_rates: BTreeMap<String, String>,
    pub thresholds: Policy,
}

impl RunSettings {
    /// Reads the policy TOML stored with a run.
    pub fn from_toml(text: &str) -> Result<RunSettings, ReportError> {
        toml::from_str(text)
            .map_err(|e| ReportError::InvalidInput(format!("the run's policy text: {e}")))
    }
}

/// Everything a unit's verification report says, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct VerificationReportInput {
    pub run: RunSummaryRow,
    pub settings: RunSettings,
    /// The unit's stored verdict (the machine's).
    pub verdict: Verdict,
    /// Presented people, adults first.
    pub members: Vec<UnitMember>,
    /// The analysis, read back from the stored JSON.
    pub unit: UnitReport,
    /// Custody of this unit's samples (empty for runs without it).
    pub custody: Vec<CustodyRecord>,
    /// The unit's latest sign-off, if any.
    pub review: Option<ReviewRecord>,
    /// When the report was made (RFC 3339) and by whom: the caller's clock and account.
    pub generated_at: String,
    pub generated_by: Option<String>,
}

impl VerificationReportInput {
    /// Builds the input from the store's rows for one unit. `reviews` are the unit's sign-offs,
    /// oldest first; `custody` may hold the whole run's (only the unit's samples are kept).
    pub fn from_stored(
        detail: &RunDetail,
        unit: &UnitRow,
        report_json: &str,
        custody: &[CustodyRecord],
        reviews: &[ReviewRecord],
        generated_at: &str,
        generated_by: Option<&str>,
    ) -> Result<VerificationReportInput, ReportError> {
        let report: UnitReport = serde_json::from_str(report_json)
            .map_err(|e| ReportError::InvalidInput(format!("the stored unit report: {e}")))?;
        let settings = RunSettings::from_toml(&detail.policy_toml)?;
        let samples: Vec<&str> = unit.members.iter().map(|m| m.sample_id.as_str()).collect();
        Ok(VerificationReportInput {
            run: detail.run.clone(),
            settings,
            verdict: unit.verdict,
            members: unit.members.clone(),
            unit: report,
            custody: custody
                .iter()
                .filter(|c| samples.contains(&c.sample_id.as_str()))
                .cloned()
                .collect(),
            review: reviews.iter().max_by_key(|r| r.version).cloned(),
            generated_at: generated_at.to_string(),
            generated_by: generated_by.map(str::to_string),
        })
    }
}

fn verdict_label(lang: Language, v: Verdict) -> &'static str {
    t(
        lang,
        match v {
            Verdict::Verified => L::Verified,
            Verdict::NotSupported => L::NotSupported,
            Verdict::Inconclusive => L::Inconclusive,
        },
    )
}

fn kinship_verdict(v: KinshipVerdict) -> Verdict {
    match v {
        KinshipVerdict::Verified => Verdict::Verified,
        KinshipVerdict::NotSupported => Verdict::NotSupported,
        KinshipVerdict::Inconclusive => Verdict::Inconclusive,
    }
}

fn role_label(lang: Language, role: MemberRole) -> &'static str {
    t(
        lang,
        match role {
            MemberRole::Mother => L::Mother,
            MemberRole::Father => L::Father,
            MemberRole::Child => L::Child,
        },
    )
}

fn adult_role(lang: Language, role: Role) -> &'static str {
    t(
        lang,
        match role {
            Role::Mother => L::Mother,
            Role::Father => L::Father,
        },
    )
}

/// A relation name as the analysis writes it, in words; unknown names are shown as written. In
/// the joint analysis (`joint`) "full-siblings" is an older sibling standing in for the parent.
fn relation_label(lang: Language, relation: &str, joint: bool) -> String {
    let l = match relation {
        "second-degree" => L::SecondDegree,
        "full-siblings" if joint => L::OlderSibling,
        "full-siblings" => L::FullSiblings,
        "half-siblings" => L::HalfSiblings,
        "grandparent" => L::Grandparent,
        "avuncular" => L::Avuncular,
        lazo_kinship::unit::COUPLE_GRANDPARENTS => L::BothGrandparents,
        "unrelated" => L::Unrelated,
        other => return other.to_string(),
    };
    t(lang, l).to_string()
}

/// An LR for reading: plain between 0.001 and 100 000, else `m.mmm × 10^e`. When the LR itself
/// overflowed, its log10 (kept beside it) still gives the number.
pub(crate) fn fmt_lr(lr: f64, log10: Option<f64>) -> String {
    if lr == 0.0 || (log10.is_none() && !lr.is_finite()) {
        return if lr == 0.0 { "0".into() } else { "–".into() };
    }
    if lr.is_finite() && lr > 0.0 && (1e-3..1e5).contains(&lr) {
        let digits = (3 - lr.log10().floor() as i32).max(0) as usize;
        return format!("{lr:.digits$}");
    }
    let l = match log10 {
        Some(l) if l.is_finite() => l,
        _ if lr.is_finite() && lr > 0.0 => lr.log10(),
        _ => return "–".into(),
    };
    let exponent = l.floor();
    let mantissa = 10f64.powf(l - exponent);
    format!("{mantissa:.3} × 10^{exponent:.0}")
}

fn fmt_log10(l: Option<f64>) -> String {
    l.map_or("–".to_string(), |v| format!("{v:.2}"))
}

/// A probability as a percentage, without claiming certainty the digits do not hold.
pub(crate) fn fmt_probability(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p >= 0.999_999 {
        "> 99.9999 %".into()
    } else if p <= 0.000_001 {
        "< 0.0001 %".into()
    } else {
        format!("{:.4} %", p * 100.0)
    }
}

fn fill(template: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in pairs {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

fn mutation_description(lang: Language, spec: &str) -> String {
    if spec.trim().eq_ignore_ascii_case("none") {
        return t(lang, L::MutationNone).to_string();
    }
    match lazo_kinship::MutationModel::parse(spec) {
        Ok(m) => {
            let mut text = format!(
                "{} — {}",
                m.kind.name(),
                fill(
                    t(lang, L::PaternalMaternal),
                    &[
                        ("p", &m.rates.paternal.to_string()),
                        ("m", &m.rates.maternal.to_string()),
                    ],
                )
            );
            if let lazo_kinship::MutationKind::Stepwise { range, .. } = m.kind {
                text.push_str(&format!(
                    "; {}",
                    fill(t(lang, L::StepwiseRange), &[("r", &range.to_string())])
                ));
            }
            format!("{text} ({spec})")
        }
        // Stored as written; shown as written if it no longer parses.
        Err(_) => spec.to_string(),
    }
}

/// The unit's verification report as PDF, labelled in `lang`.
pub fn verification_pdf(
    input: &VerificationReportInput,
    lang: Language,
) -> Result<Vec<u8>, ReportError> {
    let at = time::OffsetDateTime::parse(
        &input.generated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|e| {
        ReportError::InvalidInput(format!("generated_at {:?}: {e}", input.generated_at))
    })?;
    verification_document(input, lang).to_pdf(at)
}

/// The report's blocks (separate from the PDF so its content is testable without typesetting).
pub fn verification_document(input: &VerificationReportInput, lang: Language) -> Document {
    let tr = |l: L| t(lang, l).to_string();
    let unit = &input.unit;
    let run = &input.run;
    let mut blocks = Vec::new();

    let mut ids = vec![
        (tr(L::Unit), unit.unit_id.clone()),
        (tr(L::Run), run.id.to_string()),
    ];
    if let Some(site) = &run.site {
        ids.push((tr(L::Site), site.clone()));
    }
    ids.push((tr(L::RunStarted), run.started_at.clone()));
    ids.push((tr(L::Software), format!("Lazo {}", run.lazo_version)));
    let generated = match &input.generated_by {
        Some(who) => format!("{} {} {who}", input.generated_at, tr(L::GeneratedBy)),
        None => input.generated_at.clone(),
    };
    blocks.push(Block::title(
        tr(L::ReportTitle),
        Some(format!("{} {}", tr(L::FamilyUnit), unit.unit_id)),
        ids,
        (tr(L::Generated), generated),
    ));

    // The verdict first: what the reader came for, with the reasons behind it.
    let final_verdict = input
        .review
        .as_ref()
        .map_or(input.verdict, |r| r.final_verdict);
    let tone = match final_verdict {
        Verdict::Verified => Tone::Good,
        Verdict::NotSupported => Tone::Danger,
        Verdict::Inconclusive => Tone::Warning,
    };
    let machine = kinship_verdict(unit.verdict);
    let mut lines = Vec::new();
    if let Some(r) = input
        .review
        .as_ref()
        .filter(|r| r.decision == Decision::Overridden)
    {
        lines.push(format!(
            "{}: {}",
            tr(L::FinalVerdict),
            verdict_label(lang, r.final_verdict)
        ));
    }
    lines.extend(unit.reasons.iter().cloned());
    blocks.push(Block::notice(
        tone,
        Some(format!(
            "{}: {}",
            tr(L::Verdict),
            verdict_label(lang, machine)
        )),
        lines,
    ));

    blocks.push(Block::heading(tr(L::People)));
    blocks.push(Block::table(
        vec![tr(L::SampleId), tr(L::Role)],
        vec![2.0, 1.0],
        input
            .members
            .iter()
            .map(|m| Row::new(vec![m.sample_id.clone(), role_label(lang, m.role).into()]))
            .collect(),
    ));

    blocks.push(Block::heading(tr(L::Hypotheses)));
    let adults: Vec<String> = input
        .members
        .iter()
        .filter(|m| m.role != MemberRole::Child)
        .map(|m| format!("{} ({})", m.sample_id, role_label(lang, m.role)))
        .collect();
    let children: Vec<String> = input
        .members
        .iter()
        .filter(|m| m.role == MemberRole::Child)
        .map(|m| m.sample_id.clone())
        .collect();
    let mut alternatives: Vec<String> = Vec::new();
    for (name, joint) in unit
        .claims
        .iter()
        .flat_map(|c| c.alternatives.iter().map(|a| (a.relation.as_str(), false)))
        .chain(
            unit.joint
                .iter()
                .flat_map(|j| j.alternatives.iter().map(|a| (a.relation.as_str(), true))),
        )
    {
        let label = relation_label(lang, name, joint);
        if !alternatives.contains(&label) {
            alternatives.push(label);
        }
    }
    blocks.push(Block::bullets(vec![
        fill(
            t(lang, L::ClaimHypothesis),
            &[
                ("adults", &adults.join(", ")),
                ("children", &children.join(", ")),
            ],
        ),
        tr(L::UnrelatedHypothesis),
        format!(
            "{}: {}",
            tr(L::AlternativesConsidered),
            alternatives.join("; ")
        ),
    ]));

    let prior = input.settings.thresholds.prior;
    blocks.push(Block::heading(tr(L::Evidence)));
    for claim in &unit.claims {
        blocks.push(Block::subheading(format!(
            "{} ({}) → {} ({})",
            claim.parent,
            adult_role(lang, claim.role),
            claim.child,
            tr(L::Child)
        )));
        let inconsistent = if claim.inconsistent_loci.is_empty() {
            tr(L::NoneWord)
        } else {
            claim
                .inconsistent_loci
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let status = match claim.status {
            ClaimStatus::Consistent => L::Consistent,
            ClaimStatus::Excluded => L::Excluded,
            ClaimStatus::Weak => L::Weak,
        };
        blocks.push(Block::key_value(vec![
            (tr(L::CombinedLr), fmt_lr(claim.lr, claim.log10_lr)),
            (tr(L::Log10Lr), fmt_log10(claim.log10_lr)),
            (tr(L::LociUsed), claim.loci_used.to_string()),
            (tr(L::InconsistentLoci), inconsistent),
            (
                fill(t(lang, L::Probability), &[("prior", &prior.to_string())]),
                fmt_probability(claim.posterior),
            ),
            (tr(L::ClaimStatus), tr(status)),
        ]));
        if !claim.alternatives.is_empty() {
            blocks.push(Block::table(
                vec![tr(L::Alternative), tr(L::LrAgainst), tr(L::Log10Lr)],
                vec![3.0, 1.5, 1.0],
                claim
                    .alternatives
                    .iter()
                    .map(|a| {
                        Row::new(vec![
                            relation_label(lang, &a.relation, false),
                            fmt_lr(a.lr, a.log10_lr),
                            fmt_log10(a.log10_lr),
                        ])
                    })
                    .collect(),
            ));
        }
        blocks.push(Block::table(
            vec![tr(L::Locus), tr(L::Lr), tr(L::Inconsistent)],
            vec![2.0, 2.0, 1.0],
            claim
                .loci
                .iter()
                .map(|l| {
                    Row::marked(
                        vec![
                            l.locus.to_string(),
                            fmt_lr(l.lr, None),
                            if l.inconsistent {
                                format!("✗ {}", tr(L::Inconsistent).to_lowercase())
                            } else {
                                String::new()
                            },
                        ],
                        l.inconsistent,
                    )
                })
                .collect(),
        ));
        if !claim.excluded_loci.is_empty() {
            blocks.push(Block::paragraph(format!("{}:", tr(L::ExcludedLoci))));
            blocks.push(Block::bullets(
                claim
                    .excluded_loci
                    .iter()
                    .map(|e| format!("{}: {}", e.locus, e.reason))
                    .collect(),
            ));
        }
    }

    if !unit.joint.is_empty() {
        blocks.push(Block::heading(tr(L::Joint)));
        let mut header = vec![
            tr(L::Adult),
            tr(L::LociUsed),
            tr(L::Log10VsUnrelated),
            fill(t(lang, L::Probability), &[("prior", &prior.to_string())]),
        ];
        let mut names: Vec<String> = Vec::new();
        for j in &unit.joint {
            for a in &j.alternatives {
                if !names.contains(&a.relation) {
                    names.push(a.relation.clone());
                }
            }
        }
        header.extend(
            names
                .iter()
                .map(|n| format!("{}: {}", tr(L::Log10Lr), relation_label(lang, n, true))),
        );
        let rows = unit
            .joint
            .iter()
            .map(|j| {
                let mut cells = vec![
                    format!("{} ({})", j.adult, adult_role(lang, j.role)),
                    j.loci_used.to_string(),
                    fmt_log10(j.log10_lr_vs_unrelated),
                    fmt_probability(lazo_kinship::posterior(j.log10_lr_vs_unrelated, prior)),
                ];
                for n in &names {
                    cells.push(
                        j.alternatives
                            .iter()
                            .find(|a| &a.relation == n)
                            .map_or("–".to_string(), |a| fmt_log10(a.log10_lr)),
                    );
                }
                Row::new(cells)
            })
            .collect();
        blocks.push(Block::table(header, Vec::new(), rows));
    }

    if !unit.reasons.is_empty() {
        blocks.push(Block::heading(tr(L::Reasons)));
        blocks.push(Block::bullets(unit.reasons.clone()));
    }
    if !unit.recommendations.is_empty() {
        blocks.push(Block::heading(tr(L::Recommendations)));
        blocks.push(Block::bullets(unit.recommendations.clone()));
    }

    blocks.push(Block::heading(tr(L::Method)));
    let p = &input.settings.thresholds;
    blocks.push(Block::key_value(vec![
        (tr(L::FrequencyTable), run.population.clone()),
        (tr(L::Theta), run.theta.to_string()),
        (
            tr(L::MutationModel),
            mutation_description(lang, &run.mutation),
        ),
        (tr(L::Prior), p.prior.to_string()),
    ]));
    if !input.settings.mutation_rates.is_empty() {
        blocks.push(Block::table(
            vec![tr(L::Locus), tr(L::PerLocusRates)],
            vec![1.0, 2.0],
            input
                .settings
                .mutation_rates
                .iter()
                .map(|(l, r)| Row::new(vec![l.clone(), r.clone()]))
                .collect(),
        ));
    }
    blocks.push(Block::subheading(tr(L::Policy)));
    blocks.push(Block::key_value(vec![
        (tr(L::VerifyLog10), p.verify_log10_lr.to_string()),
        (tr(L::VerifyMinLoci), p.verify_min_loci.to_string()),
        (tr(L::ClaimMinLog10), p.claim_min_log10_lr.to_string()),
        (tr(L::RelativeLog10), p.relative_log10_lr.to_string()),
        (tr(L::ExcludeLog10), p.exclude_log10_lr.to_string()),
        (
            tr(L::ExcludeMinInconsistent),
            p.exclude_min_inconsistent.to_string(),
        ),
        (tr(L::ExcludeMinLoci), p.exclude_min_loci.to_string()),
    ]));

    blocks.push(Block::heading(tr(L::Custody)));
    if input.custody.is_empty() {
        blocks.push(Block::paragraph(tr(L::NoCustody)));
    } else {
        blocks.push(Block::table(
            vec![
                tr(L::SampleId),
                tr(L::Collector),
                tr(L::CollectedOn),
                tr(L::Place),
                tr(L::Consent),
                tr(L::Kit),
            ],
            vec![1.4, 1.4, 1.1, 1.4, 0.9, 1.4],
            input
                .custody
                .iter()
                .map(|c| {
                    Row::marked(
                        vec![
                            c.sample_id.clone(),
                            c.collector.clone(),
                            c.collected_on.clone(),
                            c.place.clone(),
                            tr(if c.consent { L::Yes } else { L::No }),
                            c.kit.clone(),
                        ],
                        !c.consent,
                    )
                })
                .collect(),
        ));
    }

    let labels = SignatureLabels {
        title: tr(L::SignOff),
        who: tr(L::SignedBy),
        role: tr(L::SignerRole),
        when: tr(L::SignedAt),
        not_signed: tr(L::NotReviewed),
    };
    let signer = input.review.as_ref().map(|r| {
        let mut statement = match r.decision {
            Decision::Confirmed => fill(
                t(lang, L::Confirmed),
                &[("verdict", verdict_label(lang, r.final_verdict))],
            ),
            Decision::Overridden => fill(
                t(lang, L::Overridden),
                &[
                    ("machine", verdict_label(lang, r.machine_verdict)),
                    ("verdict", verdict_label(lang, r.final_verdict)),
                ],
            ),
        };
        if let Some(reason) = &r.reason {
            statement.push_str(&format!(" {}: {reason}", tr(L::Reason)));
        }
        Signer {
            who: r.reviewer.clone(),
            role: tr(L::Supervisor),
            when: r.reviewed_at.clone(),
            statement,
        }
    });
    let draft = signer.is_none().then(|| Draft {
        mark: tr(L::DraftMark),
        note: tr(L::DraftNote),
    });
    blocks.push(Block::signature(labels, signer));

    Document {
        title: format!("{} — {}", tr(L::ReportTitle), unit.unit_id),
        lang: lang.code().to_string(),
        draft,
        footer: format!(
            "Lazo {} · {} {} · {} {}",
            run.lazo_version,
            tr(L::Run),
            run.id,
            tr(L::Unit),
            unit.unit_id
        ),
        blocks,
    }
}
