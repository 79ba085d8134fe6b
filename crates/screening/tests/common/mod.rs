//! Shared fixtures: the default instrument and a baseline of answers that clears every criterion.
#![allow(dead_code)]

use std::sync::OnceLock;

use lazo_screening::{Answer, Answers, Instrument, YesNo, default_instrument};
use time::macros::date;
use time::{Date, macros::datetime};

pub const ON: Date = date!(2025 - 03 - 04);
pub const APPREHENDED: time::OffsetDateTime = datetime!(2025-03-03 08:30 -7);
pub const COMPLETED: time::OffsetDateTime = datetime!(2025-03-04 14:45 -7);

/// Parsed once per test binary: the proptests evaluate thousands of screenings.
pub fn instrument() -> &'static Instrument {
    static INSTRUMENT: OnceLock<Instrument> = OnceLock::new();
    INSTRUMENT.get_or_init(|| default_instrument().expect("the default instrument validates"))
}

pub fn yes() -> Answer {
    Answer::YesNo(YesNo::Yes)
}
pub fn no() -> Answer {
    Answer::YesNo(YesNo::No)
}
pub fn unsure() -> Answer {
    Answer::YesNo(YesNo::Unsure)
}
pub fn choice(id: &str) -> Answer {
    Answer::Choice(id.to_string())
}

/// A 15-year-old with a birth certificate, travelling to a parent, with nothing of concern: the
/// one answer set for which the default instrument finds every criterion No and the child able.
pub fn clear_answers() -> Answers {
    let yes_no = [
        ("q_needs_care", no()),
        ("q_language_ok", yes()),
        ("q_destination_contact", yes()),
        ("q_told_what_to_say", no()),
        ("q_offer", no()),
        ("q_deceived", no()),
        ("q_owes_money", no()),
        ("q_must_work_to_pay", no()),
        ("q_debt_threat", no()),
        ("q_documents_kept", no()),
        ("q_not_free_to_leave", no()),
        ("q_contact_blocked", no()),
        ("q_watched_now", no()),
        ("q_hurt", no()),
        ("q_threatened", no()),
        ("q_worked", no()),
        ("q_forced_work", no()),
        ("q_sex_exchange", no()),
        ("q_sexual_images", no()),
        ("q_forced_crime", no()),
        ("q_forced_partner", no()),
        ("q_afraid_to_return", no()),
        ("q_harm_if_returned", no()),
        ("q_protected_at_home", yes()),
        ("q_wants_to_return", yes()),
        ("q_family_contact", yes()),
        ("q_family_knows", yes()),
        ("q_safe_caregiver", yes()),
        ("q_explains_choice", yes()),
        ("q_interviewer_signs", no()),
    ];
    let mut a: Answers = yes_no
        .into_iter()
        .map(|(q, v)| (q.to_string(), v))
        .collect();
    a.insert("q_date_of_birth", Answer::Date(date!(2009 - 05 - 01)));
    a.insert("q_stated_age", Answer::Number(15));
    a.insert("q_age_document", choice("birth_certificate"));
    a.insert("q_journey_arranged_by", choice("parent_or_relative"));
    a.insert("q_journey_paid_by", choice("family"));
    a.insert("q_destination_person", choice("parent"));
    a.insert("q_interpreter", choice("not_needed"));
    a
}

/// The clear answers with some replaced.
pub fn clear_with(changes: &[(&str, Answer)]) -> Answers {
    let mut a = clear_answers();
    for (q, v) in changes {
        a.insert(*q, v.clone());
    }
    a
}
