//! The printable result of validating an instrument file, for `lazo screening validate FILE`:
//! the binary reads the file, calls [`validate_report`], prints the report and exits non-zero
//! when [`ValidationReport::is_valid`] is false.

use std::fmt;

use serde::Serialize;

use crate::instrument::{Criterion, Instrument, InstrumentError, RuleFinding};

/// What a valid instrument contains, in numbers a reviewer can check against the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstrumentSummary {
    pub id: String,
    pub version: String,
    pub languages: Vec<String>,
    pub sections: usize,
    pub questions: usize,
    pub required: usize,
    /// Questions required only when earlier answers call for them.
    pub required_when: usize,
    pub informational: usize,
    /// Per criterion: (criterion, rules concluding yes/unable, rules concluding needs follow-up).
    pub rules: Vec<(Criterion, usize, usize)>,
}

impl InstrumentSummary {
    pub fn of(instrument: &Instrument) -> Self {
        InstrumentSummary {
            id: instrument.id().to_string(),
            version: instrument.version().to_string(),
            languages: instrument.languages().to_vec(),
            sections: instrument.sections().len(),
            questions: instrument.questions().count(),
            required: instrument.questions().filter(|q| q.required).count(),
            required_when: instrument
                .questions()
                .filter(|q| q.required_when.is_some())
                .count(),
            informational: instrument.questions().filter(|q| q.informational).count(),
            rules: Criterion::ALL
                .into_iter()
                .map(|c| {
                    let concern = instrument
                        .rules_for(c)
                        .filter(|r| r.finding != RuleFinding::NeedsFollowUp)
                        .count();
                    let follow = instrument
                        .rules_for(c)
                        .filter(|r| r.finding == RuleFinding::NeedsFollowUp)
                        .count();
                    (c, concern, follow)
                })
                .collect(),
        }
    }
}

/// The outcome of validating one instrument file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationReport {
    /// The name the text came from (a path), for the first line.
    pub source: String,
    /// The summary of a valid instrument, or every problem found.
    pub result: Result<InstrumentSummary, Vec<InstrumentError>>,
}

impl ValidationReport {
    pub fn is_valid(&self) -> bool {
        self.result.is_ok()
    }
}

/// Parses and validates an instrument's text; `source` names it in the report.
pub fn validate_report(source: &str, text: &str) -> ValidationReport {
    ValidationReport {
        source: source.to_string(),
        result: Instrument::parse(text)
            .map(|i| InstrumentSummary::of(&i))
            .map_err(|errors| errors.into_iter().collect()),
    }
}

impl fmt::Display for ValidationReport {
    /// ```text
    /// default.toml: valid instrument lazo-default 1.1.0
    ///   languages: en, es
    ///   11 sections, 45 questions (36 required, 6 required when, 3 informational)
    ///   rules: trafficking_victim 2 yes + 5 follow-up; …; capacity 1 unable + 3 follow-up
    /// ```
    /// or
    /// ```text
    /// bad.toml: INVALID, 2 problems
    ///   - question "q_x" has unknown type "yesno" (yes_no, choice, number, date, free_text)
    ///   - rule "r1" refers to missing question "q_y"
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.result {
            Ok(s) => {
                writeln!(
                    f,
                    "{}: valid instrument {} {}",
                    self.source, s.id, s.version
                )?;
                writeln!(f, "  languages: {}", s.languages.join(", "))?;
                writeln!(
                    f,
                    "  {} sections, {} questions ({} required, {} required when, {} informational)",
                    s.sections, s.questions, s.required, s.required_when, s.informational
                )?;
                let rules: Vec<String> = s
                    .rules
                    .iter()
                    .map(|(c, concern, follow)| {
                        let word = if *c == Criterion::Capacity {
                            "unable"
                        } else {
                            "yes"
                        };
                        format!("{c} {concern} {word} + {follow} follow-up")
                    })
                    .collect();
                writeln!(f, "  rules: {}", rules.join("; "))
            }
            Err(errors) => {
                let n = errors.len();
                writeln!(
                    f,
                    "{}: INVALID, {} problem{}",
                    self.source,
                    n,
                    if n == 1 { "" } else { "s" }
                )?;
                for e in errors {
                    writeln!(f, "  - {e}")?;
                }
                Ok(())
            }
        }
    }
}
