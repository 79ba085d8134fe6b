//! Answers → findings → outcome with the default instrument: every row of the decision table,
//! the under-14 presumption, and missing, declined and unsure answers.

mod common;

use common::{ON, choice, clear_answers, clear_with, instrument, no, unsure, yes};
use lazo_screening::{
    Action, Answer, Answers, Capacity, Criterion, Decision, EvidenceRole, Finding, Outcome,
    ScreeningError, UnableReason, evaluate,
};
use proptest::prelude::*;
use time::macros::date;

fn decide(answers: &Answers) -> Decision {
    evaluate(instrument(), answers, ON).expect("answers fit the instrument")
}

fn findings(d: &Decision) -> [Finding; 3] {
    [
        d.trafficking_victim.finding,
        d.trafficking_risk.finding,
        d.credible_fear.finding,
    ]
}

// ---------------------------------------------------------------------------------------------
// Row 5: the only path to "eligible for return".

#[test]
fn clear_answers_from_a_capable_15_year_old_are_eligible_for_return() {
    let d = decide(&clear_answers());
    assert_eq!(findings(&d), [Finding::No; 3]);
    let Capacity::Able(child) = &d.capacity.capacity else {
        panic!("{:?}", d.capacity)
    };
    assert_eq!(child.presumed_age(), 15);
    let Outcome::EligibleForReturn(c) = &d.outcome else {
        panic!("{:?}", d.outcome)
    };
    assert_eq!(c.presumed_age(), 15);
    assert_eq!(d.outcome.actions(), vec![Action::ReturnMayBeConsidered]);
    // A No lists the answers it considered.
    assert!(
        d.trafficking_victim
            .evidence
            .iter()
            .all(|e| e.role == EvidenceRole::Considered)
    );
    assert!(
        d.trafficking_victim
            .evidence
            .iter()
            .any(|e| e.question == "q_forced_work" && e.answer == Some(no()))
    );
}

// ---------------------------------------------------------------------------------------------
// Row 1: trafficking.

#[test]
fn forced_work_is_a_victim_yes_with_its_driving_answer() {
    let d = decide(&clear_with(&[("q_forced_work", yes())]));
    assert_eq!(d.trafficking_victim.finding, Finding::Yes);
    assert_eq!(
        d.trafficking_victim.rules,
        ["victim_forced_labour_or_crime"]
    );
    let drivers: Vec<_> = d
        .trafficking_victim
        .evidence
        .iter()
        .map(|e| (e.question.as_str(), e.answer.clone(), e.role))
        .collect();
    assert_eq!(
        drivers,
        [("q_forced_work", Some(yes()), EvidenceRole::Matched)]
    );
    assert_eq!(
        d.outcome,
        Outcome::TraffickingReferral {
            protection_interview: false,
            open: vec![]
        }
    );
    assert_eq!(
        d.outcome.actions(),
        vec![
            Action::ChildWelfareCustody,
            Action::AntiTraffickingInvestigators
        ]
    );
}

#[test]
fn commercial_sex_is_victim_and_risk_yes() {
    let d = decide(&clear_with(&[("q_sex_exchange", yes())]));
    assert_eq!(d.trafficking_victim.finding, Finding::Yes);
    assert_eq!(d.trafficking_risk.finding, Finding::Yes);
    assert!(matches!(d.outcome, Outcome::TraffickingReferral { .. }));
}

#[test]
fn risk_alone_refers_to_custody_and_investigators() {
    for change in [
        ("q_destination_person", choice("employer")),
        ("q_destination_person", choice("someone_not_met")),
        ("q_journey_arranged_by", choice("employer_or_recruiter")),
        ("q_must_work_to_pay", yes()),
        ("q_watched_now", yes()),
    ] {
        let d = decide(&clear_with(std::slice::from_ref(&change)));
        assert_eq!(d.trafficking_risk.finding, Finding::Yes, "{change:?}");
        assert_ne!(d.trafficking_victim.finding, Finding::Yes, "{change:?}");
        assert!(
            matches!(d.outcome, Outcome::TraffickingReferral { .. }),
            "{change:?}: {:?}",
            d.outcome
        );
    }
}

#[test]
fn risk_from_a_combination_needs_all_of_it() {
    let offer_only = decide(&clear_with(&[("q_offer", yes())]));
    assert_eq!(offer_only.trafficking_risk.finding, Finding::NeedsFollowUp);
    let offer_by_stranger = decide(&clear_with(&[
        ("q_offer", yes()),
        ("q_offer_from_stranger", yes()),
    ]));
    assert_eq!(offer_by_stranger.trafficking_risk.finding, Finding::Yes);
    assert!(
        offer_by_stranger
            .trafficking_risk
            .rules
            .contains(&"risk_recruited_by_stranger".to_string())
    );
}

