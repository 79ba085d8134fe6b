//! From answers to findings, and from findings to an outcome.
//!
//! # Findings
//!
//! Each of trafficking victim, trafficking risk and credible fear gets a [`Finding`]:
//!
//! 1. **Yes** if any of its `yes` rules fires.
//! 2. Otherwise **NeedsFollowUp** if any of its `needs_follow_up` rules fires, or a `yes` rule
//!    cannot be settled because an answer it reads is `unsure`, or a required question one of its
//!    rules reads is unanswered or declined — "required" including a `required_when` question
//!    whose earlier answers call for it ([`Question::is_required`]).
//! 3. Otherwise **No**.
//!
//! Precedence is Yes > NeedsFollowUp > No, and No is only ever the absence of everything else:
//! missing, declined and unsure answers can raise a finding, never lower one. A question that is
//! not required (its `required_when` shown not to apply) left unanswered simply does not fire the
//! rules that read it.
//!
//! A condition on an `unsure` answer holds if it tests for `unsure`, and is otherwise unsettled
//! (neither true nor false): `any` is true if a condition holds, else unsettled if one is; `all` is
//! false if a condition fails, else unsettled if one is. So a child who is unsure whether someone
//! took their papers is neither a Yes nor a No on that question — a person has to follow up.
//!
//! Capacity follows the same precedence (unable > needs follow-up > able) after the built-in age
//! presumption; see [`crate::capacity`].
//!
//! Every finding lists the answers that drove it ([`Evidence`]): for Yes, the answers that matched
//! firing rules; for NeedsFollowUp, the matching, unsettled and missing answers; for No, every
//! answer its rules considered.
//!
//! # Outcome
//!
//! The outcome table ([`decide`]), first matching row wins:
//!
//! | row | trafficking victim | trafficking risk | credible fear | capacity | outcome | actions |
//! |---|---|---|---|---|---|---|
//! | 1 | Yes | any | any | any | [`Outcome::TraffickingReferral`] | child-welfare custody, anti-trafficking investigators, protection interview if fear is Yes |
//! | 1 | any | Yes | any | any | [`Outcome::TraffickingReferral`] | as above |
//! | 2 | not Yes | not Yes | Yes | any | [`Outcome::ProtectionInterview`] | protection (credible-fear) interview, child-welfare custody |
//! | 3 | not Yes | not Yes | not Yes | Unable | [`Outcome::ChildWelfareCustody`] | child-welfare custody: the child cannot consent to return |
//! | 4 | not Yes | not Yes | not Yes | not Unable, and something NeedsFollowUp | [`Outcome::SupervisorReview`] | supervisor review before any return decision |
//! | 5 | No | No | No | Able | [`Outcome::EligibleForReturn`] | return may be considered |
//!
//! Every outcome other than row 5 carries the criteria still open (NeedsFollowUp), and adds a
//! supervisor review when there are any. Only row 5 permits return, and it needs a
//! [`CapableChild`], which cannot exist for a child under 14.

use std::collections::BTreeSet;

use serde::Serialize;
use time::Date;

use crate::answers::{Answer, Answers, ScreeningError, YesNo};
use crate::capacity::{
    AgeEvidence, CapableChild, Capacity, CapacityFinding, PRESUMED_CAPACITY_AGE, UnableReason,
};
use crate::instrument::{Criterion, Instrument, Question, Rule, RuleFinding, Test, When};

/// The finding on one of trafficking victim, trafficking risk and credible fear. Ordered by
/// precedence: `No < NeedsFollowUp < Yes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    No,
    NeedsFollowUp,
    Yes,
}

/// How an answer bore on a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceRole {
    /// It satisfied the condition of a rule that fired.
    Matched,
    /// It was `unsure`, so a rule could not be settled.
    Unsettled,
    /// A required question with no answer (or declined).
    Missing,
    /// Answered, considered, and fired nothing (the evidence for a No, or the age for capacity).
    Considered,
}

/// One answer behind a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub question: String,
    /// `None`: not answered.
    pub answer: Option<Answer>,
    pub role: EvidenceRole,
}

