//! Age and the capacity to make an independent decision.
//!
//! The law presumes that a child under 14 cannot decide independently to withdraw and go back.
//! That presumption is code, not an instrument rule, so no edit to an instrument can remove it:
//!
//! - The age screening relies on is the **lowest** age any answer indicates (the age from the date
//!   of birth, the stated age): doubt favours the child.
//! - Under 14 ⇒ [`Capacity::Unable`], whatever the rules say.
//! - No age at all ⇒ [`Capacity::NeedsFollowUp`]: a child whose age is unknown is never presumed
//!   able.
//! - 14 or over ⇒ the instrument's capacity rules decide between unable, needs follow-up and
//!   able, with the same precedence as the other criteria.
//!
//! # Why a child under 14 can never be found eligible for return
//!
//! [`crate::decision::Outcome::EligibleForReturn`] holds a [`CapableChild`], and a
//! `CapableChild` can only be made by `CapableChild::new`, which is private to this crate and
//! returns `None` below [`PRESUMED_CAPACITY_AGE`]. Its field is private, it has no `Default` and
//! no `Deserialize`, so code outside the crate cannot make one either:
//!
//! ```compile_fail,E0451
//! // A struct literal: the field is private.
//! let child = lazo_screening::CapableChild { presumed_age: 12 };
//! ```
//!
//! ```compile_fail,E0624
//! // The constructor is private to the crate.
//! let child = lazo_screening::CapableChild::new(15);
//! ```
//!
//! ```compile_fail,E0277
//! // Not deserialisable, so a stored or forged record cannot produce one.
//! let child: lazo_screening::CapableChild = serde_json::from_str("{\"presumed_age\":12}").unwrap();
//! ```
//!
//! Inside the crate, the only call to `CapableChild::new` passes the presumed (lowest) age.

use serde::Serialize;
use time::Date;

use crate::answers::{Answer, Answers};
use crate::decision::Evidence;
use crate::instrument::Instrument;

/// Below this age a child is presumed unable to make an independent decision.
pub const PRESUMED_CAPACITY_AGE: u32 = 14;

/// Proof that a child aged 14 or over was found able to make an independent decision. The only
/// way to obtain one is a screening whose capacity finding is [`Capacity::Able`]; see the module
/// documentation for why it cannot exist for a younger child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CapableChild {
    presumed_age: u32,
}

impl CapableChild {
    /// `None` under [`PRESUMED_CAPACITY_AGE`]. Crate-private: callers must go through a screening.
    pub(crate) fn new(presumed_age: u32) -> Option<CapableChild> {
        (presumed_age >= PRESUMED_CAPACITY_AGE).then_some(CapableChild { presumed_age })
    }

    /// The age the finding relied on (always ≥ 14).
    pub fn presumed_age(&self) -> u32 {
        self.presumed_age
    }
}

/// What the answers say about the child's age.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgeEvidence {
    /// Full years on the screening date, from the date of birth given.
    pub from_date_of_birth: Option<u32>,
    /// The age the child stated.
    pub stated: Option<u32>,
    /// The age screening relies on: the lowest of the above.
    pub presumed: Option<u32>,
    /// Both were given and they disagree (the record shows both).
    pub conflicting: bool,
}

impl AgeEvidence {
    /// Reads the instrument's age questions on the screening date.
    pub fn from_answers(instrument: &Instrument, answers: &Answers, on: Date) -> AgeEvidence {
        let ages = instrument.age_questions();
        let from_date_of_birth = match answers.answered(&ages.date_of_birth) {
            Some(Answer::Date(dob)) => full_years(*dob, on),
            _ => None,
        };
        let stated = match answers.answered(&ages.stated_age) {
            Some(Answer::Number(n)) => u32::try_from(*n).ok(),
            _ => None,
        };
        let presumed = match (from_date_of_birth, stated) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        AgeEvidence {
            from_date_of_birth,
            stated,
            presumed,
            conflicting: matches!((from_date_of_birth, stated), (Some(a), Some(b)) if a != b),
        }
    }
}

/// Full years between a date of birth and a day; `None` if born after it. A 29 February birthday
/// falls on 1 March in other years, the later (younger) reading.
pub fn full_years(date_of_birth: Date, on: Date) -> Option<u32> {
    if date_of_birth > on {
        return None;
    }
    let mut years = on.year() - date_of_birth.year();
    if (on.month() as u8, on.day()) < (date_of_birth.month() as u8, date_of_birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// Why a child cannot make an independent decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum UnableReason {
    /// Presumed by law, from the lowest age the answers indicate.
    UnderFourteen { presumed_age: u32 },
    /// An instrument rule found the child unable (for example, could not explain the choice).
    Assessed,
}

/// The capacity finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "capacity", rename_all = "snake_case")]
pub enum Capacity {
    /// Able to decide independently; carries the proof that the child is 14 or over.
    Able(CapableChild),
    Unable(UnableReason),
    /// Not settled: the age is unknown, or the answers raise a doubt, or a required question was
    /// not answered.
    NeedsFollowUp {
        age_unknown: bool,
    },
}

/// The capacity finding with its age evidence and what drove it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CapacityFinding {
    pub age: AgeEvidence,
    pub capacity: Capacity,
    /// Ids of the rules that fired (or could not be settled).
    pub rules: Vec<String>,
    /// The answers that drove the finding.
    pub evidence: Vec<Evidence>,
}