#[test]
fn trafficking_with_fear_adds_protection_interview() {
    let d = decide(&clear_with(&[
        ("q_forced_crime", yes()),
        ("q_afraid_to_return", yes()),
    ]));
    assert_eq!(
        d.outcome,
        Outcome::TraffickingReferral {
            protection_interview: true,
            open: vec![]
        }
    );
    assert!(d.outcome.actions().contains(&Action::ProtectionInterview));
}

#[test]
fn trafficking_outranks_being_under_14() {
    let d = decide(&clear_with(&[
        ("q_forced_work", yes()),
        ("q_stated_age", Answer::Number(11)),
    ]));
    assert!(matches!(d.outcome, Outcome::TraffickingReferral { .. }));
    assert!(matches!(
        d.capacity.capacity,
        Capacity::Unable(UnableReason::UnderFourteen { presumed_age: 11 })
    ));
}

// ---------------------------------------------------------------------------------------------
// Row 2: fear.

#[test]
fn fear_refers_to_protection_interview() {
    let d = decide(&clear_with(&[
        ("q_afraid_to_return", yes()),
        ("q_feared_who", choice("gang_or_armed_group")),
    ]));
    assert_eq!(d.credible_fear.finding, Finding::Yes);
    assert_eq!(d.outcome, Outcome::ProtectionInterview { open: vec![] });
    assert_eq!(
        d.outcome.actions(),
        vec![Action::ProtectionInterview, Action::ChildWelfareCustody]
    );
    // Without asking whom the child fears, risk stays open: it could be the traffickers.
    let d = decide(&clear_with(&[("q_afraid_to_return", yes())]));
    assert_eq!(
        d.outcome,
        Outcome::ProtectionInterview {
            open: vec![Criterion::TraffickingRisk]
        }
    );
}

#[test]
fn fear_with_open_risk_keeps_the_review() {
    let d = decide(&clear_with(&[
        ("q_harm_if_returned", yes()),
        ("q_family_contact", no()),
    ]));
    assert_eq!(
        d.outcome,
        Outcome::ProtectionInterview {
            open: vec![Criterion::TraffickingRisk]
        }
    );
    assert!(d.outcome.actions().contains(&Action::SupervisorReview));
}

// ---------------------------------------------------------------------------------------------
// Row 3: unable to decide.

#[test]
fn under_14_by_stated_age_goes_to_custody() {
    for age in [0, 6, 12, 13] {
        let d = decide(&clear_with(&[
            ("q_stated_age", Answer::Number(age)),
            ("q_date_of_birth", Answer::Declined),
        ]));
        assert_eq!(findings(&d), [Finding::No; 3], "age {age}");
        let presumed_age = age as u32;
        assert_eq!(
            d.outcome,
            Outcome::ChildWelfareCustody {
                reason: UnableReason::UnderFourteen { presumed_age },
                open: vec![]
            },
            "age {age}"
        );
    }
}

#[test]
fn under_14_by_date_of_birth_goes_to_custody_even_if_stated_age_is_older() {
    // Born 2011-03-05: 13 on 2025-03-04, one day before turning 14. States 16.
    let d = decide(&clear_with(&[
        ("q_date_of_birth", Answer::Date(date!(2011 - 03 - 05))),
        ("q_stated_age", Answer::Number(16)),
    ]));
    assert_eq!(d.capacity.age.from_date_of_birth, Some(13));
    assert_eq!(d.capacity.age.stated, Some(16));
    assert_eq!(d.capacity.age.presumed, Some(13));
    assert!(d.capacity.age.conflicting);
    assert!(!d.outcome.permits_return());
    assert!(matches!(
        d.outcome,
        Outcome::ChildWelfareCustody {
            reason: UnableReason::UnderFourteen { presumed_age: 13 },
            ..
        }
    ));
    // Born the day before: 14 today, and the stated age is 16: able.
    let d = decide(&clear_with(&[
        ("q_date_of_birth", Answer::Date(date!(2011 - 03 - 04))),
        ("q_stated_age", Answer::Number(16)),
    ]));
    assert_eq!(d.capacity.age.presumed, Some(14));
    assert!(d.outcome.permits_return());
}

#[test]
fn under_14_stated_age_wins_over_an_older_date_of_birth() {
    let d = decide(&clear_with(&[("q_stated_age", Answer::Number(13))]));
    assert_eq!(d.capacity.age.from_date_of_birth, Some(15));
    assert_eq!(d.capacity.age.presumed, Some(13));
    assert!(!d.outcome.permits_return());
}