/// The finding on one criterion and what drove it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CriterionFinding {
    pub criterion: Criterion,
    pub finding: Finding,
    /// Ids of the rules behind the finding (fired, or left unsettled).
    pub rules: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// What a screening recommends. Only [`Outcome::EligibleForReturn`] permits return, and it can only
/// be built from a [`CapableChild`].
///
/// Not `Deserialize`: an outcome is computed from answers, never read back from storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Row 1: trafficking victim or at risk. Transfer to child-welfare custody and refer to
    /// anti-trafficking investigators; also a protection interview when the child fears return.
    TraffickingReferral {
        protection_interview: bool,
        open: Vec<Criterion>,
    },
    /// Row 2: the child fears return. Refer for a protection (credible-fear) interview; the child
    /// is not returned and goes to child-welfare custody meanwhile.
    ProtectionInterview { open: Vec<Criterion> },
    /// Row 3: the child cannot make an independent decision (under 14, or assessed unable), so
    /// cannot consent to return: transfer to child-welfare custody.
    ChildWelfareCustody {
        reason: UnableReason,
        open: Vec<Criterion>,
    },
    /// Row 4: something is not settled. A supervisor reviews the open criteria before any return
    /// decision; the child is not returned meanwhile.
    SupervisorReview { open: Vec<Criterion> },
    /// Row 5: every finding is No and the child, 14 or over, can decide. Return may be considered;
    /// a person still decides.
    EligibleForReturn(CapableChild),
}

/// A step an outcome calls for, for routing by the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Transfer to the child-welfare agency's custody (in the US, the Office of Refugee
    /// Resettlement).
    ChildWelfareCustody,
    /// Refer to anti-trafficking investigators.
    AntiTraffickingInvestigators,
    /// Refer for a protection (credible-fear) interview.
    ProtectionInterview,
    /// A supervisor reviews the open criteria before any return decision.
    SupervisorReview,
    /// Return may be considered by the responsible officer.
    ReturnMayBeConsidered,
}

impl Outcome {
    /// Whether this outcome permits the child's return to be considered (row 5 only).
    pub fn permits_return(&self) -> bool {
        matches!(self, Outcome::EligibleForReturn(_))
    }

    /// The criteria still needing follow-up.
    pub fn open(&self) -> &[Criterion] {
        match self {
            Outcome::TraffickingReferral { open, .. }
            | Outcome::ProtectionInterview { open }
            | Outcome::ChildWelfareCustody { open, .. }
            | Outcome::SupervisorReview { open } => open,
            Outcome::EligibleForReturn(_) => &[],
        }
    }

    /// The steps this outcome calls for, most urgent first.
    pub fn actions(&self) -> Vec<Action> {
        let mut actions = match self {
            Outcome::TraffickingReferral {
                protection_interview,
                ..
            } => {
                let mut a = vec![
                    Action::ChildWelfareCustody,
                    Action::AntiTraffickingInvestigators,
                ];
                if *protection_interview {
                    a.push(Action::ProtectionInterview);
                }
                a
            }
            Outcome::ProtectionInterview { .. } => {
                vec![Action::ProtectionInterview, Action::ChildWelfareCustody]
            }
            Outcome::ChildWelfareCustody { .. } => vec![Action::ChildWelfareCustody],
            Outcome::SupervisorReview { .. } => vec![],
            Outcome::EligibleForReturn(_) => vec![Action::ReturnMayBeConsidered],
        };
        if !self.open().is_empty() {
            actions.push(Action::SupervisorReview);
        }
        actions
    }
}

