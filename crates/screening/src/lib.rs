//! Screening of unaccompanied children within 48 hours of apprehension.
//!
//! US law gives border agents 48 hours to screen a child from a contiguous country for four
//! things: is the child a trafficking victim; at risk of trafficking if returned; afraid to return;
//! able to make an independent decision (children under 14 are presumed unable). Reviews found this
//! screening inconsistent, undocumented and done on English-only forms. This crate makes it
//! consistent (one instrument, explicit rules, one outcome table), documented (every finding lists
//! the answers behind it; records in the interview language and English) and timely (the clock).
//!
//! - [`instrument`]: the questionnaire as versioned, validated TOML data; the default instrument
//!   ([`default_instrument`]) in English and Spanish.
//! - [`answers`]: the child's answers, checked against the instrument.
//! - [`decision`]: answers → findings → outcome, with the decision table.
//! - [`capacity`]: age and capacity; why a child under 14 can never be found eligible for return.
//! - [`clock`]: the 48-hour clock (escalation at 36 h) and compliance statistics.
//! - [`rights`]: the plain-language rights and relief sheet for the child.
//! - [`record`]: a completed screening, rendered as a bilingual Markdown record.
//! - [`report`]: the printable result of validating an instrument file.
//!
//! Pure: no file, clock, environment or network access. Time comes in as a parameter or through
//! a caller-supplied [`Clock`]; embedded data is compiled in with `include_str!`.
//!
//! Lazo recommends; a person decides. No outcome returns a child by itself, and only one outcome
//! ([`Outcome::EligibleForReturn`]) lets a person consider it.

pub mod answers;
pub mod capacity;
pub mod clock;
pub mod decision;
pub mod instrument;
pub mod record;
pub mod report;
pub mod rights;
mod serde_util;

pub use answers::{Answer, Answers, ScreeningError, YesNo};
pub use capacity::{
    AgeEvidence, CapableChild, Capacity, CapacityFinding, PRESUMED_CAPACITY_AGE, UnableReason,
    full_years,
};
pub use clock::{
    Clock, ClockStatus, ComplianceError, ComplianceRow, ComplianceTotals, ESCALATION_AFTER,
    FixedClock, ManualClock, SCREENING_DEADLINE, ScreeningClock, ScreeningTiming, compliance,
};
pub use decision::{
    Action, CriterionFinding, Decision, Evidence, EvidenceRole, Finding, Outcome, decide, evaluate,
};
pub use instrument::{Criterion, Instrument, InstrumentError, Question, QuestionKind};
pub use record::{
    AnswerView, DriverView, FindingView, Interview, QuestionView, RecordLabels, RecordView,
    Screening, SectionView, record_view, render_record,
};
pub use report::{InstrumentSummary, ValidationReport, validate_report};
pub use rights::{RightsError, render_rights_sheet, rights_sheet_template};

/// The text of Lazo's default instrument (`instruments/default.toml`), for `lazo screening
/// instrument` to print as a starting point for an agency's own.
pub const DEFAULT_INSTRUMENT_TOML: &str = include_str!("../instruments/default.toml");

/// Lazo's default instrument, English and Spanish, parsed and validated. It is data like any
/// agency's instrument and goes through the same checks; a test guarantees it passes them.
pub fn default_instrument() -> Result<Instrument, Vec<InstrumentError>> {
    Instrument::parse(DEFAULT_INSTRUMENT_TOML)
}