#[test]
fn under_14_cannot_be_argued_away_by_capacity_answers() {
    // Every capacity answer as favourable as possible; still unable.
    let d = decide(&clear_with(&[
        ("q_stated_age", Answer::Number(13)),
        ("q_explains_choice", yes()),
    ]));
    assert!(matches!(
        d.capacity.capacity,
        Capacity::Unable(UnableReason::UnderFourteen { .. })
    ));
}

#[test]
fn a_14_year_old_who_cannot_explain_the_choice_is_unable() {
    let d = decide(&clear_with(&[("q_explains_choice", no())]));
    assert_eq!(
        d.capacity.capacity,
        Capacity::Unable(UnableReason::Assessed)
    );
    assert_eq!(d.capacity.rules, ["capacity_cannot_explain_choice"]);
    assert!(matches!(d.outcome, Outcome::ChildWelfareCustody { .. }));
}

#[test]
fn unable_with_open_findings_keeps_them_open() {
    let d = decide(&clear_with(&[
        ("q_stated_age", Answer::Number(10)),
        ("q_safe_caregiver", no()),
    ]));
    assert_eq!(
        d.outcome,
        Outcome::ChildWelfareCustody {
            reason: UnableReason::UnderFourteen { presumed_age: 10 },
            open: vec![Criterion::TraffickingRisk]
        }
    );
    assert!(d.outcome.actions().contains(&Action::SupervisorReview));
}

// ---------------------------------------------------------------------------------------------
// Row 4: anything open.

#[test]
fn no_answers_at_all_need_supervisor_review_on_every_criterion() {
    let d = decide(&Answers::new());
    assert_eq!(findings(&d), [Finding::NeedsFollowUp; 3]);
    assert_eq!(
        d.capacity.capacity,
        Capacity::NeedsFollowUp { age_unknown: true }
    );
    assert_eq!(
        d.outcome,
        Outcome::SupervisorReview {
            open: Criterion::ALL.to_vec()
        }
    );
    // The missing required answers are listed as the drivers.
    assert!(
        d.credible_fear
            .evidence
            .iter()
            .any(|e| e.question == "q_afraid_to_return"
                && e.answer.is_none()
                && e.role == EvidenceRole::Missing)
    );
}

#[test]
fn every_required_question_left_unanswered_blocks_return() {
    let i = instrument();
    for q in i.questions().filter(|q| q.required && !q.informational) {
        let mut a = clear_answers();
        a.remove(&q.id);
        let d = decide(&a);
        assert!(
            matches!(d.outcome, Outcome::SupervisorReview { .. }),
            "{} unanswered gave {:?}",
            q.id,
            d.outcome
        );
        // The criteria it feeds are open, never No.
        for rule in i
            .rules()
            .iter()
            .filter(|r| r.when.conditions().iter().any(|c| c.question == q.id))
        {
            assert!(
                d.outcome.open().contains(&rule.criterion),
                "{} / {}",
                q.id,
                rule.id
            );
        }
    }
}

#[test]
fn declined_counts_as_unanswered() {
    let d = decide(&clear_with(&[("q_afraid_to_return", Answer::Declined)]));
    assert_eq!(d.credible_fear.finding, Finding::NeedsFollowUp);
    let e = &d.credible_fear.evidence;
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].question, "q_afraid_to_return");
    assert_eq!(e[0].answer, Some(Answer::Declined));
    assert_eq!(e[0].role, EvidenceRole::Missing);
    // Whether the child is afraid is unknown, so whom they fear is required too.
    assert_eq!(e[1].question, "q_feared_who");
    assert_eq!(
        (e[1].answer.as_ref(), e[1].role),
        (None, EvidenceRole::Missing)
    );
    assert_eq!(
        d.outcome,
        Outcome::SupervisorReview {
            open: vec![Criterion::TraffickingRisk, Criterion::CredibleFear]
        }
    );
}