/// The outcome table (see the module documentation for it as a table). The `match` is the table:
/// the compiler checks it is exhaustive, and the last arm is the only one that permits return.
pub fn decide(victim: Finding, risk: Finding, fear: Finding, capacity: &Capacity) -> Outcome {
    use Finding::{NeedsFollowUp, No, Yes};
    let open: Vec<Criterion> = [
        (Criterion::TraffickingVictim, victim == NeedsFollowUp),
        (Criterion::TraffickingRisk, risk == NeedsFollowUp),
        (Criterion::CredibleFear, fear == NeedsFollowUp),
        (
            Criterion::Capacity,
            matches!(capacity, Capacity::NeedsFollowUp { .. }),
        ),
    ]
    .into_iter()
    .filter_map(|(c, is_open)| is_open.then_some(c))
    .collect();
    match (victim, risk, fear, capacity) {
        // Row 1: trafficking.
        (Yes, _, _, _) | (_, Yes, _, _) => Outcome::TraffickingReferral {
            protection_interview: fear == Yes,
            open,
        },
        // Row 2: fear of return.
        (_, _, Yes, _) => Outcome::ProtectionInterview { open },
        // Row 3: cannot decide independently.
        (_, _, _, Capacity::Unable(reason)) => Outcome::ChildWelfareCustody {
            reason: *reason,
            open,
        },
        // Row 4: anything unsettled.
        (NeedsFollowUp, _, _, _)
        | (_, NeedsFollowUp, _, _)
        | (_, _, NeedsFollowUp, _)
        | (_, _, _, Capacity::NeedsFollowUp { .. }) => Outcome::SupervisorReview { open },
        // Row 5: all No, and able — the only way to return, and it needs the proof.
        (No, No, No, Capacity::Able(child)) => Outcome::EligibleForReturn(child.clone()),
    }
}

/// All four findings and the outcome of one screening.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub trafficking_victim: CriterionFinding,
    pub trafficking_risk: CriterionFinding,
    pub credible_fear: CriterionFinding,
    pub capacity: CapacityFinding,
    pub outcome: Outcome,
}

impl Decision {
    /// The finding on one of the first three criteria (`None` for capacity, which has its own
    /// type: [`Decision::capacity`]).
    pub fn finding(&self, criterion: Criterion) -> Option<&CriterionFinding> {
        match criterion {
            Criterion::TraffickingVictim => Some(&self.trafficking_victim),
            Criterion::TraffickingRisk => Some(&self.trafficking_risk),
            Criterion::CredibleFear => Some(&self.credible_fear),
            Criterion::Capacity => None,
        }
    }
}

/// Evaluates a screening: checks the answers against the instrument, then derives the four
/// findings and the outcome. `on` is the screening date, which turns a date of birth into an age.
/// Answers that do not fit the instrument are refused with every problem listed.
pub fn evaluate(
    instrument: &Instrument,
    answers: &Answers,
    on: Date,
) -> Result<Decision, Vec<ScreeningError>> {
    let errors = instrument.check_answers(answers, on);
    if !errors.is_empty() {
        return Err(errors);
    }
    let criterion = |c: Criterion| {
        let a = assess(instrument, answers, c);
        CriterionFinding {
            criterion: c,
            finding: match a.level {
                Level::Concern => Finding::Yes,
                Level::FollowUp => Finding::NeedsFollowUp,
                Level::Clear => Finding::No,
            },
            rules: a.rules,
            evidence: a.evidence,
        }
    };
    let trafficking_victim = criterion(Criterion::TraffickingVictim);
    let trafficking_risk = criterion(Criterion::TraffickingRisk);
    let credible_fear = criterion(Criterion::CredibleFear);
    let capacity = assess_capacity(instrument, answers, on);
    let outcome = decide(
        trafficking_victim.finding,
        trafficking_risk.finding,
        credible_fear.finding,
        &capacity.capacity,
    );
    Ok(Decision {
        trafficking_victim,
        trafficking_risk,
        credible_fear,
        capacity,
        outcome,
    })
}

fn assess_capacity(instrument: &Instrument, answers: &Answers, on: Date) -> CapacityFinding {
    let age = AgeEvidence::from_answers(instrument, answers, on);
    let ages = instrument.age_questions();
    let age_evidence = |role_if_answered: EvidenceRole| -> Vec<Evidence> {
        [&ages.date_of_birth, &ages.stated_age]
            .into_iter()
            .map(|q| {
                let answer = answers.answered(q).cloned();
                Evidence {
                    question: q.clone(),
                    role: if answer.is_some() {
                        role_if_answered
                    } else {
                        EvidenceRole::Missing
                    },
                    answer,
                }
            })
            .collect()
    };
    match age.presumed {
        // The presumption: code, not a rule, so no instrument can edit it away.
        Some(presumed_age) if presumed_age < PRESUMED_CAPACITY_AGE => CapacityFinding {
            capacity: Capacity::Unable(UnableReason::UnderFourteen { presumed_age }),
            rules: Vec::new(),
            evidence: age_evidence(EvidenceRole::Matched)
                .into_iter()
                .filter(|e| e.answer.is_some())
                .collect(),
            age,
        },
        // Unknown age: never presumed able.
        None => CapacityFinding {
            capacity: Capacity::NeedsFollowUp { age_unknown: true },
            rules: Vec::new(),
            evidence: age_evidence(EvidenceRole::Missing),
            age,
        },
        // Fourteen or older on the answers given, but the age rests on only one of the two
        // age questions: not established. Able — and so return — needs the date of birth and
        // the stated age both recorded and both at least 14; otherwise one missing answer
        // could hide a child under 14 (found by the `fewer_answers_never_permit_return`
        // property: a stated age of 14 with the date of birth of an 11-year-old dropped).
        Some(_)
            if answers.answered(&ages.date_of_birth).is_none()
                || answers.answered(&ages.stated_age).is_none() =>
        {
            CapacityFinding {
                capacity: Capacity::NeedsFollowUp { age_unknown: false },
                rules: Vec::new(),
                evidence: age_evidence(EvidenceRole::Missing),
                age,
            }
        }
        Some(presumed_age) => {
            let a = assess(instrument, answers, Criterion::Capacity);
            let capacity = match a.level {
                Level::Concern => Capacity::Unable(UnableReason::Assessed),
                Level::FollowUp => Capacity::NeedsFollowUp { age_unknown: false },
                Level::Clear => match CapableChild::new(presumed_age) {
                    Some(child) => Capacity::Able(child),
                    // Unreachable (presumed_age ≥ 14 here), but never fall through to Able.
                    None => Capacity::NeedsFollowUp { age_unknown: false },
                },
            };
            let mut evidence = age_evidence(EvidenceRole::Considered)
                .into_iter()
                .filter(|e| e.answer.is_some())
                .collect::<Vec<_>>();
            evidence.extend(a.evidence);
            CapacityFinding {
                capacity,
                rules: a.rules,
                evidence: sorted(instrument, evidence),
                age,
            }
        }
    }
}

/// Three-valued truth: an `unsure` answer leaves a condition unsettled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unsettled,
}

fn test_answer(test: &Test, answer: Option<&Answer>) -> Truth {
    let truth = |b: bool| if b { Truth::True } else { Truth::False };
    let yes_no = |v: YesNo, values: &[String]| {
        if values.iter().any(|x| x == v.as_str()) {
            Truth::True
        } else if v == YesNo::Unsure {
            Truth::Unsettled
        } else {
            Truth::False
        }
    };
    match (answer, test) {
        (Some(Answer::YesNo(v)), Test::Equals(x)) => yes_no(*v, std::slice::from_ref(x)),
        (Some(Answer::YesNo(v)), Test::OneOf(xs)) => yes_no(*v, xs),
        (Some(Answer::Choice(c)), Test::Equals(x)) => truth(c == x),
        (Some(Answer::Choice(c)), Test::OneOf(xs)) => truth(xs.contains(c)),
        (Some(Answer::Number(n)), Test::LessThan(k)) => truth(n < k),
        (Some(Answer::Number(n)), Test::AtLeast(k)) => truth(n >= k),
        // Unanswered, declined, or (excluded by validation) a mismatched type: does not fire.
        // A required question left unanswered is handled separately, as missing.
        _ => Truth::False,
    }
}

struct RuleResult<'a> {
    truth: Truth,
    matched: Vec<&'a str>,
    unsettled: Vec<&'a str>,
}