#[test]
fn unsure_is_never_a_no() {
    let i = instrument();
    // Every yes_no question read by an `any` rule: unsure leaves that rule unsettled.
    let in_any_rule = |id: &str| {
        i.rules().iter().any(|r| {
            matches!(r.when, lazo_screening::instrument::When::Any(_))
                && r.when.conditions().iter().any(|c| c.question == id)
        })
    };
    for q in i
        .questions()
        .filter(|q| matches!(q.kind, lazo_screening::QuestionKind::YesNo) && in_any_rule(&q.id))
    {
        let d = decide(&clear_with(&[(q.id.as_str(), unsure())]));
        assert!(
            !d.outcome.permits_return(),
            "{} unsure still permitted return",
            q.id
        );
    }
    // In an `all` rule, unsure matters only when the other conditions hold: a follow-up question
    // ("was it a stranger?") is unsettled after a yes to the offer, and moot after a no.
    let d = decide(&clear_with(&[
        ("q_offer", yes()),
        ("q_offer_from_stranger", unsure()),
    ]));
    assert_eq!(d.trafficking_risk.finding, Finding::NeedsFollowUp);
    assert!(
        d.trafficking_risk
            .rules
            .contains(&"risk_recruited_by_stranger".to_string())
    );
    let d = decide(&clear_with(&[("q_offer_from_stranger", unsure())]));
    assert!(d.outcome.permits_return());
    let d = decide(&clear_with(&[
        ("q_worked", yes()),
        ("q_paid_as_promised", unsure()),
    ]));
    assert_eq!(d.trafficking_victim.finding, Finding::NeedsFollowUp);

    let d = decide(&clear_with(&[("q_documents_kept", unsure())]));
    assert_eq!(d.trafficking_risk.finding, Finding::NeedsFollowUp);
    assert!(
        d.trafficking_risk
            .evidence
            .iter()
            .any(|e| e.question == "q_documents_kept" && e.role == EvidenceRole::Unsettled)
    );
}

#[test]
fn age_unknown_is_never_able() {
    let d = decide(&clear_with(&[
        ("q_stated_age", Answer::Declined),
        ("q_date_of_birth", Answer::Declined),
    ]));
    assert_eq!(
        d.capacity.capacity,
        Capacity::NeedsFollowUp { age_unknown: true }
    );
    assert_eq!(
        d.outcome,
        Outcome::SupervisorReview {
            open: vec![Criterion::Capacity]
        }
    );
}

#[test]
fn undocumented_age_near_14_needs_follow_up() {
    // Both ages recorded and at least 14, but no document and a stated age under 16: the
    // instrument's rule asks for follow-up.
    let d = decide(&clear_with(&[
        ("q_age_document", choice("none")),
        ("q_date_of_birth", Answer::Date(date!(2011 - 03 - 04))),
        ("q_stated_age", Answer::Number(15)),
    ]));
    assert_eq!(
        d.capacity.capacity,
        Capacity::NeedsFollowUp { age_unknown: false }
    );
    assert_eq!(
        d.capacity.rules,
        ["capacity_age_near_threshold_undocumented"]
    );
}

#[test]
fn one_age_answer_alone_never_establishes_capacity() {
    // A stated age of 15 with the date of birth declined (or a date of birth without a stated
    // age): the age rests on one answer, so the child is not found able and cannot be
    // eligible for return; the missing answer is named.
    for answers in [
        clear_with(&[
            ("q_date_of_birth", Answer::Declined),
            ("q_stated_age", Answer::Number(15)),
        ]),
        clear_with(&[("q_stated_age", Answer::Declined)]),
    ] {
        let d = decide(&answers);
        assert_eq!(
            d.capacity.capacity,
            Capacity::NeedsFollowUp { age_unknown: false },
            "{answers:?}"
        );
        assert!(!d.outcome.permits_return());
        assert!(
            d.capacity
                .evidence
                .iter()
                .any(|e| e.role == lazo_screening::EvidenceRole::Missing)
        );
    }
}