impl Question {
    /// Whether this question must be answered, given the answers so far: always for
    /// `required = true`; for `required_when`, unless the earlier answers show it does not
    /// apply. A condition on a missing, declined or `unsure` earlier answer cannot be told false,
    /// so it keeps the question required (see [`crate::instrument`], "Required when").
    pub fn is_required(&self, answers: &Answers) -> bool {
        if self.required {
            return true;
        }
        let Some(when) = &self.required_when else {
            return false;
        };
        let truths: Vec<Truth> = when
            .conditions()
            .iter()
            .map(|c| match answers.answered(&c.question) {
                None => Truth::Unsettled,
                answer => test_answer(&c.test, answer),
            })
            .collect();
        combine(when, &truths) != Truth::False
    }
}

/// `any`: true if a condition holds, else unsettled if one is; `all`: false if a condition
/// fails, else unsettled if one is.
fn combine(when: &When, truths: &[Truth]) -> Truth {
    let has = |t: Truth| truths.contains(&t);
    match when {
        When::Any(_) if has(Truth::True) => Truth::True,
        When::Any(_) if has(Truth::Unsettled) => Truth::Unsettled,
        When::Any(_) => Truth::False,
        When::All(_) if has(Truth::False) => Truth::False,
        When::All(_) if has(Truth::Unsettled) => Truth::Unsettled,
        When::All(_) => Truth::True,
    }
}

fn run_rule<'a>(rule: &'a Rule, answers: &Answers) -> RuleResult<'a> {
    let results: Vec<(&str, Truth)> = rule
        .when
        .conditions()
        .iter()
        .map(|c| {
            (
                c.question.as_str(),
                test_answer(&c.test, answers.answered(&c.question)),
            )
        })
        .collect();
    let with = |t: Truth| -> Vec<&'a str> {
        results
            .iter()
            .filter(|(_, r)| *r == t)
            .map(|(q, _)| *q)
            .collect()
    };
    let truths: Vec<Truth> = results.iter().map(|(_, t)| *t).collect();
    let truth = combine(&rule.when, &truths);
    RuleResult {
        truth,
        matched: if truth == Truth::False {
            Vec::new()
        } else {
            with(Truth::True)
        },
        unsettled: if truth == Truth::Unsettled {
            with(Truth::Unsettled)
        } else {
            Vec::new()
        },
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Concern,
    FollowUp,
    Clear,
}

struct Assessment {
    level: Level,
    rules: Vec<String>,
    evidence: Vec<Evidence>,
}

/// The precedence, shared by all four criteria: concern (yes / unable) > follow-up > clear.
fn assess(instrument: &Instrument, answers: &Answers, criterion: Criterion) -> Assessment {
    let rules: Vec<&Rule> = instrument.rules_for(criterion).collect();
    let results: Vec<(&Rule, RuleResult<'_>)> =
        rules.iter().map(|r| (*r, run_rule(r, answers))).collect();
    let is_concern = |r: &Rule| matches!(r.finding, RuleFinding::Yes | RuleFinding::Unable);
    let evidence_of = |q: &str, role| Evidence {
        question: q.to_string(),
        answer: answers.get(q).cloned(),
        role,
    };

    let fired: Vec<_> = results
        .iter()
        .filter(|(r, res)| is_concern(r) && res.truth == Truth::True)
        .collect();
    if !fired.is_empty() {
        let evidence = fired
            .iter()
            .flat_map(|(_, res)| res.matched.iter())
            .map(|q| evidence_of(q, EvidenceRole::Matched))
            .collect();
        return Assessment {
            level: Level::Concern,
            rules: fired.iter().map(|(r, _)| r.id.clone()).collect(),
            evidence: sorted(instrument, evidence),
        };
    }

    let mut follow_rules = Vec::new();
    let mut evidence = Vec::new();
    for (rule, res) in &results {
        let counts = match res.truth {
            Truth::Unsettled => true,
            Truth::True => rule.finding == RuleFinding::NeedsFollowUp,
            Truth::False => false,
        };
        if counts {
            follow_rules.push(rule.id.clone());
            evidence.extend(
                res.matched
                    .iter()
                    .map(|q| evidence_of(q, EvidenceRole::Matched)),
            );
            evidence.extend(
                res.unsettled
                    .iter()
                    .map(|q| evidence_of(q, EvidenceRole::Unsettled)),
            );
        }
    }
    let read: BTreeSet<&str> = rules
        .iter()
        .flat_map(|r| r.when.conditions())
        .map(|c| c.question.as_str())
        .collect();
    for q in &read {
        let required = instrument
            .question(q)
            .is_some_and(|q: &Question| q.is_required(answers));
        if required && answers.answered(q).is_none() {
            evidence.push(evidence_of(q, EvidenceRole::Missing));
        }
    }
    if !evidence.is_empty() || !follow_rules.is_empty() {
        return Assessment {
            level: Level::FollowUp,
            rules: follow_rules,
            evidence: sorted(instrument, evidence),
        };
    }

    let considered = read
        .iter()
        .filter(|q| answers.answered(q).is_some())
        .map(|q| evidence_of(q, EvidenceRole::Considered))
        .collect();
    Assessment {
        level: Level::Clear,
        rules: Vec::new(),
        evidence: sorted(instrument, considered),
    }
}

/// In asking order, one entry per question (the first, strongest role kept).
fn sorted(instrument: &Instrument, evidence: Vec<Evidence>) -> Vec<Evidence> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<Evidence> = evidence
        .into_iter()
        .filter(|e| seen.insert(e.question.clone()))
        .collect();
    out.sort_by_key(|e| instrument.position(&e.question));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Finding::{NeedsFollowUp as F, No as N, Yes as Y};

    fn able() -> Capacity {
        Capacity::Able(CapableChild::new(15).expect("15 is capable"))
    }
    fn unable() -> Capacity {
        Capacity::Unable(UnableReason::UnderFourteen { presumed_age: 9 })
    }
    fn open_capacity() -> Capacity {
        Capacity::NeedsFollowUp { age_unknown: true }
    }
    const ALL: [Finding; 3] = [N, F, Y];

    fn capacities() -> Vec<Capacity> {
        vec![able(), unable(), open_capacity()]
    }

    #[test]
    fn capable_child_cannot_be_made_under_fourteen() {
        for age in 0..PRESUMED_CAPACITY_AGE {
            assert!(CapableChild::new(age).is_none(), "age {age}");
        }
        assert_eq!(CapableChild::new(14).map(|c| c.presumed_age()), Some(14));
    }

    #[test]
    fn row1_trafficking_yes_refers_to_custody_and_investigators() {
        for (v, r) in [(Y, N), (N, Y), (Y, Y), (Y, F), (F, Y)] {
            for fear in ALL {
                for cap in capacities() {
                    let o = decide(v, r, fear, &cap);
                    let Outcome::TraffickingReferral {
                        protection_interview,
                        ..
                    } = &o
                    else {
                        panic!("{v:?} {r:?} {fear:?} {cap:?} gave {o:?}");
                    };
                    assert_eq!(*protection_interview, fear == Y);
                    let actions = o.actions();
                    assert!(actions.contains(&Action::ChildWelfareCustody));
                    assert!(actions.contains(&Action::AntiTraffickingInvestigators));
                    assert_eq!(actions.contains(&Action::ProtectionInterview), fear == Y);
                    assert!(!o.permits_return());
                }
            }
        }
    }

    #[test]
    fn row1_open_criteria_add_supervisor_review() {
        let o = decide(Y, F, F, &open_capacity());
        assert_eq!(
            o.open(),
            &[
                Criterion::TraffickingRisk,
                Criterion::CredibleFear,
                Criterion::Capacity
            ]
        );
        assert!(o.actions().contains(&Action::SupervisorReview));
        let o = decide(Y, N, N, &able());
        assert!(o.open().is_empty());
        assert!(!o.actions().contains(&Action::SupervisorReview));
    }

    #[test]
    fn row2_fear_refers_to_protection_interview() {
        for v in [N, F] {
            for r in [N, F] {
                for cap in capacities() {
                    let o = decide(v, r, Y, &cap);
                    assert!(
                        matches!(o, Outcome::ProtectionInterview { .. }),
                        "{v:?} {r:?} {cap:?} gave {o:?}"
                    );
                    assert_eq!(o.actions()[0], Action::ProtectionInterview);
                    assert!(o.actions().contains(&Action::ChildWelfareCustody));
                    assert_eq!(
                        o.actions().contains(&Action::SupervisorReview),
                        v == F || r == F || matches!(cap, Capacity::NeedsFollowUp { .. })
                    );
                    assert!(!o.permits_return());
                }
            }
        }
    }

    #[test]
    fn row3_unable_goes_to_child_welfare_custody() {
        for v in [N, F] {
            for r in [N, F] {
                for fear in [N, F] {
                    for reason in [
                        UnableReason::UnderFourteen { presumed_age: 13 },
                        UnableReason::Assessed,
                    ] {
                        let o = decide(v, r, fear, &Capacity::Unable(reason));
                        assert_eq!(
                            o,
                            Outcome::ChildWelfareCustody {
                                reason,
                                open: [
                                    (Criterion::TraffickingVictim, v),
                                    (Criterion::TraffickingRisk, r),
                                    (Criterion::CredibleFear, fear)
                                ]
                                .into_iter()
                                .filter(|(_, f)| *f == F)
                                .map(|(c, _)| c)
                                .collect()
                            }
                        );
                        assert!(o.actions().contains(&Action::ChildWelfareCustody));
                        assert!(!o.permits_return());
                    }
                }
            }
        }
    }

    #[test]
    fn row4_anything_open_needs_supervisor_review() {
        for v in [N, F] {
            for r in [N, F] {
                for fear in [N, F] {
                    for cap in [able(), open_capacity()] {
                        let any_open = v == F
                            || r == F
                            || fear == F
                            || matches!(cap, Capacity::NeedsFollowUp { .. });
                        if !any_open {
                            continue;
                        }
                        let o = decide(v, r, fear, &cap);
                        assert!(
                            matches!(o, Outcome::SupervisorReview { .. }),
                            "{v:?} {r:?} {fear:?} {cap:?} gave {o:?}"
                        );
                        assert_eq!(o.actions(), vec![Action::SupervisorReview]);
                        assert!(!o.open().is_empty());
                        assert!(!o.permits_return());
                    }
                }
            }
        }
    }

    #[test]
    fn row5_only_all_no_and_able_is_eligible_for_return() {
        let o = decide(N, N, N, &able());
        assert!(o.permits_return());
        assert_eq!(o.actions(), vec![Action::ReturnMayBeConsidered]);
        // Exhaustively: nothing else permits return.
        for v in ALL {
            for r in ALL {
                for fear in ALL {
                    for cap in capacities() {
                        let eligible = decide(v, r, fear, &cap).permits_return();
                        let expected =
                            v == N && r == N && fear == N && matches!(cap, Capacity::Able(_));
                        assert_eq!(eligible, expected, "{v:?} {r:?} {fear:?} {cap:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn three_valued_logic() {
        let yes = |s: &str| Test::Equals(s.into());
        let a = |v| Some(Answer::YesNo(v));
        assert_eq!(
            test_answer(&yes("yes"), a(YesNo::Yes).as_ref()),
            Truth::True
        );
        assert_eq!(
            test_answer(&yes("yes"), a(YesNo::No).as_ref()),
            Truth::False
        );
        assert_eq!(
            test_answer(&yes("yes"), a(YesNo::Unsure).as_ref()),
            Truth::Unsettled
        );
        assert_eq!(
            test_answer(&yes("no"), a(YesNo::Unsure).as_ref()),
            Truth::Unsettled
        );
        assert_eq!(
            test_answer(&yes("unsure"), a(YesNo::Unsure).as_ref()),
            Truth::True
        );
        assert_eq!(test_answer(&yes("yes"), None), Truth::False);
        assert_eq!(
            test_answer(&Test::LessThan(16), Some(&Answer::Number(15))),
            Truth::True
        );
        assert_eq!(
            test_answer(&Test::AtLeast(16), Some(&Answer::Number(15))),
            Truth::False
        );
    }
}