#[test]
fn coaching_and_poor_language_need_follow_up() {
    let d = decide(&clear_with(&[("q_told_what_to_say", yes())]));
    assert_eq!(
        d.outcome,
        Outcome::SupervisorReview {
            open: vec![Criterion::TraffickingRisk, Criterion::Capacity]
        }
    );
    let d = decide(&clear_with(&[("q_language_ok", no())]));
    assert_eq!(
        d.outcome,
        Outcome::SupervisorReview {
            open: Criterion::ALL.to_vec()
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Bad answers.

#[test]
fn answers_that_do_not_fit_are_refused_with_every_problem() {
    let a = clear_with(&[
        ("q_forced_work", Answer::Number(3)),
        ("q_destination_person", choice("uncle")),
        ("q_stated_age", Answer::Number(40)),
        ("q_date_of_birth", Answer::Date(date!(2026 - 01 - 01))),
        ("q_unknown", yes()),
        ("q_anything_else", Answer::Text("  ".into())),
    ]);
    let errors = evaluate(instrument(), &a, ON).expect_err("refused");
    assert_eq!(errors.len(), 6, "{errors:#?}");
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for needle in [
        "question \"q_forced_work\" takes a yes_no answer, got number",
        "question \"q_destination_person\" has no option \"uncle\"",
        "question \"q_stated_age\": 40 is outside 0..=21",
        "date 2026-01-01 is after the screening date 2025-03-04",
        "answer to unknown question \"q_unknown\"",
        "question \"q_anything_else\": empty text",
    ] {
        assert!(
            text.iter().any(|t| t.contains(needle)),
            "{needle}: {text:#?}"
        );
    }
}

#[test]
fn parse_answer_reads_form_values() {
    let i = instrument();
    assert_eq!(i.parse_answer("q_forced_work", "yes"), Ok(yes()));
    assert_eq!(i.parse_answer("q_forced_work", " unsure "), Ok(unsure()));
    assert_eq!(
        i.parse_answer("q_forced_work", "declined"),
        Ok(Answer::Declined)
    );
    assert_eq!(i.parse_answer("q_stated_age", "13"), Ok(Answer::Number(13)));
    assert_eq!(
        i.parse_answer("q_date_of_birth", "2012-07-09"),
        Ok(Answer::Date(date!(2012 - 07 - 09)))
    );
    assert_eq!(
        i.parse_answer("q_destination_person", "parent"),
        Ok(choice("parent"))
    );
    assert!(matches!(
        i.parse_answer("q_forced_work", "si"),
        Err(ScreeningError::Unparsable { .. })
    ));
    assert!(matches!(
        i.parse_answer("q_stated_age", "99"),
        Err(ScreeningError::OutOfRange { .. })
    ));
    assert!(matches!(
        i.parse_answer("q_destination_person", "boss"),
        Err(ScreeningError::UnknownOption { .. })
    ));
    assert!(matches!(
        i.parse_answer("q_nope", "yes"),
        Err(ScreeningError::UnknownQuestion(_))
    ));
}

#[test]
fn answers_round_trip_through_json() {
    let a = clear_with(&[("q_fear_reasons", Answer::Text("la mara".into()))]);
    let json = serde_json::to_string(&a).expect("serialises");
    assert!(
        json.contains("\"q_date_of_birth\":{\"date\":\"2009-05-01\"}"),
        "{json}"
    );
    assert!(
        json.contains("\"q_forced_work\":{\"yes_no\":\"no\"}"),
        "{json}"
    );
    let back: Answers = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, a);
    let declined: Answers =
        serde_json::from_str(r#"{"q_hurt": "declined", "q_stated_age": {"number": 12}}"#)
            .expect("parses");
    assert_eq!(declined.get("q_hurt"), Some(&Answer::Declined));
}

// ---------------------------------------------------------------------------------------------
// Required when: a follow-up question the earlier answer calls for keeps its findings open.

/// The findings whose evidence lists `question` as missing.
fn missing_in(d: &Decision, question: &str) -> Vec<Criterion> {
    let mut open = Vec::new();
    for f in [&d.trafficking_victim, &d.trafficking_risk, &d.credible_fear] {
        if f.evidence
            .iter()
            .any(|e| e.question == question && e.role == EvidenceRole::Missing)
        {
            open.push(f.criterion);
        }
    }
    open
}

#[test]
fn worked_without_asking_about_pay_or_harm_is_not_eligible() {
    // In instrument 1.0.0 these two were plainly optional: a child who worked for someone, with
    // the follow-up questions skipped, was found No on victim and eligible for return.
    let d = decide(&clear_with(&[("q_worked", yes())]));
    assert_eq!(d.trafficking_victim.finding, Finding::NeedsFollowUp);
    assert!(!d.outcome.permits_return(), "{:?}", d.outcome);
    assert_eq!(
        missing_in(&d, "q_paid_as_promised"),
        [Criterion::TraffickingVictim]
    );
    assert_eq!(
        missing_in(&d, "q_work_harmful"),
        [Criterion::TraffickingVictim]
    );
    // Asked and answered with nothing of concern: clear again.
    let d = decide(&clear_with(&[
        ("q_worked", yes()),
        ("q_paid_as_promised", yes()),
        ("q_work_harmful", no()),
    ]));
    assert_eq!(findings(&d), [Finding::No; 3]);
    assert!(d.outcome.permits_return(), "{:?}", d.outcome);
}

#[test]
fn a_follow_up_is_required_when_its_trigger_holds_or_cannot_be_told() {
    let i = instrument();
    let threat_by = i.question("q_threat_by").expect("in the instrument");
    assert!(!threat_by.required);
    // Shown not to apply: not required.
    assert!(!threat_by.is_required(&clear_answers()));
    // The trigger holds, is unsure, declined or unanswered: required.
    for trigger in [Some(yes()), Some(unsure()), Some(Answer::Declined), None] {
        let mut a = clear_answers();
        match &trigger {
            Some(v) => a.insert("q_threatened", v.clone()),
            None => a.remove("q_threatened"),
        };
        assert!(threat_by.is_required(&a), "{trigger:?}");
        let d = decide(&a);
        assert!(!d.outcome.permits_return(), "{trigger:?}");
        let mut open = missing_in(&d, "q_threat_by");
        open.sort();
        assert_eq!(
            open,
            [Criterion::TraffickingRisk, Criterion::CredibleFear],
            "{trigger:?}"
        );
    }
    // `any`: either expression of fear calls for "who are you afraid of".
    let feared_who = i.question("q_feared_who").expect("in the instrument");
    assert!(!feared_who.is_required(&clear_answers()));
    assert!(feared_who.is_required(&clear_with(&[("q_harm_if_returned", yes())])));
    assert!(feared_who.is_required(&clear_with(&[("q_afraid_to_return", yes())])));
}

#[test]
fn every_follow_up_left_unanswered_when_called_for_blocks_return() {
    let i = instrument();
    for q in i.questions().filter(|q| q.required_when.is_some()) {
        let when = q.required_when.as_ref().expect("filtered");
        let trigger = &when.conditions()[0];
        let value = match &trigger.test {
            lazo_screening::instrument::Test::Equals(v) => v.clone(),
            lazo_screening::instrument::Test::OneOf(v) => v[0].clone(),
            other => panic!("{other:?}"),
        };
        let mut a = clear_answers();
        a.insert(
            trigger.question.clone(),
            i.parse_answer(&trigger.question, &value)
                .expect("a valid value"),
        );
        a.remove(&q.id);
        assert!(q.is_required(&a), "{}", q.id);
        let d = decide(&a);
        assert!(
            !d.outcome.permits_return(),
            "{} unanswered: {:?}",
            q.id,
            d.outcome
        );
        for rule in i
            .rules()
            .iter()
            .filter(|r| r.when.conditions().iter().any(|c| c.question == q.id))
        {
            // Yes already (the trigger itself can be a concern), or open with this question
            // named as missing.
            if d.finding(rule.criterion)
                .is_some_and(|f| f.finding == Finding::Yes)
            {
                continue;
            }
            assert!(
                d.outcome.open().contains(&rule.criterion),
                "{} / {}: {:?}",
                q.id,
                rule.id,
                d.outcome
            );
            assert!(
                missing_in(&d, &q.id).contains(&rule.criterion),
                "{} / {}",
                q.id,
                rule.id
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties over random answers.

/// A random answer (or none) for every question of the default instrument, and a random age,
/// as an interview following the instrument gives them.
fn random_answers() -> impl Strategy<Value = Answers> {
    any_answers().prop_map(as_interviewed)
}

/// A random answer (or none) for every question, follow-ups whether they apply or not.
fn any_answers() -> impl Strategy<Value = Answers> {
    let i = instrument();
    let per_question: Vec<BoxedStrategy<Option<(String, Answer)>>> = i
        .questions()
        .map(|q| {
            let id = q.id.clone();
            let answer: BoxedStrategy<Answer> = match &q.kind {
                lazo_screening::QuestionKind::YesNo => {
                    prop_oneof![Just(yes()), Just(no()), Just(unsure())].boxed()
                }
                lazo_screening::QuestionKind::Choice { options } => {
                    let ids: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
                    proptest::sample::select(ids)
                        .prop_map(Answer::Choice)
                        .boxed()
                }
                lazo_screening::QuestionKind::Number { min, max } => {
                    (*min..=*max).prop_map(Answer::Number).boxed()
                }
                lazo_screening::QuestionKind::Date => (0i64..22 * 366)
                    .prop_map(|days| Answer::Date(ON - time::Duration::days(days)))
                    .boxed(),
                lazo_screening::QuestionKind::FreeText => {
                    Just(Answer::Text("texto libre".into())).boxed()
                }
            };
            prop_oneof![
                6 => answer.prop_map(Some),
                1 => Just(Some(Answer::Declined)),
                1 => Just(None),
            ]
            .prop_map(move |a| a.map(|a| (id.clone(), a)))
            .boxed()
        })
        .collect();
    per_question.prop_map(|v| v.into_iter().flatten().collect())
}

/// The answers an interview following the instrument gives: a follow-up question whose earlier
/// answers show it does not apply was not asked, so it has no answer. (An answer given to it
/// anyway is evidence like any other; removing it leaves an interview that rightly skipped the
/// question, which may then be clear. That is not a missing answer.) Decided here from the
/// conditions themselves, not with the crate's `is_required`, so that the property below also
/// tests that.
fn as_interviewed(mut answers: Answers) -> Answers {
    use lazo_screening::instrument::{Test, When};
    for q in instrument().questions() {
        let Some(when) = &q.required_when else {
            continue;
        };
        // Whether one condition could hold: unknown (missing, declined, unsure) counts as could.
        let could_hold = |c: &lazo_screening::instrument::Condition| {
            let value = match answers.answered(&c.question) {
                None | Some(Answer::YesNo(lazo_screening::YesNo::Unsure)) => return true,
                Some(a) => a.to_string(),
            };
            match &c.test {
                Test::Equals(v) => *v == value,
                Test::OneOf(vs) => vs.contains(&value),
                Test::LessThan(n) => value.parse::<i64>().is_ok_and(|x| x < *n),
                Test::AtLeast(n) => value.parse::<i64>().is_ok_and(|x| x >= *n),
            }
        };
        let asked = match when {
            When::Any(c) => c.iter().any(could_hold),
            When::All(c) => c.iter().all(could_hold),
        };
        if !asked {
            answers.remove(&q.id);
        }
    }
    answers
}

/// The clear answers with a few random changes, and random ages around 14 (stated, by date of
/// birth, either or neither): the region where eligible-for-return and under-14 meet.
fn near_clear_answers() -> impl Strategy<Value = Answers> {
    let ids: Vec<String> = instrument().questions().map(|q| q.id.clone()).collect();
    let n = ids.len();
    (
        any_answers(),
        proptest::collection::vec(proptest::bool::weighted(0.05), n),
        proptest::option::of(10i64..=18),
        proptest::option::of(10 * 365i64..19 * 365),
    )
        .prop_map(move |(random, mask, stated, dob_days)| {
            let mut a = clear_answers();
            for (id, replace) in ids.iter().zip(mask) {
                if replace {
                    match random.get(id) {
                        Some(v) => a.insert(id.clone(), v.clone()),
                        None => a.remove(id),
                    };
                }
            }
            match stated {
                Some(n) => a.insert("q_stated_age", Answer::Number(n)),
                None => a.remove("q_stated_age"),
            };
            match dob_days {
                Some(d) => a.insert(
                    "q_date_of_birth",
                    Answer::Date(ON - time::Duration::days(d)),
                ),
                None => a.remove("q_date_of_birth"),
            };
            as_interviewed(a)
        })
}

/// The clear answers (a capable 15-year-old) with one or two follow-up questions called for
/// (their earlier answer set to the value that calls for them) and answered at random: where a
/// skipped follow-up would hide a concern.
fn follow_up_answers() -> impl Strategy<Value = Answers> {
    let follow_ups: Vec<(String, String, Answer)> = instrument()
        .questions()
        .filter_map(|q| {
            let c = q.required_when.as_ref()?.conditions().first()?;
            let value = match &c.test {
                lazo_screening::instrument::Test::Equals(v) => v.clone(),
                lazo_screening::instrument::Test::OneOf(v) => v.first()?.clone(),
                _ => return None,
            };
            let calling = instrument().parse_answer(&c.question, &value).ok()?;
            Some((q.id.clone(), c.question.clone(), calling))
        })
        .collect();
    let m = follow_ups.len();
    (
        any_answers(),
        any::<prop::sample::Index>(),
        proptest::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(move |(random, first, second)| {
            let mut a = clear_answers();
            for index in std::iter::once(first).chain(second) {
                let (question, trigger, calling) = &follow_ups[index.index(m)];
                a.insert(trigger.clone(), calling.clone());
                match random.get(question) {
                    Some(v) => a.insert(question.clone(), v.clone()),
                    None => a.remove(question),
                };
            }
            as_interviewed(a)
        })
}

/// The ages the answers indicate, computed independently of the crate.
fn indicated_ages(a: &Answers) -> Vec<i64> {
    let mut ages = Vec::new();
    if let Some(Answer::Number(n)) = a.get("q_stated_age") {
        ages.push(*n);
    }
    if let Some(Answer::Date(dob)) = a.get("q_date_of_birth") {
        let mut years = i64::from(ON.year() - dob.year());
        if (ON.month() as u8, ON.day()) < (dob.month() as u8, dob.day()) {
            years -= 1;
        }
        ages.push(years);
    }
    ages
}

/// The near-clear generator does reach both sides of the line, so the property below is not
/// vacuous: some of its cases are eligible for return and some are under 14.
#[test]
fn near_clear_generator_reaches_eligible_and_under_14() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = near_clear_answers();
    let (mut eligible, mut under_14) = (0, 0);
    for _ in 0..500 {
        let a = strategy.new_tree(&mut runner).expect("generates").current();
        if decide(&a).outcome.permits_return() {
            eligible += 1;
        }
        if indicated_ages(&a).iter().any(|&x| x < 14) {
            under_14 += 1;
        }
    }
    // Eligible cases are rarer since capacity needs both age answers; a handful suffices for
    // the property to be exercised (the runner is deterministic).
    assert!(
        eligible >= 5 && under_14 > 25,
        "eligible {eligible}, under 14 {under_14}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever the answers: a child any answer says is under 14 is never eligible for return and
    /// is always unable; a child eligible for return has every indicated age ≥ 14, all three
    /// findings No, and every required question answered.
    #[test]
    fn under_14_is_never_eligible_for_return(
        answers in prop_oneof![random_answers(), near_clear_answers()]
    ) {
        let d = decide(&answers);
        let ages = indicated_ages(&answers);
        if ages.iter().any(|&a| a < 14) {
            prop_assert!(!d.outcome.permits_return());
            let is_under_14 = matches!(
                d.capacity.capacity,
                Capacity::Unable(UnableReason::UnderFourteen { .. })
            );
            prop_assert!(is_under_14, "{:?}", d.capacity);
        }
        if let Outcome::EligibleForReturn(child) = &d.outcome {
            prop_assert!(child.presumed_age() >= 14);
            prop_assert!(!ages.is_empty() && ages.iter().all(|&a| a >= 14));
            prop_assert_eq!(findings(&d), [Finding::No; 3]);
            for q in instrument().questions().filter(|q| q.is_required(&answers) && !q.informational) {
                prop_assert!(answers.answered(&q.id).is_some(), "{} unanswered", q.id);
            }
        }
    }

    /// From the clear answers, any age under 14 (stated or by date of birth) moves the outcome
    /// from eligible to child-welfare custody, and nothing else changes.
    #[test]
    fn clear_answers_under_14_go_to_custody(age in 0i64..14, by_birth in any::<bool>()) {
        let a = if by_birth {
            // Born on 5 March, the day after the screening date: exactly `age` full years.
            let year = ON.year() - i32::try_from(age).expect("small") - 1;
            let dob = time::Date::from_calendar_date(year, time::Month::March, 5).expect("valid");
            clear_with(&[("q_date_of_birth", Answer::Date(dob)), ("q_stated_age", Answer::Declined)])
        } else {
            clear_with(&[("q_stated_age", Answer::Number(age))])
        };
        let d = decide(&a);
        prop_assert_eq!(findings(&d), [Finding::No; 3]);
        let custody = matches!(
            d.outcome,
            Outcome::ChildWelfareCustody { reason: UnableReason::UnderFourteen { .. }, .. }
        );
        prop_assert!(custody, "{:?}", d.outcome);
    }

    /// Removing answers, any of them, never turns a non-eligible outcome into eligible: every
    /// question a rule reads is required, required when its earlier answer calls for it, or an
    /// age question (capacity needs both), so a missing answer always keeps something open.
    #[test]
    fn fewer_answers_never_permit_return(
        answers in prop_oneof![random_answers(), near_clear_answers(), follow_up_answers()], drop in proptest::collection::vec(any::<prop::sample::Index>(), 1..6)) {
        let before = decide(&answers);
        if before.outcome.permits_return() {
            return Ok(());
        }
        let ids: Vec<String> = answers.iter().map(|(q, _)| q.to_string()).collect();
        // Every single answer dropped in turn…
        for id in &ids {
            let mut fewer = answers.clone();
            fewer.remove(id);
            let after = decide(&fewer);
            prop_assert!(
                !after.outcome.permits_return(),
                "dropping {id} permitted return: before {:?}",
                before.outcome
            );
        }
        // …and a few at once.
        if ids.is_empty() { return Ok(()); }
        let mut fewer = answers.clone();
        let mut dropped = Vec::new();
        for i in drop {
            let id = ids[i.index(ids.len())].as_str();
            fewer.remove(id);
            dropped.push(id.to_string());
        }
        let after = decide(&fewer);
        prop_assert!(
            !after.outcome.permits_return(),
            "dropping {dropped:?} permitted return: before {:?}",
            before.outcome
        );
    }
}
